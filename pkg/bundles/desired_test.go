package bundles

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/rollout"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

func clusterObj(name string, labels map[string]string) *v1alpha1.Cluster {
	return &v1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet-default", Name: name, UID: types.UID("u-" + name), Labels: labels},
		Status: v1alpha1.ClusterStatus{Namespace: manifest.ClusterNamespace("fleet-default", name)}}
}

func byEnv(env string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"env": env}}
}

func TestDesired(t *testing.T) {
	b := bundle("app", v1alpha1.BundleSpec{
		Targets: []v1alpha1.BundleTarget{
			{Name: "dev", ClusterSelector: byEnv("dev"), BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{TargetNamespace: "dev-ns"}},
			{Name: "all", ClusterGroup: "default"},
		},
		TargetRestrictions: []v1alpha1.BundleTargetRestriction{{Name: "all", ClusterGroup: "default"}},
	})
	clusters := []*v1alpha1.Cluster{
		clusterObj("c-dev", map[string]string{"env": "dev", "fleet": "yes"}),
		clusterObj("c-prod", map[string]string{"env": "prod", "fleet": "yes"}),
		clusterObj("c-out", map[string]string{"env": "dev"}), // not in the default group
	}
	groups := []v1alpha1.ClusterGroup{{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet-default", Name: "default"},
		Spec: v1alpha1.ClusterGroupSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"fleet": "yes"}}}}}
	out, err := Desired(Input{Bundle: b, ManifestID: "s-1", Clusters: clusters, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	if out.Targets != 2 || len(out.Desired) != 2 || out.InProgress {
		t.Fatalf("out %+v", out)
	}
	byName := map[string]pairs.Desired{}
	for _, d := range out.Desired {
		byName[d.Cluster.Name] = d
		if !d.Promote || d.Keep {
			t.Errorf("%s: a new pair under the default strategy is promoted at once: %+v", d.Cluster.Name, d)
		}
	}
	if byName["c-dev"].Options.TargetNamespace != "dev-ns" || byName["c-prod"].Options.TargetNamespace != "" {
		t.Errorf("customization: dev %q, prod %q", byName["c-dev"].Options.TargetNamespace, byName["c-prod"].Options.TargetNamespace)
	}
	if byName["c-dev"].Cluster.ClusterNS != manifest.ClusterNamespace("fleet-default", "c-dev") {
		t.Errorf("cluster namespace %q", byName["c-dev"].Cluster.ClusterNS)
	}
	if out.Bundle.Name != "app" {
		t.Errorf("bundle %+v", out.Bundle)
	}

	// With maxUnavailable 1 and both on an old deployment, ready: one is promoted, the other kept
	// staged (OutOfSync) and the rollout is in progress.
	b.Spec.RolloutStrategy = &v1alpha1.RolloutStrategy{MaxUnavailable: ptr(intstr.FromInt32(1))}
	old := pairs.Deployment{StagedDeploymentID: "s-0:x", DeploymentID: "s-0:x", AppliedDeploymentID: "s-0:x", Ready: true}
	existing := map[string]pairs.Deployment{
		manifest.ClusterNamespace("fleet-default", "c-dev"):  old,
		manifest.ClusterNamespace("fleet-default", "c-prod"): old,
	}
	out, err = Desired(Input{Bundle: b, ManifestID: "s-1", Clusters: clusters, Groups: groups, Existing: existing})
	if err != nil {
		t.Fatal(err)
	}
	promoted := 0
	for _, d := range out.Desired {
		if d.Promote {
			promoted++
		}
	}
	if promoted != 1 || !out.InProgress {
		t.Errorf("promoted %d, in progress %v", promoted, out.InProgress)
	}

	// maxNew: only that many new pairs, the rest pending, the rollout in progress.
	b.Spec.RolloutStrategy = nil
	b.Generation = 7
	out, err = Desired(Input{Bundle: b, ManifestID: "s-1", Clusters: clusters, Groups: groups, Defaults: rollout.Defaults{MaxNew: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Desired) != 1 || out.Pending != 1 || !out.InProgress {
		t.Errorf("maxNew 1: %d desired, %d pending, in progress %v", len(out.Desired), out.Pending, out.InProgress)
	}
	if st := out.Bundle.Status; st.Pending != 1 || len(st.PendingClusters) != 1 || st.PendingClusters[0] != "fleet-default/c-prod" ||
		st.ObservedGeneration != b.Generation || st.NewlyCreated != out.Rollout.NewlyCreated {
		t.Errorf("maxNew 1: the status the pair store gets %+v", st)
	}

	// A paused Bundle stages, does not promote, and is not "in progress" (nothing to wait for).
	b.Spec.Paused = true
	out, err = Desired(Input{Bundle: b, ManifestID: "s-1", Clusters: clusters, Groups: groups, Existing: existing})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range out.Desired {
		if d.Promote || !d.Paused {
			t.Errorf("paused: %+v", d)
		}
	}
	if out.InProgress {
		t.Error("a paused rollout polls")
	}

	// An invalid selector is an error naming the target.
	bad := bundle("bad", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Nope"}}}}}})
	if _, err := Desired(Input{Bundle: bad, ManifestID: "s-1", Clusters: clusters}); err == nil {
		t.Error("an invalid selector was accepted")
	}
}

func ptr[T any](v T) *T { return &v }
