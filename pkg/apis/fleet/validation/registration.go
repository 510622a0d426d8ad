package validation

import (
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateClusterRegistration validates a new ClusterRegistration. Its clusterLabels become the
// labels of a Cluster, so they must be valid labels.
func ValidateClusterRegistration(r *v1alpha1.ClusterRegistration) field.ErrorList {
	errs := validateNamespacedMeta(&r.ObjectMeta)
	return append(errs, metav1validation.ValidateLabels(r.Spec.ClusterLabels, specPath.Child("clusterLabels"))...)
}

// ValidateClusterRegistrationUpdate validates an update of a ClusterRegistration's metadata and spec.
func ValidateClusterRegistrationUpdate(newObj, oldObj *v1alpha1.ClusterRegistration) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, metav1validation.ValidateLabels(newObj.Spec.ClusterLabels, specPath.Child("clusterLabels"))...)
}

// ValidateClusterRegistrationStatusUpdate validates a write to a ClusterRegistration's status.
func ValidateClusterRegistrationStatusUpdate(newObj, oldObj *v1alpha1.ClusterRegistration) field.ErrorList {
	return validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
}

// ValidateClusterRegistrationToken validates a new ClusterRegistrationToken.
func ValidateClusterRegistrationToken(t *v1alpha1.ClusterRegistrationToken) field.ErrorList {
	errs := validateNamespacedMeta(&t.ObjectMeta)
	return append(errs, validateNonNegativeDuration(t.Spec.TTL, specPath.Child("ttl"))...)
}

// ValidateClusterRegistrationTokenUpdate validates an update of a ClusterRegistrationToken's
// metadata and spec.
func ValidateClusterRegistrationTokenUpdate(newObj, oldObj *v1alpha1.ClusterRegistrationToken) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateNonNegativeDuration(newObj.Spec.TTL, specPath.Child("ttl"))...)
}

// ValidateClusterRegistrationTokenStatusUpdate validates a write to a ClusterRegistrationToken's
// status.
func ValidateClusterRegistrationTokenStatusUpdate(newObj, oldObj *v1alpha1.ClusterRegistrationToken) field.ErrorList {
	return validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
}
