package validation_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func TestValidateClusterRegistrationToken(t *testing.T) {
	tests := []struct {
		name string
		ttl  *metav1.Duration
		want []wantErr
	}{
		{name: "unset ttl never expires", ttl: nil},
		{name: "zero ttl never expires", ttl: duration(0)},
		{name: "positive ttl", ttl: duration(12 * time.Hour)},
		{name: "negative ttl", ttl: duration(-time.Hour), want: []wantErr{invalid("spec.ttl")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := &v1alpha1.ClusterRegistrationToken{ObjectMeta: objectMeta("import"), Spec: v1alpha1.ClusterRegistrationTokenSpec{TTL: tt.ttl}}
			assertErrors(t, validation.ValidateClusterRegistrationToken(tok), tt.want...)

			oldObj := &v1alpha1.ClusterRegistrationToken{ObjectMeta: forUpdate(objectMeta("import"))}
			tok.ObjectMeta = oldObj.ObjectMeta
			assertErrors(t, validation.ValidateClusterRegistrationTokenUpdate(tok, oldObj), tt.want...)
		})
	}

	t.Run("status update", func(t *testing.T) {
		oldObj := &v1alpha1.ClusterRegistrationToken{ObjectMeta: forUpdate(objectMeta("import"))}
		newObj := oldObj.DeepCopy()
		newObj.Status.SecretName = "import"
		assertErrors(t, validation.ValidateClusterRegistrationTokenStatusUpdate(newObj, oldObj))
	})
}

func TestValidateClusterRegistration(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   []wantErr
	}{
		{name: "no labels"},
		{name: "valid labels", labels: map[string]string{"env": "prod", "fleet.cattle.io/created-by-agent-pod": "agent-0"}},
		{name: "invalid label key", labels: map[string]string{"bad key": "x"}, want: []wantErr{invalid("spec.clusterLabels")}},
		{name: "invalid label value", labels: map[string]string{"env": "-x"}, want: []wantErr{invalid("spec.clusterLabels")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &v1alpha1.ClusterRegistration{ObjectMeta: objectMeta("request-1"), Spec: v1alpha1.ClusterRegistrationSpec{
				ClientID: "f1c2", ClientRandom: "r4nd", ClusterLabels: tt.labels,
			}}
			assertErrors(t, validation.ValidateClusterRegistration(r), tt.want...)

			oldObj := &v1alpha1.ClusterRegistration{ObjectMeta: forUpdate(objectMeta("request-1"))}
			r.ObjectMeta = oldObj.ObjectMeta
			assertErrors(t, validation.ValidateClusterRegistrationUpdate(r, oldObj), tt.want...)
		})
	}

	t.Run("status update", func(t *testing.T) {
		oldObj := &v1alpha1.ClusterRegistration{ObjectMeta: forUpdate(objectMeta("request-1"))}
		newObj := oldObj.DeepCopy()
		newObj.Status = v1alpha1.ClusterRegistrationStatus{ClusterName: "cluster-1", Granted: true}
		assertErrors(t, validation.ValidateClusterRegistrationStatusUpdate(newObj, oldObj))
	})
}
