package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// The spec-less kinds: their fields are top-level, so their paths have no "spec." prefix. None of
// them has a status.

// ValidateGitRepoRestriction validates a new GitRepoRestriction.
func ValidateGitRepoRestriction(r *v1alpha1.GitRepoRestriction) field.ErrorList {
	errs := validateNamespacedMeta(&r.ObjectMeta)
	return append(errs, validateGitRepoRestrictionFields(r)...)
}

// ValidateGitRepoRestrictionUpdate validates an update of a GitRepoRestriction.
func ValidateGitRepoRestrictionUpdate(newObj, oldObj *v1alpha1.GitRepoRestriction) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateGitRepoRestrictionFields(newObj)...)
}

func validateGitRepoRestrictionFields(r *v1alpha1.GitRepoRestriction) field.ErrorList {
	return validateLabelSelector(r.AllowedTargetNamespaceSelector, field.NewPath("allowedTargetNamespaceSelector"))
}

// ValidatePolicy validates a new Policy. Fleet's CRD puts no constraint on its fields.
func ValidatePolicy(p *v1alpha1.Policy) field.ErrorList {
	return validateNamespacedMeta(&p.ObjectMeta)
}

// ValidatePolicyUpdate validates an update of a Policy.
func ValidatePolicyUpdate(newObj, oldObj *v1alpha1.Policy) field.ErrorList {
	return validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
}

// ValidateBundleNamespaceMapping validates a new BundleNamespaceMapping. Unset selectors are valid
// (they match nothing).
func ValidateBundleNamespaceMapping(m *v1alpha1.BundleNamespaceMapping) field.ErrorList {
	errs := validateNamespacedMeta(&m.ObjectMeta)
	return append(errs, validateMappingSelectors(m)...)
}

// ValidateBundleNamespaceMappingUpdate validates an update of a BundleNamespaceMapping.
func ValidateBundleNamespaceMappingUpdate(newObj, oldObj *v1alpha1.BundleNamespaceMapping) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateMappingSelectors(newObj)...)
}

func validateMappingSelectors(m *v1alpha1.BundleNamespaceMapping) field.ErrorList {
	errs := validateLabelSelector(m.BundleSelector, field.NewPath("bundleSelector"))
	return append(errs, validateLabelSelector(m.NamespaceSelector, field.NewPath("namespaceSelector"))...)
}
