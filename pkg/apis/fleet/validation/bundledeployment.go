package validation

import (
	"time"

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

// Bounds of what an agent reports in a BundleDeployment's status. Fleet's agents cap the two
// resource lists at 10 entries and set incompleteState; the other bounds keep one status write
// small whatever an agent sends.
const (
	maxStatusResourceList = 10
	maxStatusResources    = 1000
	maxStatusConditions   = 20
	maxStatusString       = 4096
)

// ValidateBundleDeploymentStatusUpdate validates a write to a BundleDeployment's status, which the
// agents make: conditions, the sizes of its lists, its times and its strings.
func ValidateBundleDeploymentStatusUpdate(newObj, oldObj *v1alpha1.BundleDeployment) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	st := &newObj.Status
	errs = append(errs, validateConditions(st.Conditions, statusPath.Child("conditions"))...)
	if n := len(st.Conditions); n > maxStatusConditions {
		errs = append(errs, field.TooMany(statusPath.Child("conditions"), n, maxStatusConditions))
	}
	for i, c := range st.Conditions {
		p := statusPath.Child("conditions").Index(i)
		errs = append(errs, validateTime(c.LastUpdateTime, p.Child("lastUpdateTime"))...)
		errs = append(errs, validateTime(c.LastTransitionTime, p.Child("lastTransitionTime"))...)
		errs = append(errs, validateLength(c.Message, p.Child("message"))...)
	}
	if n := len(st.NonReadyStatus); n > maxStatusResourceList {
		errs = append(errs, field.TooMany(statusPath.Child("nonReadyStatus"), n, maxStatusResourceList))
	}
	if n := len(st.ModifiedStatus); n > maxStatusResourceList {
		errs = append(errs, field.TooMany(statusPath.Child("modifiedStatus"), n, maxStatusResourceList))
	}
	if n := len(st.Resources); n > maxStatusResources {
		errs = append(errs, field.TooMany(statusPath.Child("resources"), n, maxStatusResources))
	}
	for i, m := range st.ModifiedStatus {
		errs = append(errs, validateLength(m.Patch, statusPath.Child("modifiedStatus").Index(i).Child("patch"))...)
	}
	errs = append(errs, validateLength(st.Release, statusPath.Child("release"))...)
	errs = append(errs, validateLength(st.AppliedDeploymentID, statusPath.Child("appliedDeploymentID"))...)
	return errs
}

// validateTime accepts "" or an RFC 3339 time.
func validateTime(v string, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return field.ErrorList{field.Invalid(fldPath, v, "must be an RFC 3339 time")}
	}
	return nil
}

func validateLength(v string, fldPath *field.Path) field.ErrorList {
	if len(v) > maxStatusString {
		return field.ErrorList{field.TooLong(fldPath, "", maxStatusString)}
	}
	return nil
}

func validateBundleDeploymentSpec(s *v1alpha1.BundleDeploymentSpec) field.ErrorList {
	errs := validateOptions(&s.Options, specPath.Child("options"))
	errs = append(errs, validateOptions(&s.StagedOptions, specPath.Child("stagedOptions"))...)
	return append(errs, validateDependsOn(s.DependsOn, specPath.Child("dependsOn"))...)
}
