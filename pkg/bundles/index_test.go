package bundles

import (
	"reflect"
	"sort"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func bundle(name string, spec v1alpha1.BundleSpec) *v1alpha1.Bundle {
	return &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet-default", Name: name}, Spec: spec}
}

func selector(key string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{key: "x"}}
}

func names(ks []types.NamespacedName) []string {
	out := []string{}
	for _, k := range ks {
		out = append(out, k.Name)
	}
	sort.Strings(out)
	return out
}

func everywhere(types.NamespacedName) bool { return true }

func TestIndexAffected(t *testing.T) {
	x := NewIndex()
	x.Set(bundle("by-env", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: selector("env")}}}))
	x.Set(bundle("by-region-expr", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "region", Operator: metav1.LabelSelectorOpExists}}}}}}))
	x.Set(bundle("restricted-by-tier", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{}}},
		TargetRestrictions: []v1alpha1.BundleTargetRestriction{{ClusterSelector: selector("tier")}}}))
	x.Set(bundle("partitioned-by-zone", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{}}},
		RolloutStrategy: &v1alpha1.RolloutStrategy{Partitions: []v1alpha1.Partition{{ClusterSelector: selector("zone")}}}}))
	x.Set(bundle("by-name", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterName: "c1"}}}))
	x.Set(bundle("by-group", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterGroup: "default"}}}))
	x.Set(bundle("templated", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{}}},
		BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{
			Values: &v1alpha1.GenericMap{Data: map[string]any{"a": []any{map[string]any{"b": "${ .ClusterLabels.env }"}}}}}}}))
	x.Set(bundle("all", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{}}}}))

	tests := []struct {
		name   string
		change Change
		want   []string
	}{
		{"a selector's key", Change{Labels: []string{"env"}}, []string{"by-env"}},
		{"a match expression's key", Change{Labels: []string{"region"}}, []string{"by-region-expr"}},
		{"a restriction's key", Change{Labels: []string{"tier"}}, []string{"restricted-by-tier"}},
		{"a partition's key", Change{Labels: []string{"zone"}}, []string{"partitioned-by-zone"}},
		{"the display-name label names clusters", Change{Labels: []string{v1alpha1.ClusterDisplayNameLabel}}, []string{"by-name"}},
		{"a key nobody reads", Change{Labels: []string{"color"}}, []string{}},
		{"group membership", Change{Groups: true}, []string{"by-group"}},
		{"templated values", Change{Labels: []string{"color"}, Templating: true}, []string{"templated"}},
		{"paused: every bundle", Change{Paused: true}, []string{"all", "by-env", "by-group", "by-name", "by-region-expr",
			"partitioned-by-zone", "restricted-by-tier", "templated"}},
	}
	for _, tt := range tests {
		if got := names(x.Affected(tt.change, everywhere)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	onlyOthers := func(k types.NamespacedName) bool { return k.Name != "by-env" }
	if got := x.Affected(Change{Labels: []string{"env"}}, onlyOthers); len(got) != 0 {
		t.Errorf("a bundle that cannot target the cluster: %v", got)
	}
	// Replacing and deleting a Bundle updates what it depends on.
	x.Set(bundle("by-env", v1alpha1.BundleSpec{Targets: []v1alpha1.BundleTarget{{ClusterSelector: selector("stage")}}}))
	if got := names(x.Affected(Change{Labels: []string{"env", "stage"}}, everywhere)); !reflect.DeepEqual(got, []string{"by-env"}) {
		t.Errorf("after replacing: %v", got)
	}
	x.Delete(types.NamespacedName{Namespace: "fleet-default", Name: "by-env"})
	if got := x.Affected(Change{Labels: []string{"stage"}}, everywhere); len(got) != 0 || len(x.byKey["stage"]) != 0 {
		t.Errorf("after deleting: %v (%d index entries left)", got, len(x.byKey["stage"]))
	}
}

func TestTemplated(t *testing.T) {
	vals := func(v any) *v1alpha1.HelmOptions {
		return &v1alpha1.HelmOptions{Values: &v1alpha1.GenericMap{Data: map[string]any{"k": v}}}
	}
	tests := []struct {
		name string
		h    *v1alpha1.HelmOptions
		want bool
	}{
		{"no helm", nil, false},
		{"plain values", vals("x"), false},
		{"a template", vals("${ .ClusterName }"), true},
		{"cluster label substitution", vals("global.fleet.clusterLabels.env"), true},
		{"templateValues", &v1alpha1.HelmOptions{TemplateValues: map[string]string{"a": "b"}}, true},
		{"preprocessing off", &v1alpha1.HelmOptions{DisablePreProcess: true, Values: &v1alpha1.GenericMap{Data: map[string]any{"k": "${ x }"}}}, false},
		{"preprocessing off, label substitution still on", &v1alpha1.HelmOptions{DisablePreProcess: true,
			Values: &v1alpha1.GenericMap{Data: map[string]any{"k": "global.fleet.clusterLabels.env"}}}, true},
	}
	for _, tt := range tests {
		if got := templated(tt.h); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLabelChanges(t *testing.T) {
	got := LabelChanges(map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "20", "d": "4"})
	sort.Strings(got)
	if !reflect.DeepEqual(got, []string{"b", "c", "d"}) {
		t.Errorf("changes %v", got)
	}
}
