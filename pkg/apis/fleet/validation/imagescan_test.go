package validation_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func validImageScan() *v1alpha1.ImageScan {
	return &v1alpha1.ImageScan{
		ObjectMeta: objectMeta("nginx"),
		Spec: v1alpha1.ImageScanSpec{
			TagName:  "nginx",
			Image:    "docker.io/library/nginx",
			Interval: metav1.Duration{Duration: 5 * time.Minute},
			Policy:   v1alpha1.ImagePolicyChoice{SemVer: &v1alpha1.SemVerPolicy{Range: "*"}},
		},
	}
}

func TestValidateImageScan(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1alpha1.ImageScan)
		want   []wantErr
	}{
		{name: "valid", mutate: func(*v1alpha1.ImageScan) {}},
		{name: "image is required", mutate: func(s *v1alpha1.ImageScan) { s.Spec.Image = "" }, want: []wantErr{required("spec.image")}},
		{name: "interval is required", mutate: func(s *v1alpha1.ImageScan) { s.Spec.Interval = metav1.Duration{} }, want: []wantErr{required("spec.interval")}},
		{
			name:   "negative interval",
			mutate: func(s *v1alpha1.ImageScan) { s.Spec.Interval = metav1.Duration{Duration: -time.Minute} },
			want:   []wantErr{invalid("spec.interval")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validImageScan()
			tt.mutate(s)
			assertErrors(t, validation.ValidateImageScan(s), tt.want...)
		})
	}

	oldObj := validImageScan()
	oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
	t.Run("update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Spec.Image = ""
		assertErrors(t, validation.ValidateImageScanUpdate(newObj, oldObj), required("spec.image"))
	})
	t.Run("status update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Status.LatestTag = "1.27.0"
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Type: "ImageScanned", Status: "True"}}
		assertErrors(t, validation.ValidateImageScanStatusUpdate(newObj, oldObj))
	})
}
