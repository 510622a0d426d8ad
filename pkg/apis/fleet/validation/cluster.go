package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateCluster validates a new Cluster. Fleet's CRD puts no constraint on the spec.
func ValidateCluster(c *v1alpha1.Cluster) field.ErrorList {
	return validateNamespacedMeta(&c.ObjectMeta)
}

// ValidateClusterUpdate validates an update of a Cluster's metadata and spec.
func ValidateClusterUpdate(newObj, oldObj *v1alpha1.Cluster) field.ErrorList {
	return validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
}

// ValidateClusterStatusUpdate validates a write to a Cluster's status, made by the controllers and
// by the agent (status.agent).
func ValidateClusterStatusUpdate(newObj, oldObj *v1alpha1.Cluster) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
	return append(errs, validateNonNegativeDuration(newObj.Status.GarbageCollectionInterval, statusPath.Child("garbageCollectionInterval"))...)
}

// ValidateClusterGroup validates a new ClusterGroup.
func ValidateClusterGroup(g *v1alpha1.ClusterGroup) field.ErrorList {
	errs := validateNamespacedMeta(&g.ObjectMeta)
	return append(errs, validateLabelSelector(g.Spec.Selector, specPath.Child("selector"))...)
}

// ValidateClusterGroupUpdate validates an update of a ClusterGroup's metadata and spec.
func ValidateClusterGroupUpdate(newObj, oldObj *v1alpha1.ClusterGroup) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateLabelSelector(newObj.Spec.Selector, specPath.Child("selector"))...)
}

// ValidateClusterGroupStatusUpdate validates a write to a ClusterGroup's status.
func ValidateClusterGroupStatusUpdate(newObj, oldObj *v1alpha1.ClusterGroup) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}
