package validation

import (
	"net/url"
	"strings"

	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateHelmOp validates a new HelmOp.
func ValidateHelmOp(h *v1alpha1.HelmOp) field.ErrorList {
	errs := validateNamespacedMeta(&h.ObjectMeta)
	return append(errs, validateHelmOpSpec(&h.Spec)...)
}

// ValidateHelmOpUpdate validates an update of a HelmOp's metadata and spec.
func ValidateHelmOpUpdate(newObj, oldObj *v1alpha1.HelmOp) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateHelmOpSpec(&newObj.Spec)...)
}

// ValidateHelmOpStatusUpdate validates a write to a HelmOp's status.
func ValidateHelmOpStatusUpdate(newObj, oldObj *v1alpha1.HelmOp) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}

func validateHelmOpSpec(s *v1alpha1.HelmOpSpec) field.ErrorList {
	errs := validateBundleSpec(&s.BundleSpec, specPath)
	errs = append(errs, validateChartReference(s.Helm, specPath.Child("helm"))...)
	// The labels are copied onto the produced Bundle, so they must be valid object labels.
	errs = append(errs, metav1validation.ValidateLabels(s.Labels, specPath.Child("labels"))...)
	return append(errs, validateNonNegativeDuration(s.PollingInterval, specPath.Child("pollingInterval"))...)
}

// validateChartReference enforces the three ways a HelmOp can reference a chart: an absolute URL
// to a .tgz archive in chart (repo and version empty); a chart name in the repository repo; or an
// oci:// reference in repo (chart empty, version is the tag).
func validateChartReference(h *v1alpha1.HelmOptions, fldPath *field.Path) field.ErrorList {
	if h == nil {
		return field.ErrorList{field.Required(fldPath, "a HelmOp must reference a chart")}
	}
	var errs field.ErrorList
	oci := strings.HasPrefix(h.Repo, "oci://")
	switch {
	case isChartArchiveURL(h.Chart):
		const why = "must be empty when chart is an absolute URL to a .tgz archive"
		if h.Repo != "" {
			errs = append(errs, field.Forbidden(fldPath.Child("repo"), why))
		}
		if h.Version != "" {
			errs = append(errs, field.Forbidden(fldPath.Child("version"), why))
		}
	case oci && h.Chart != "":
		errs = append(errs, field.Forbidden(fldPath.Child("chart"),
			"must be empty when repo is an oci:// reference: the reference names the chart and version is its tag"))
	case h.Chart == "" && !oci:
		errs = append(errs, field.Required(fldPath.Child("chart"),
			"set a chart name in repo, an absolute URL to a .tgz archive, or an oci:// reference in repo"))
	}
	return errs
}

// isChartArchiveURL reports whether chart is an absolute http(s) URL to a .tgz archive.
func isChartArchiveURL(chart string) bool {
	u, err := url.Parse(chart)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.HasSuffix(strings.ToLower(u.Path), ".tgz")
}
