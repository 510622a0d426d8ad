package validation_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func validBundle() *v1alpha1.Bundle {
	maxUnavailable := intstr.FromString("25%")
	return &v1alpha1.Bundle{
		ObjectMeta: objectMeta("examples-simple"),
		Spec: v1alpha1.BundleSpec{
			BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
				DefaultNamespace: "simple",
				Helm:             &v1alpha1.HelmOptions{ReleaseName: "simple"},
			},
			RolloutStrategy: &v1alpha1.RolloutStrategy{
				MaxUnavailable: &maxUnavailable,
				Partitions:     []v1alpha1.Partition{{Name: "canary", ClusterSelector: goodSelector()}},
			},
			Resources: []v1alpha1.BundleResource{
				{Name: "cm.yaml", Content: "kind: ConfigMap"},
				{Name: "big.yaml", Content: "H4sI", Encoding: "base64+gz"},
			},
			Targets: []v1alpha1.BundleTarget{
				{Name: "prod", ClusterSelector: goodSelector()},
				{Name: "default", ClusterGroup: "default"},
			},
			TargetRestrictions: []v1alpha1.BundleTargetRestriction{{Name: "default", ClusterGroup: "default"}},
			DependsOn: []v1alpha1.BundleRef{
				{Name: "examples-crds"},
				{Selector: goodSelector(), AcceptedStates: []v1alpha1.BundleState{v1alpha1.Ready, v1alpha1.Modified}},
			},
			TargetCustomizationMode: v1alpha1.TargetCustomizationAllMatches,
		},
	}
}

func ios(s string) *intstr.IntOrString { v := intstr.Parse(s); return &v }
func intPtr(i int) *int                { return &i }

func TestValidateBundle(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.Bundle)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.Bundle) {}},
		{name: "empty spec", mutate: func(b *v1alpha1.Bundle) { b.Spec = v1alpha1.BundleSpec{} }},
		{name: "253 character name", mutate: func(b *v1alpha1.Bundle) { b.Name = strings.Repeat("b", 253) }},
		{name: "254 character name", mutate: func(b *v1alpha1.Bundle) { b.Name = strings.Repeat("b", 254) }, want: []wantErr{invalid("metadata.name")}},

		// helm.releaseName: maxLength 53 and the DNS-1123 pattern.
		{name: "53 character release name", mutate: func(b *v1alpha1.Bundle) { b.Spec.Helm.ReleaseName = strings.Repeat("r", 53) }},
		{
			name:   "54 character release name",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.Helm.ReleaseName = strings.Repeat("r", 54) },
			want:   []wantErr{tooLong("spec.helm.releaseName")},
		},
		{
			name:   "release name with upper case",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.Helm.ReleaseName = "MyRelease" },
			want:   []wantErr{invalid("spec.helm.releaseName")},
		},
		{
			name:   "release name ending with a dash",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.Helm.ReleaseName = "release-" },
			want:   []wantErr{invalid("spec.helm.releaseName")},
		},
		{
			name:   "release name too long and invalid",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.Helm.ReleaseName = strings.Repeat("R", 54) },
			want:   []wantErr{tooLong("spec.helm.releaseName"), invalid("spec.helm.releaseName")},
		},
		{
			name: "release name in a target customization",
			mutate: func(b *v1alpha1.Bundle) {
				b.Spec.Targets[0].Helm = &v1alpha1.HelmOptions{ReleaseName: "Bad_Name"}
			},
			want: []wantErr{invalid("spec.targets[0].helm.releaseName")},
		},

		// targetCustomizationMode enum.
		{name: "FirstMatch mode", mutate: func(b *v1alpha1.Bundle) { b.Spec.TargetCustomizationMode = "FirstMatch" }},
		{name: "unset mode", mutate: func(b *v1alpha1.Bundle) { b.Spec.TargetCustomizationMode = "" }},
		{
			name:   "unknown mode",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.TargetCustomizationMode = "LastMatch" },
			want:   []wantErr{notSupported("spec.targetCustomizationMode")},
		},

		// rolloutStrategy: int-or-percent and counts.
		{name: "integer maxUnavailable", mutate: func(b *v1alpha1.Bundle) { b.Spec.RolloutStrategy.MaxUnavailable = ios("3") }},
		{name: "100% maxUnavailable", mutate: func(b *v1alpha1.Bundle) { b.Spec.RolloutStrategy.MaxUnavailable = ios("100%") }},
		{
			name:   "negative maxUnavailable",
			mutate: func(b *v1alpha1.Bundle) { v := intstr.FromInt32(-1); b.Spec.RolloutStrategy.MaxUnavailable = &v },
			want:   []wantErr{invalid("spec.rolloutStrategy.maxUnavailable")},
		},
		{
			name:   "maxUnavailable neither integer nor percentage",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.RolloutStrategy.MaxUnavailable = ios("half") },
			want:   []wantErr{invalid("spec.rolloutStrategy.maxUnavailable")},
		},
		{name: "maxUnavailable above 100%, as Fleet accepts", mutate: func(b *v1alpha1.Bundle) { b.Spec.RolloutStrategy.MaxUnavailable = ios("150%") }},
		{
			name: "maxUnavailablePartitions and autoPartitionSize",
			mutate: func(b *v1alpha1.Bundle) {
				b.Spec.RolloutStrategy.MaxUnavailablePartitions = ios("-5%")
				b.Spec.RolloutStrategy.AutoPartitionSize = ios("25 %")
			},
			want: []wantErr{invalid("spec.rolloutStrategy.maxUnavailablePartitions"), invalid("spec.rolloutStrategy.autoPartitionSize")},
		},
		{
			name: "negative maxNew and autoPartitionThreshold",
			mutate: func(b *v1alpha1.Bundle) {
				b.Spec.RolloutStrategy.MaxNew = intPtr(-1)
				b.Spec.RolloutStrategy.AutoPartitionThreshold = intPtr(-1)
			},
			want: []wantErr{invalid("spec.rolloutStrategy.maxNew"), invalid("spec.rolloutStrategy.autoPartitionThreshold")},
		},
		{
			name: "partition maxUnavailable and selectors",
			mutate: func(b *v1alpha1.Bundle) {
				p := &b.Spec.RolloutStrategy.Partitions[0]
				p.MaxUnavailable = ios("x%")
				p.ClusterSelector = badSelector()
				p.ClusterGroupSelector = badSelector()
			},
			want: []wantErr{
				invalid("spec.rolloutStrategy.partitions[0].maxUnavailable"),
				invalid("spec.rolloutStrategy.partitions[0].clusterSelector.matchExpressions[0].operator"),
				invalid("spec.rolloutStrategy.partitions[0].clusterGroupSelector.matchExpressions[0].operator"),
			},
		},

		// resources[].encoding enum.
		{
			name:   "unknown resource encoding",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.Resources[1].Encoding = "gzip" },
			want:   []wantErr{notSupported("spec.resources[1].encoding")},
		},

		// Selectors of targets and restrictions.
		{
			name:   "target selector",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.Targets[1].ClusterGroupSelector = badSelector() },
			want:   []wantErr{invalid("spec.targets[1].clusterGroupSelector.matchExpressions[0].operator")},
		},
		{
			name:   "target restriction selector",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.TargetRestrictions[0].ClusterSelector = badSelector() },
			want:   []wantErr{invalid("spec.targetRestrictions[0].clusterSelector.matchExpressions[0].operator")},
		},
		{
			name:   "allowedTargetNamespaceSelector",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.AllowedTargetNamespaceSelector = badSelector() },
			want:   []wantErr{invalid("spec.allowedTargetNamespaceSelector.matchExpressions[0].operator")},
		},

		// dependsOn.
		{
			name:   "dependsOn without name or selector",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.DependsOn[0].Name = "" },
			want:   []wantErr{required("spec.dependsOn[0]")},
		},
		{
			name: "dependsOn with an unknown accepted state",
			mutate: func(b *v1alpha1.Bundle) {
				b.Spec.DependsOn[1].AcceptedStates = []v1alpha1.BundleState{"Ready", "Deployed"}
			},
			want: []wantErr{notSupported("spec.dependsOn[1].acceptedStates[1]")},
		},
		{
			name:   "dependsOn selector",
			mutate: func(b *v1alpha1.Bundle) { b.Spec.DependsOn[1].Selector = badSelector() },
			want:   []wantErr{invalid("spec.dependsOn[1].selector.matchExpressions[0].operator")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBundle()
			tt.mutate(b)
			assertErrors(t, validation.ValidateBundle(b), tt.want...)
		})
	}
}

func TestValidateBundleUpdate(t *testing.T) {
	oldObj := validBundle()
	oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)

	t.Run("spec change", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Spec.Paused = true
		assertErrors(t, validation.ValidateBundleUpdate(newObj, oldObj))
	})
	t.Run("namespace is immutable and spec is validated", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Namespace = "elsewhere"
		newObj.Spec.Resources[0].Encoding = "zip"
		assertErrors(t, validation.ValidateBundleUpdate(newObj, oldObj),
			invalid("metadata.namespace"), notSupported("spec.resources[0].encoding"))
	})
	t.Run("status conditions", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Ready", Status: "True"}, {Type: "Ready", Status: "True"}}
		assertErrors(t, validation.ValidateBundleStatusUpdate(newObj, oldObj), duplicate("status.conditions[1].type"))
	})
}
