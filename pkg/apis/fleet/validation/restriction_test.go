package validation_test

import (
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func TestValidateGitRepoRestriction(t *testing.T) {
	r := &v1alpha1.GitRepoRestriction{
		ObjectMeta:             objectMeta("restriction"),
		AllowedServiceAccounts: []string{"deployer"},
		AllowedRepoPatterns:    []string{`^https://github\.com/acme/`},
	}
	t.Run("valid", func(t *testing.T) { assertErrors(t, validation.ValidateGitRepoRestriction(r)) })

	t.Run("top-level selector path", func(t *testing.T) {
		bad := r.DeepCopy()
		bad.AllowedTargetNamespaceSelector = badSelector()
		assertErrors(t, validation.ValidateGitRepoRestriction(bad), invalid("allowedTargetNamespaceSelector.matchExpressions[0].operator"))
	})
	t.Run("update", func(t *testing.T) {
		oldObj := r.DeepCopy()
		oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
		newObj := oldObj.DeepCopy()
		newObj.AllowedTargetNamespaceSelector = badSelector()
		newObj.Name = "renamed"
		assertErrors(t, validation.ValidateGitRepoRestrictionUpdate(newObj, oldObj),
			invalid("metadata.name"), invalid("allowedTargetNamespaceSelector.matchExpressions[0].operator"))
	})
}

func TestValidatePolicy(t *testing.T) {
	p := &v1alpha1.Policy{
		ObjectMeta:            objectMeta("tenant"),
		RequireServiceAccount: true,
		GitRepo:               &v1alpha1.GitRepoPolicySpec{DefaultServiceAccount: "tenant"},
	}
	t.Run("valid", func(t *testing.T) { assertErrors(t, validation.ValidatePolicy(p)) })
	t.Run("namespace required", func(t *testing.T) {
		bad := p.DeepCopy()
		bad.Namespace = ""
		assertErrors(t, validation.ValidatePolicy(bad), required("metadata.namespace"))
	})
	t.Run("update", func(t *testing.T) {
		oldObj := p.DeepCopy()
		oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
		newObj := oldObj.DeepCopy()
		newObj.AllowNamespaceCreation = true
		assertErrors(t, validation.ValidatePolicyUpdate(newObj, oldObj))
	})
}

func TestValidateBundleNamespaceMapping(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.BundleNamespaceMapping)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.BundleNamespaceMapping) {}},
		{name: "unset selectors match nothing", mutate: func(m *v1alpha1.BundleNamespaceMapping) { m.BundleSelector, m.NamespaceSelector = nil, nil }},
		{
			name: "both selectors invalid",
			mutate: func(m *v1alpha1.BundleNamespaceMapping) {
				m.BundleSelector, m.NamespaceSelector = badSelector(), badSelector()
			},
			want: []wantErr{
				invalid("bundleSelector.matchExpressions[0].operator"),
				invalid("namespaceSelector.matchExpressions[0].operator"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &v1alpha1.BundleNamespaceMapping{
				ObjectMeta: objectMeta("mapping"), BundleSelector: goodSelector(), NamespaceSelector: goodSelector(),
			}
			tt.mutate(m)
			assertErrors(t, validation.ValidateBundleNamespaceMapping(m), tt.want...)

			oldObj := &v1alpha1.BundleNamespaceMapping{ObjectMeta: forUpdate(objectMeta("mapping"))}
			m.ObjectMeta = oldObj.ObjectMeta
			assertErrors(t, validation.ValidateBundleNamespaceMappingUpdate(m, oldObj), tt.want...)
		})
	}
}
