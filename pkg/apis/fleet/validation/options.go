package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// validateOptions validates BundleDeploymentOptions found at fldPath (which, for the inline options of
// a BundleSpec or BundleTarget, is the spec or target itself).
func validateOptions(o *v1alpha1.BundleDeploymentOptions, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if o.Helm != nil {
		errs = append(errs, validateReleaseName(o.Helm.ReleaseName, fldPath.Child("helm", "releaseName"))...)
	}
	errs = append(errs, validateLabelSelector(o.AllowedTargetNamespaceSelector, fldPath.Child("allowedTargetNamespaceSelector"))...)
	return errs
}

// validateDependsOn validates dependsOn entries as fleet apply does: each names a bundle or selects
// bundles by label, and acceptedStates only holds bundle states.
func validateDependsOn(refs []v1alpha1.BundleRef, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ref := range refs {
		p := fldPath.Index(i)
		if ref.Name == "" && ref.Selector == nil {
			errs = append(errs, field.Required(p, "either name or selector is required"))
		}
		errs = append(errs, validateLabelSelector(ref.Selector, p.Child("selector"))...)
		for j, s := range ref.AcceptedStates {
			if _, ok := v1alpha1.StateRank[s]; !ok {
				errs = append(errs, field.NotSupported(p.Child("acceptedStates").Index(j), s, sortedStates()))
			}
		}
	}
	return errs
}
