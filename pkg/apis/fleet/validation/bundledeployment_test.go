package validation_test

import (
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func validBundleDeployment() *v1alpha1.BundleDeployment {
	opts := v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{ReleaseName: "simple"}}
	return &v1alpha1.BundleDeployment{
		ObjectMeta: metav1ObjectMeta("examples-simple", "cluster-fleet-default-c1-0123456789ab"),
		Spec: v1alpha1.BundleDeploymentSpec{
			StagedOptions:      opts,
			StagedDeploymentID: "s-abc:123",
			Options:            opts,
			DeploymentID:       "s-abc:123",
			DependsOn:          []v1alpha1.BundleRef{{Name: "crds"}},
		},
	}
}

func TestValidateBundleDeployment(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.BundleDeployment)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.BundleDeployment) {}},
		{
			name:   "options release name",
			mutate: func(bd *v1alpha1.BundleDeployment) { bd.Spec.Options.Helm = &v1alpha1.HelmOptions{ReleaseName: "-x"} },
			want:   []wantErr{invalid("spec.options.helm.releaseName")},
		},
		{
			name: "staged options",
			mutate: func(bd *v1alpha1.BundleDeployment) {
				bd.Spec.StagedOptions.AllowedTargetNamespaceSelector = badSelector()
			},
			want: []wantErr{invalid("spec.stagedOptions.allowedTargetNamespaceSelector.matchExpressions[0].operator")},
		},
		{
			name:   "dependsOn",
			mutate: func(bd *v1alpha1.BundleDeployment) { bd.Spec.DependsOn[0] = v1alpha1.BundleRef{} },
			want:   []wantErr{required("spec.dependsOn[0]")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bd := validBundleDeployment()
			tt.mutate(bd)
			assertErrors(t, validation.ValidateBundleDeployment(bd), tt.want...)
		})
	}
}

func TestValidateBundleDeploymentStatusUpdate(t *testing.T) {
	oldObj := validBundleDeployment()
	oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)

	t.Run("agent status", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Status = v1alpha1.BundleDeploymentStatus{
			AppliedDeploymentID: "s-abc:123", Ready: true, NonModified: true,
			Conditions: []v1alpha1.GenericCondition{
				{Type: "Deployed", Status: "True"}, {Type: "Ready", Status: "True"}, {Type: "Monitored", Status: "True"},
			},
		}
		assertErrors(t, validation.ValidateBundleDeploymentStatusUpdate(newObj, oldObj))
	})
	t.Run("conditions and immutable uid", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.UID = "changed"
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Deployed", Status: "False"}, {Type: "Deployed", Status: "True"}}
		assertErrors(t, validation.ValidateBundleDeploymentStatusUpdate(newObj, oldObj),
			invalid("metadata.uid"), duplicate("status.conditions[1].type"))
	})
	t.Run("spec update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Spec.DeploymentID = "s-def:456"
		assertErrors(t, validation.ValidateBundleDeploymentUpdate(newObj, oldObj))
	})
}
