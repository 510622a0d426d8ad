package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateImageScan validates a new ImageScan.
func ValidateImageScan(s *v1alpha1.ImageScan) field.ErrorList {
	errs := validateNamespacedMeta(&s.ObjectMeta)
	return append(errs, validateImageScanSpec(&s.Spec)...)
}

// ValidateImageScanUpdate validates an update of an ImageScan's metadata and spec.
func ValidateImageScanUpdate(newObj, oldObj *v1alpha1.ImageScan) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateImageScanSpec(&newObj.Spec)...)
}

// ValidateImageScanStatusUpdate validates a write to an ImageScan's status.
func ValidateImageScanStatusUpdate(newObj, oldObj *v1alpha1.ImageScan) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}

func validateImageScanSpec(s *v1alpha1.ImageScanSpec) field.ErrorList {
	var errs field.ErrorList
	if s.Image == "" {
		errs = append(errs, field.Required(specPath.Child("image"), "the image repository to scan"))
	}
	return append(errs, validatePositiveDuration(s.Interval, specPath.Child("interval"))...)
}
