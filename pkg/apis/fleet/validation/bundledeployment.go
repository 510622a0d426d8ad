package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateBundleDeployment validates a new BundleDeployment.
func ValidateBundleDeployment(bd *v1alpha1.BundleDeployment) field.ErrorList {
	errs := validateNamespacedMeta(&bd.ObjectMeta)
	return append(errs, validateBundleDeploymentSpec(&bd.Spec)...)
}

// ValidateBundleDeploymentUpdate validates an update of a BundleDeployment's metadata and spec.
func ValidateBundleDeploymentUpdate(newObj, oldObj *v1alpha1.BundleDeployment) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateBundleDeploymentSpec(&newObj.Spec)...)
}

// ValidateBundleDeploymentStatusUpdate validates a write to a BundleDeployment's status, which the
// agents make.
func ValidateBundleDeploymentStatusUpdate(newObj, oldObj *v1alpha1.BundleDeployment) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}

func validateBundleDeploymentSpec(s *v1alpha1.BundleDeploymentSpec) field.ErrorList {
	errs := validateOptions(&s.Options, specPath.Child("options"))
	errs = append(errs, validateOptions(&s.StagedOptions, specPath.Child("stagedOptions"))...)
	return append(errs, validateDependsOn(s.DependsOn, specPath.Child("dependsOn"))...)
}
