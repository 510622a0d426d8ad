package validation_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func validSchedule() *v1alpha1.Schedule {
	return &v1alpha1.Schedule{
		ObjectMeta: objectMeta("nightly"),
		Spec: v1alpha1.ScheduleSpec{
			Schedule: "0 0 22 * * *",
			Duration: metav1.Duration{Duration: 2 * time.Hour},
			Location: "Europe/Berlin",
			Targets:  v1alpha1.ScheduleTargets{Clusters: []v1alpha1.ScheduleTarget{{ClusterSelector: goodSelector()}}},
		},
	}
}

func TestValidateSchedule(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.Schedule)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.Schedule) {}},
		{name: "cron is required", mutate: func(s *v1alpha1.Schedule) { s.Spec.Schedule = "" }, want: []wantErr{required("spec.schedule")}},
		{name: "duration is required", mutate: func(s *v1alpha1.Schedule) { s.Spec.Duration = metav1.Duration{} }, want: []wantErr{required("spec.duration")}},
		{
			name:   "negative duration",
			mutate: func(s *v1alpha1.Schedule) { s.Spec.Duration = metav1.Duration{Duration: -time.Hour} },
			want:   []wantErr{invalid("spec.duration")},
		},
		{
			name:   "target selector",
			mutate: func(s *v1alpha1.Schedule) { s.Spec.Targets.Clusters[0].ClusterGroupSelector = badSelector() },
			want:   []wantErr{invalid("spec.targets.clusters[0].clusterGroupSelector.matchExpressions[0].operator")},
		},
		{
			name:   "errors accumulate",
			mutate: func(s *v1alpha1.Schedule) { s.Spec = v1alpha1.ScheduleSpec{} },
			want:   []wantErr{required("spec.schedule"), required("spec.duration")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSchedule()
			tt.mutate(s)
			assertErrors(t, validation.ValidateSchedule(s), tt.want...)
		})
	}

	oldObj := validSchedule()
	oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
	t.Run("update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Spec.Schedule = ""
		assertErrors(t, validation.ValidateScheduleUpdate(newObj, oldObj), required("spec.schedule"))
	})
	t.Run("status update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Status.Active = true
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Ready"}}
		assertErrors(t, validation.ValidateScheduleStatusUpdate(newObj, oldObj), required("status.conditions[0].status"))
	})
}
