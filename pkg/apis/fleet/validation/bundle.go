package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var (
	supportedEncodings = []string{v1alpha1.ContentEncodingNone, v1alpha1.ContentEncodingBase64Gzip}
	supportedModes     = []v1alpha1.TargetCustomizationMode{
		v1alpha1.TargetCustomizationFirstMatch, v1alpha1.TargetCustomizationAllMatches,
	}
)

// ValidateBundle validates a new Bundle.
func ValidateBundle(b *v1alpha1.Bundle) field.ErrorList {
	errs := validateNamespacedMeta(&b.ObjectMeta)
	return append(errs, validateBundleSpec(&b.Spec, specPath)...)
}

// ValidateBundleUpdate validates an update of a Bundle's metadata and spec.
func ValidateBundleUpdate(newObj, oldObj *v1alpha1.Bundle) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateBundleSpec(&newObj.Spec, specPath)...)
}

// ValidateBundleStatusUpdate validates a write to a Bundle's status.
func ValidateBundleStatusUpdate(newObj, oldObj *v1alpha1.Bundle) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}

// validateBundleSpec validates a BundleSpec; HelmOp inlines it, so it is shared.
func validateBundleSpec(s *v1alpha1.BundleSpec, fldPath *field.Path) field.ErrorList {
	errs := validateOptions(&s.BundleDeploymentOptions, fldPath)
	errs = append(errs, validateRollout(s.RolloutStrategy, fldPath.Child("rolloutStrategy"))...)
	for i, r := range s.Resources {
		if r.Encoding != v1alpha1.ContentEncodingNone && r.Encoding != v1alpha1.ContentEncodingBase64Gzip {
			errs = append(errs, field.NotSupported(fldPath.Child("resources").Index(i).Child("encoding"), r.Encoding, supportedEncodings))
		}
	}
	for i := range s.Targets {
		t := &s.Targets[i]
		p := fldPath.Child("targets").Index(i)
		errs = append(errs, validateOptions(&t.BundleDeploymentOptions, p)...)
		errs = append(errs, targetSelectors(t.ClusterSelector, t.ClusterGroupSelector, p)...)
	}
	for i, r := range s.TargetRestrictions {
		errs = append(errs, targetSelectors(r.ClusterSelector, r.ClusterGroupSelector, fldPath.Child("targetRestrictions").Index(i))...)
	}
	errs = append(errs, validateDependsOn(s.DependsOn, fldPath.Child("dependsOn"))...)
	switch s.TargetCustomizationMode {
	case "", v1alpha1.TargetCustomizationFirstMatch, v1alpha1.TargetCustomizationAllMatches:
	default:
		errs = append(errs, field.NotSupported(fldPath.Child("targetCustomizationMode"), s.TargetCustomizationMode, supportedModes))
	}
	return errs
}

// validateRollout validates int-or-percent limits, counts and partition selectors.
func validateRollout(r *v1alpha1.RolloutStrategy, fldPath *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	errs := validateIntOrPercent(r.MaxUnavailable, fldPath.Child("maxUnavailable"))
	errs = append(errs, validateIntOrPercent(r.MaxUnavailablePartitions, fldPath.Child("maxUnavailablePartitions"))...)
	errs = append(errs, validateIntOrPercent(r.AutoPartitionSize, fldPath.Child("autoPartitionSize"))...)
	errs = append(errs, validateNonNegativeInt(r.AutoPartitionThreshold, fldPath.Child("autoPartitionThreshold"))...)
	errs = append(errs, validateNonNegativeInt(r.MaxNew, fldPath.Child("maxNew"))...)
	for i := range r.Partitions {
		part := &r.Partitions[i]
		p := fldPath.Child("partitions").Index(i)
		errs = append(errs, validateIntOrPercent(part.MaxUnavailable, p.Child("maxUnavailable"))...)
		errs = append(errs, targetSelectors(part.ClusterSelector, part.ClusterGroupSelector, p)...)
	}
	return errs
}
