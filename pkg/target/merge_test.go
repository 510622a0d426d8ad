package target

import (
	"reflect"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestMerge(t *testing.T) {
	yes := true
	tests := []struct {
		name         string
		base, custom v1alpha1.BundleDeploymentOptions
		check        func(t *testing.T, got v1alpha1.BundleDeploymentOptions)
	}{
		{name: "strings: custom wins when non-empty",
			base:   v1alpha1.BundleDeploymentOptions{DefaultNamespace: "a", TargetNamespace: "b", ServiceAccount: "s"},
			custom: v1alpha1.BundleDeploymentOptions{TargetNamespace: "c"},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				if got.DefaultNamespace != "a" || got.TargetNamespace != "c" || got.ServiceAccount != "s" {
					t.Errorf("got %+v", got)
				}
			}},
		{name: "helm values deep merge, chart fields win",
			base: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{Chart: "a", Version: "1",
				Values: values("replicas", int64(1), "svc", map[string]any{"type": "NodePort", "port": int64(80)})}},
			custom: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{Version: "2",
				Values: values("svc", map[string]any{"type": "LoadBalancer"})}},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				want := map[string]any{"replicas": int64(1), "svc": map[string]any{"type": "LoadBalancer", "port": int64(80)}}
				if !reflect.DeepEqual(got.Helm.Values.Data, want) || got.Helm.Chart != "a" || got.Helm.Version != "2" {
					t.Errorf("helm = %+v values %v", got.Helm, got.Helm.Values.Data)
				}
			}},
		{name: "timeout: positive wins, negative resets",
			base:   v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{TimeoutSeconds: 30}},
			custom: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{TimeoutSeconds: -1}},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				if got.Helm.TimeoutSeconds != 0 {
					t.Errorf("timeout = %d", got.Helm.TimeoutSeconds)
				}
			}},
		{name: "booleans are ORed, base-only fields kept",
			base: v1alpha1.BundleDeploymentOptions{DeleteCRDResources: true, Helm: &v1alpha1.HelmOptions{MaxHistory: 3, Force: true}},
			custom: v1alpha1.BundleDeploymentOptions{KeepResources: true, DeleteNamespace: true, DeleteCRDResources: false,
				Helm: &v1alpha1.HelmOptions{Atomic: true, MaxHistory: 9, DisableDependencyUpdate: true}},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				if !got.KeepResources || got.DeleteNamespace || !got.DeleteCRDResources {
					t.Errorf("keep/deleteNamespace/deleteCRD = %v/%v/%v", got.KeepResources, got.DeleteNamespace, got.DeleteCRDResources)
				}
				if !got.Helm.Force || !got.Helm.Atomic || got.Helm.MaxHistory != 3 || got.Helm.DisableDependencyUpdate {
					t.Errorf("helm = %+v", got.Helm)
				}
			}},
		{name: "overlays appended, correctDrift replaced",
			base:   v1alpha1.BundleDeploymentOptions{YAML: &v1alpha1.YAMLOptions{Overlays: []string{"a"}}, CorrectDrift: &v1alpha1.CorrectDrift{Enabled: true}},
			custom: v1alpha1.BundleDeploymentOptions{YAML: &v1alpha1.YAMLOptions{Overlays: []string{"b"}}, CorrectDrift: &v1alpha1.CorrectDrift{Force: true}},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				if !reflect.DeepEqual(got.YAML.Overlays, []string{"a", "b"}) || got.CorrectDrift.Enabled || !got.CorrectDrift.Force {
					t.Errorf("overlays %v correctDrift %+v", got.YAML.Overlays, got.CorrectDrift)
				}
			}},
		{name: "by-key merges, custom wins",
			base: v1alpha1.BundleDeploymentOptions{
				Diff:                &v1alpha1.DiffOptions{ComparePatches: []v1alpha1.ComparePatch{{Kind: "A", Name: "x", JsonPointers: []string{"/a"}}, {Kind: "B"}}},
				DownstreamResources: []v1alpha1.DownstreamResource{{Kind: "Secret", Name: "s"}},
				Helm: &v1alpha1.HelmOptions{ValuesFrom: []v1alpha1.ValuesFrom{{SecretKeyRef: &v1alpha1.SecretKeySelector{
					LocalObjectReference: v1alpha1.LocalObjectReference{Name: "s"}, Key: "k"}}}},
			},
			custom: v1alpha1.BundleDeploymentOptions{
				Diff:                &v1alpha1.DiffOptions{ComparePatches: []v1alpha1.ComparePatch{{Kind: "A", Name: "x", JsonPointers: []string{"/b"}}, {Kind: "C"}}},
				DownstreamResources: []v1alpha1.DownstreamResource{{Kind: "ConfigMap", Name: "c"}},
				Helm: &v1alpha1.HelmOptions{ValuesFrom: []v1alpha1.ValuesFrom{{ConfigMapKeyRef: &v1alpha1.ConfigMapKeySelector{
					LocalObjectReference: v1alpha1.LocalObjectReference{Name: "c"}, Key: "k"}}}},
			},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				cp := got.Diff.ComparePatches
				if len(cp) != 3 || cp[0].JsonPointers[0] != "/b" || cp[1].Kind != "B" || cp[2].Kind != "C" {
					t.Errorf("comparePatches = %+v", cp)
				}
				if len(got.DownstreamResources) != 2 || len(got.Helm.ValuesFrom) != 2 {
					t.Errorf("downstream %v valuesFrom %v", got.DownstreamResources, got.Helm.ValuesFrom)
				}
			}},
		{name: "templateValues copied key-wise, createNamespace replaced",
			base: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{TemplateValues: map[string]string{"a": "1", "b": "2"}}},
			custom: v1alpha1.BundleDeploymentOptions{CreateNamespace: &yes,
				Helm: &v1alpha1.HelmOptions{TemplateValues: map[string]string{"b": "3"}}},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				if !reflect.DeepEqual(got.Helm.TemplateValues, map[string]string{"a": "1", "b": "3"}) || got.CreateNamespace == nil {
					t.Errorf("templateValues %v createNamespace %v", got.Helm.TemplateValues, got.CreateNamespace)
				}
			}},
		{name: "forceSyncGeneration positive wins",
			base:   v1alpha1.BundleDeploymentOptions{ForceSyncGeneration: 2},
			custom: v1alpha1.BundleDeploymentOptions{ForceSyncGeneration: 0},
			check: func(t *testing.T, got v1alpha1.BundleDeploymentOptions) {
				t.Helper()
				if got.ForceSyncGeneration != 2 {
					t.Errorf("forceSyncGeneration = %d", got.ForceSyncGeneration)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseCopy := tt.base.DeepCopy()
			got := Merge(&tt.base, &tt.custom)
			tt.check(t, got)
			if !reflect.DeepEqual(baseCopy, &tt.base) {
				t.Errorf("Merge modified its base argument")
			}
		})
	}
}
