package conditions

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestSetConditionMovesTimestampsOnlyOnChange(t *testing.T) {
	var conds []v1alpha1.GenericCondition
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !Set(&conds, "Ready", corev1.ConditionFalse, "Bad", "m", t0) {
		t.Fatal("a new condition is a change")
	}
	if Set(&conds, "Ready", corev1.ConditionFalse, "Bad", "m", t0.Add(time.Minute)) {
		t.Fatal("the same condition is no change")
	}
	Set(&conds, "Ready", corev1.ConditionFalse, "Bad", "m2", t0.Add(2*time.Minute))
	c := Find(conds, "Ready")
	if c.LastTransitionTime != "2026-01-01T00:00:00Z" || c.LastUpdateTime != "2026-01-01T00:02:00Z" {
		t.Fatalf("a message change updates lastUpdateTime only: %+v", c)
	}
	Set(&conds, "Ready", corev1.ConditionTrue, "Ok", "", t0.Add(3*time.Minute))
	if c := Find(conds, "Ready"); c.LastTransitionTime != "2026-01-01T00:03:00Z" || len(conds) != 1 {
		t.Fatalf("a status flip moves lastTransitionTime: %+v", conds)
	}
}
