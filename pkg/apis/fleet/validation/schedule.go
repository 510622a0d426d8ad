package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// ValidateSchedule validates a new Schedule.
func ValidateSchedule(s *v1alpha1.Schedule) field.ErrorList {
	errs := validateNamespacedMeta(&s.ObjectMeta)
	return append(errs, validateScheduleSpec(&s.Spec)...)
}

// ValidateScheduleUpdate validates an update of a Schedule's metadata and spec.
func ValidateScheduleUpdate(newObj, oldObj *v1alpha1.Schedule) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateScheduleSpec(&newObj.Spec)...)
}

// ValidateScheduleStatusUpdate validates a write to a Schedule's status.
func ValidateScheduleStatusUpdate(newObj, oldObj *v1alpha1.Schedule) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateConditions(newObj.Status.Conditions, statusPath.Child("conditions"))...)
}

// validateScheduleSpec requires the cron expression and a positive duration. The cron syntax itself
// is checked by the schedule controller, as in Fleet.
func validateScheduleSpec(s *v1alpha1.ScheduleSpec) field.ErrorList {
	var errs field.ErrorList
	if s.Schedule == "" {
		errs = append(errs, field.Required(specPath.Child("schedule"), "a cron expression with seconds, e.g. \"0 0 22 * * *\""))
	}
	errs = append(errs, validatePositiveDuration(s.Duration, specPath.Child("duration"))...)
	for i, t := range s.Targets.Clusters {
		errs = append(errs, targetSelectors(t.ClusterSelector, t.ClusterGroupSelector, specPath.Child("targets", "clusters").Index(i))...)
	}
	return errs
}
