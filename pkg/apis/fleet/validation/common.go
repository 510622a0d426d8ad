package validation

import (
	"regexp"
	"strconv"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var (
	metadataPath = field.NewPath("metadata")
	specPath     = field.NewPath("spec")
	statusPath   = field.NewPath("status")
)

// validateNamespacedMeta validates the metadata of a namespaced object on create.
func validateNamespacedMeta(meta *metav1.ObjectMeta) field.ErrorList {
	return apivalidation.ValidateObjectMeta(meta, true, apivalidation.NameIsDNSSubdomain, metadataPath)
}

// validateClusterMeta validates the metadata of a cluster-scoped object on create.
func validateClusterMeta(meta *metav1.ObjectMeta) field.ErrorList {
	return apivalidation.ValidateObjectMeta(meta, false, apivalidation.NameIsDNSSubdomain, metadataPath)
}

// validateMetaUpdate validates metadata changes: immutable name, namespace and UID, labels, ...
func validateMetaUpdate(newMeta, oldMeta *metav1.ObjectMeta) field.ErrorList {
	return apivalidation.ValidateObjectMetaUpdate(newMeta, oldMeta, metadataPath)
}

// validateLabelSelector validates an optional label selector; nil is valid.
func validateLabelSelector(sel *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	if sel == nil {
		return nil
	}
	return metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, fldPath)
}

// validateConditions requires type and status on every condition and rejects duplicate types: the
// list is a map keyed by type for server-side apply.
func validateConditions(conds []v1alpha1.GenericCondition, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := make(map[string]bool, len(conds))
	for i, c := range conds {
		p := fldPath.Index(i)
		switch {
		case c.Type == "":
			errs = append(errs, field.Required(p.Child("type"), ""))
		case seen[c.Type]:
			errs = append(errs, field.Duplicate(p.Child("type"), c.Type))
		default:
			seen[c.Type] = true
		}
		if c.Status == "" {
			errs = append(errs, field.Required(p.Child("status"), ""))
		}
	}
	return errs
}

// validateNonNegativeDuration rejects negative durations. Fleet's CRDs accept "0" or a positive Go
// duration; units such as "d" are already rejected when decoding.
func validateNonNegativeDuration(d *metav1.Duration, fldPath *field.Path) field.ErrorList {
	if d == nil || d.Duration >= 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, d.Duration.String(), "must not be negative")}
}

// validatePositiveDuration requires a duration greater than zero; zero is reported as missing,
// since an unset required duration decodes as zero.
func validatePositiveDuration(d metav1.Duration, fldPath *field.Path) field.ErrorList {
	switch {
	case d.Duration == 0:
		return field.ErrorList{field.Required(fldPath, "must be a duration greater than zero, e.g. \"1h\"")}
	case d.Duration < 0:
		return field.ErrorList{field.Invalid(fldPath, d.Duration.String(), "must be greater than zero")}
	}
	return nil
}

var percentRegexp = regexp.MustCompile(`^[0-9]+%$`)

// validateIntOrPercent accepts a non-negative integer or a non-negative percentage, as Fleet's CRD does
// (a percentage above 100% scales to more than the number of targets, which Fleet accepts).
func validateIntOrPercent(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return field.ErrorList{field.Invalid(fldPath, v.IntVal, "must not be negative")}
		}
		return nil
	}
	if !percentRegexp.MatchString(v.StrVal) {
		return field.ErrorList{field.Invalid(fldPath, v.StrVal, "must be an integer or a percentage, e.g. 5 or 25%")}
	}
	if _, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%")); err != nil {
		return field.ErrorList{field.Invalid(fldPath, v.StrVal, "percentage out of range")}
	}
	return nil
}

// validateNonNegativeInt rejects a negative optional integer.
func validateNonNegativeInt(v *int, fldPath *field.Path) field.ErrorList {
	if v == nil || *v >= 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, *v, "must not be negative")}
}

var releaseNameRegexp = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// validateReleaseName applies Fleet's CRD rules for helm.releaseName: at most 53 characters and the
// DNS-1123 subdomain pattern. Empty means "derive from the bundle name".
func validateReleaseName(name string, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return nil
	}
	var errs field.ErrorList
	if len(name) > v1alpha1.MaxHelmReleaseNameLen {
		errs = append(errs, field.TooLong(fldPath, name, v1alpha1.MaxHelmReleaseNameLen))
	}
	if !releaseNameRegexp.MatchString(name) {
		msg := utilvalidation.RegexError("a Helm release name must consist of lower case alphanumeric "+
			"characters, '-' or '.', and must start and end with an alphanumeric character",
			releaseNameRegexp.String(), "my-release", "web.v2")
		errs = append(errs, field.Invalid(fldPath, name, msg))
	}
	return errs
}

// targetSelectors validates the two selectors every kind of target has.
func targetSelectors(clusterSelector, clusterGroupSelector *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	errs := validateLabelSelector(clusterSelector, fldPath.Child("clusterSelector"))
	return append(errs, validateLabelSelector(clusterGroupSelector, fldPath.Child("clusterGroupSelector"))...)
}

// sortedStates returns the valid bundle states, worst first, for NotSupported messages.
func sortedStates() []string {
	states := make([]string, 0, len(v1alpha1.StateRank))
	for rank := len(v1alpha1.StateRank); rank > 0; rank-- {
		for s, r := range v1alpha1.StateRank {
			if r == rank {
				states = append(states, string(s))
			}
		}
	}
	return states
}
