package validation

import (
	"regexp"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var sha256Regexp = regexp.MustCompile(`^[a-f0-9]{64}$`)

// ValidateContent validates a new Content. The checksum's format is checked, not its value: that
// would mean decompressing the content on every write.
func ValidateContent(c *v1alpha1.Content) field.ErrorList {
	errs := validateClusterMeta(&c.ObjectMeta)
	return append(errs, validateSHA256Sum(c.SHA256Sum)...)
}

// ValidateContentUpdate validates an update of a Content. Contents are content-addressed and never
// rewritten, so content and sha256sum are immutable; only metadata (finalizers, labels) changes.
func ValidateContentUpdate(newObj, oldObj *v1alpha1.Content) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, validateSHA256Sum(newObj.SHA256Sum)...)
	errs = append(errs, apivalidation.ValidateImmutableField(newObj.Content, oldObj.Content, field.NewPath("content"))...)
	return append(errs, apivalidation.ValidateImmutableField(newObj.SHA256Sum, oldObj.SHA256Sum, field.NewPath("sha256sum"))...)
}

// ValidateContentStatusUpdate validates a write to a Content's status.
func ValidateContentStatusUpdate(newObj, oldObj *v1alpha1.Content) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	if newObj.Status.ReferenceCount < 0 {
		errs = append(errs, field.Invalid(statusPath.Child("referenceCount"), newObj.Status.ReferenceCount, "must not be negative"))
	}
	return errs
}

func validateSHA256Sum(sum string) field.ErrorList {
	if sum == "" || sha256Regexp.MatchString(sum) {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("sha256sum"), sum, "must be 64 lower-case hexadecimal characters (a SHA-256)")}
}
