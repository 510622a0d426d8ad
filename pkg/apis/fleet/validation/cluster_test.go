package validation_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
)

func TestValidateCluster(t *testing.T) {
	c := &v1alpha1.Cluster{ObjectMeta: objectMeta("downstream")}
	c.Labels = map[string]string{"env": "prod"}
	c.Spec.TemplateValues = &v1alpha1.GenericMap{Data: map[string]interface{}{"region": "eu"}}
	t.Run("valid", func(t *testing.T) { assertErrors(t, validation.ValidateCluster(c)) })

	bad := c.DeepCopy()
	bad.Labels = map[string]string{"env": "-prod"}
	t.Run("labels", func(t *testing.T) { assertErrors(t, validation.ValidateCluster(bad), invalid("metadata.labels")) })

	oldObj := c.DeepCopy()
	oldObj.ObjectMeta = forUpdate(oldObj.ObjectMeta)
	t.Run("update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Spec.Paused = true
		assertErrors(t, validation.ValidateClusterUpdate(newObj, oldObj))
	})
	t.Run("status update", func(t *testing.T) {
		newObj := oldObj.DeepCopy()
		newObj.Status.Agent = v1alpha1.AgentStatus{LastSeen: metav1.Now(), Namespace: "cattle-fleet-system"}
		newObj.Status.GarbageCollectionInterval = duration(-time.Minute)
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Status: "True"}}
		assertErrors(t, validation.ValidateClusterStatusUpdate(newObj, oldObj),
			invalid("status.garbageCollectionInterval"), required("status.conditions[0].type"))
	})
}

func TestValidateClusterGroup(t *testing.T) {
	tests := []struct {
		name     string
		selector *metav1.LabelSelector
		want     []wantErr
	}{
		{name: "unset selector selects nothing", selector: nil},
		{name: "empty selector selects all", selector: &metav1.LabelSelector{}},
		{name: "match labels", selector: goodSelector()},
		{name: "invalid operator", selector: badSelector(), want: []wantErr{invalid("spec.selector.matchExpressions[0].operator")}},
		{
			name:     "invalid label value",
			selector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "not valid"}},
			want:     []wantErr{invalid("spec.selector.matchLabels")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &v1alpha1.ClusterGroup{ObjectMeta: objectMeta("default"), Spec: v1alpha1.ClusterGroupSpec{Selector: tt.selector}}
			assertErrors(t, validation.ValidateClusterGroup(g), tt.want...)

			oldObj := &v1alpha1.ClusterGroup{ObjectMeta: forUpdate(objectMeta("default"))}
			g.ObjectMeta = oldObj.ObjectMeta
			assertErrors(t, validation.ValidateClusterGroupUpdate(g, oldObj), tt.want...)
		})
	}

	t.Run("status update", func(t *testing.T) {
		oldObj := &v1alpha1.ClusterGroup{ObjectMeta: forUpdate(objectMeta("default"))}
		newObj := oldObj.DeepCopy()
		newObj.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Processed", Status: "True"}, {Type: "Processed", Status: "True"}}
		assertErrors(t, validation.ValidateClusterGroupStatusUpdate(newObj, oldObj), duplicate("status.conditions[1].type"))
	})
}
