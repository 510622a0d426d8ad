package target

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func bundle(mode v1alpha1.TargetCustomizationMode, targets []v1alpha1.BundleTarget, restrictions ...v1alpha1.BundleTargetRestriction) *v1alpha1.Bundle {
	return &v1alpha1.Bundle{
		ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "fleet-default"},
		Spec: v1alpha1.BundleSpec{
			BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{TargetNamespace: "root",
				Helm: &v1alpha1.HelmOptions{Values: values("replicas", int64(1))}},
			Resources:               []v1alpha1.BundleResource{{Name: "a.yaml", Content: "a"}},
			Targets:                 targets,
			TargetRestrictions:      restrictions,
			TargetCustomizationMode: mode,
		},
	}
}

func custom(name string, s *metav1.LabelSelector, ns string, vals *v1alpha1.GenericMap) v1alpha1.BundleTarget {
	return v1alpha1.BundleTarget{Name: name, ClusterSelector: s,
		BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{TargetNamespace: ns, Helm: &v1alpha1.HelmOptions{Values: vals}}}
}

type want struct {
	deployed       bool
	target         string
	customizations []string
	namespace      string
	values         map[string]any
}

func assertTarget(t *testing.T, got *Target, w want) {
	t.Helper()
	if (got != nil) != w.deployed {
		t.Fatalf("deployed = %v, want %v", got != nil, w.deployed)
	}
	if got == nil {
		return
	}
	if got.TargetName != w.target || !reflect.DeepEqual(got.Customizations, w.customizations) || got.Options.TargetNamespace != w.namespace {
		t.Errorf("target %q customizations %v namespace %q, want %q %v %q", got.TargetName, got.Customizations,
			got.Options.TargetNamespace, w.target, w.customizations, w.namespace)
	}
	if w.values != nil && !reflect.DeepEqual(got.Options.Helm.Values.Data, w.values) {
		t.Errorf("values = %v, want %v", got.Options.Helm.Values.Data, w.values)
	}
	if !strings.HasPrefix(got.DeploymentID, "s-") || !strings.Contains(got.DeploymentID, ":") {
		t.Errorf("deployment ID %q", got.DeploymentID)
	}
}

func TestMatchRules(t *testing.T) {
	all := v1alpha1.BundleTargetRestriction{Name: "all", ClusterSelector: &metav1.LabelSelector{}}
	allTarget := v1alpha1.BundleTarget{Name: "all", ClusterSelector: &metav1.LabelSelector{}}
	devOnly := v1alpha1.BundleTargetRestriction{Name: "devonly", ClusterSelector: sel("env", "dev")}
	devOnlyTarget := v1alpha1.BundleTarget{Name: "devonly", ClusterSelector: sel("env", "dev")}
	tests := []struct {
		name    string
		b       *v1alpha1.Bundle
		cluster *v1alpha1.Cluster
		groups  []Group
		want    want
	}{
		{name: "no restrictions: customization selects the cluster",
			b:       bundle("", []v1alpha1.BundleTarget{custom("dev", sel("env", "dev"), "devns", values("replicas", int64(2)))}),
			cluster: cluster("c1", "env", "dev"),
			want:    want{deployed: true, target: "dev", customizations: []string{"dev"}, namespace: "devns", values: map[string]any{"replicas": int64(2)}}},
		{name: "no restrictions: nothing matches",
			b:       bundle("", []v1alpha1.BundleTarget{custom("dev", sel("env", "dev"), "devns", nil)}),
			cluster: cluster("c1", "env", "prod"), want: want{}},
		{name: "default target matches the default group",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "default", ClusterGroup: "default"}}),
			cluster: cluster("c1"), groups: []Group{{Name: "default"}},
			want: want{deployed: true, target: "default", customizations: []string{"default"}, namespace: "root"}},
		{name: "default target without the group",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "default", ClusterGroup: "default"}}),
			cluster: cluster("c1"), want: want{}},
		{name: "FirstMatch: only the first matching customization",
			b: bundle(v1alpha1.TargetCustomizationFirstMatch, []v1alpha1.BundleTarget{
				custom("first", sel("env", "dev"), "ns1", values("a", int64(1))),
				custom("second", sel("env", "dev"), "ns2", values("b", int64(2))),
				allTarget}, all),
			cluster: cluster("c1", "env", "dev"),
			want:    want{deployed: true, target: "all", customizations: []string{"first"}, namespace: "ns1", values: map[string]any{"replicas": int64(1), "a": int64(1)}}},
		{name: "AllMatches: every matching customization in order",
			b: bundle(v1alpha1.TargetCustomizationAllMatches, []v1alpha1.BundleTarget{
				custom("first", sel("env", "dev"), "ns1", values("a", int64(1))),
				custom("other", sel("env", "prod"), "nsx", values("x", int64(9))),
				custom("second", sel("env", "dev"), "ns2", values("b", int64(2))),
				allTarget}, all),
			cluster: cluster("c1", "env", "dev"),
			want: want{deployed: true, target: "all", customizations: []string{"all", "first", "second"}, namespace: "ns2",
				values: map[string]any{"replicas": int64(1), "a": int64(1), "b": int64(2)}}},
		{name: "restrictions: customization does not add clusters",
			b:       bundle("", []v1alpha1.BundleTarget{custom("prod", sel("env", "prod"), "p", nil), devOnlyTarget}, devOnly),
			cluster: cluster("c1", "env", "prod"), want: want{}},
		{name: "restrictions: git target without customization keeps root options",
			b:       bundle("", []v1alpha1.BundleTarget{custom("prod", sel("env", "prod"), "p", nil), devOnlyTarget}, devOnly),
			cluster: cluster("c1", "env", "dev"),
			want:    want{deployed: true, target: "devonly", customizations: []string{"devonly"}, namespace: "root"}},
		{name: "doNotDeploy in FirstMatch",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "skip", ClusterSelector: sel("env", "dev"), DoNotDeploy: true}, allTarget}, all),
			cluster: cluster("c1", "env", "dev"), want: want{}},
		{name: "doNotDeploy after a match in AllMatches",
			b: bundle(v1alpha1.TargetCustomizationAllMatches, []v1alpha1.BundleTarget{
				custom("first", sel("env", "dev"), "ns1", nil),
				{Name: "skip", ClusterSelector: sel("env", "dev"), DoNotDeploy: true}, allTarget}, all),
			cluster: cluster("c1", "env", "dev"), want: want{}},
		{name: "doNotDeploy on a non-matching customization is ignored",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "skip", ClusterSelector: sel("env", "prod"), DoNotDeploy: true}, allTarget}, all),
			cluster: cluster("c1", "env", "dev"),
			want:    want{deployed: true, target: "all", customizations: []string{"all"}, namespace: "root"}},
		{name: "clusterName matches the display-name label",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "byname", ClusterName: "pretty"}}),
			cluster: cluster("c-xyz", v1alpha1.ClusterDisplayNameLabel, "pretty"),
			want:    want{deployed: true, target: "byname", customizations: []string{"byname"}, namespace: "root"}},
		{name: "restrictions: a customization never selects, even where a restriction allows the cluster",
			b: bundle("", []v1alpha1.BundleTarget{custom("dev", sel("env", "dev"), "d", nil), {Name: "a", ClusterGroup: "a"}},
				v1alpha1.BundleTargetRestriction{ClusterSelector: &metav1.LabelSelector{}}),
			cluster: cluster("c1", "env", "dev"), want: want{}},
		{name: "no restrictions: AllMatches merges nothing but the selecting target",
			b: bundle(v1alpha1.TargetCustomizationAllMatches, []v1alpha1.BundleTarget{
				custom("t1", sel("env", "dev"), "ns1", values("a", int64(1))), custom("t2", sel("env", "dev"), "ns2", values("b", int64(2)))}),
			cluster: cluster("c1", "env", "dev"),
			want:    want{deployed: true, target: "t1", customizations: []string{"t1"}, namespace: "ns1", values: map[string]any{"replicas": int64(1), "a": int64(1)}}},
		{name: "doNotDeploy on the selecting target",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "all", ClusterSelector: &metav1.LabelSelector{}, DoNotDeploy: true}}, all),
			cluster: cluster("c1", "env", "dev"), want: want{}},
		{name: "empty target matches nothing",
			b:       bundle("", []v1alpha1.BundleTarget{{Name: "empty"}}),
			cluster: cluster("c1", "env", "dev"), want: want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb, err := NewBundle(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cb.Match(tt.cluster, tt.groups)
			if err != nil {
				t.Fatal(err)
			}
			assertTarget(t, got, tt.want)
		})
	}
}

// TestAllMatchesMergesCustomizationsBeforeTheBundle: as Fleet, the customizations are merged onto
// the selecting target's options first and the result onto the Bundle's, which matters where a
// merge is not associative: a negative timeoutSeconds resets what it is merged onto, here the
// (empty) target's, so the Bundle's timeout stays.
func TestAllMatchesMergesCustomizationsBeforeTheBundle(t *testing.T) {
	b := bundle(v1alpha1.TargetCustomizationAllMatches, []v1alpha1.BundleTarget{
		{Name: "reset", ClusterSelector: sel("env", "dev"), BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
			Helm: &v1alpha1.HelmOptions{TimeoutSeconds: -1}}},
		{Name: "all", ClusterSelector: &metav1.LabelSelector{}}}, v1alpha1.BundleTargetRestriction{Name: "all", ClusterSelector: &metav1.LabelSelector{}})
	b.Spec.Helm.TimeoutSeconds = 30
	cb, err := NewBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cb.Match(cluster("c1", "env", "dev"), nil)
	if err != nil || got == nil {
		t.Fatalf("match: %v %v", got, err)
	}
	if got.Options.Helm.TimeoutSeconds != 30 {
		t.Errorf("timeoutSeconds %d, want the Bundle's 30", got.Options.Helm.TimeoutSeconds)
	}
}

func TestTargetsAndBundleDeployments(t *testing.T) {
	b := bundle("", []v1alpha1.BundleTarget{
		custom("dev", sel("env", "dev"), "", values("replicas", int64(2))),
		custom("prod", sel("env", "prod"), "", values("replicas", int64(3)))})
	b.Labels = map[string]string{"app": "x", "objectset.rio.cattle.io/hash": "drop", "fleet.cattle.io/commit": "c"}
	clusters := []v1alpha1.Cluster{*cluster("z-prod", "env", "prod"), *cluster("a-dev", "env", "dev"), *cluster("none")}
	clusters[0].Status.Namespace = "cluster-fleet-default-z-prod-123"
	ts, err := Targets(b, clusters, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Cluster.Name != "a-dev" || ts[1].Cluster.Name != "z-prod" {
		t.Fatalf("targets = %+v", ts)
	}
	if ts[0].DeploymentID == ts[1].DeploymentID {
		t.Errorf("different options gave the same deployment ID")
	}
	bd := BundleDeployment(b, &ts[1])
	if bd.Name != "b" || bd.Namespace != "cluster-fleet-default-z-prod-123" {
		t.Errorf("bd %s/%s", bd.Namespace, bd.Name)
	}
	wantLabels := map[string]string{"app": "x", "fleet.cattle.io/commit": "c", v1alpha1.BundleLabel: "b",
		v1alpha1.BundleNamespaceLabel: "fleet-default", v1alpha1.ManagedLabel: "true",
		v1alpha1.ClusterNamespaceLabel: "fleet-default", v1alpha1.ClusterLabel: "z-prod",
		v1alpha1.ContentNameLabel: strings.Split(ts[1].DeploymentID, ":")[0]}
	if !reflect.DeepEqual(bd.Labels, wantLabels) {
		t.Errorf("labels = %v, want %v", bd.Labels, wantLabels)
	}
	if bd.Spec.DeploymentID != ts[1].DeploymentID || bd.Spec.StagedDeploymentID != ts[1].DeploymentID {
		t.Errorf("IDs %q %q", bd.Spec.DeploymentID, bd.Spec.StagedDeploymentID)
	}
	if ns := BundleDeployment(b, &ts[0]).Namespace; !strings.HasPrefix(ns, "cluster-fleet-default-a-dev-") {
		t.Errorf("generated cluster namespace %q", ns)
	}
}
