// Package conditions sets and finds the conditions of Fleet objects: timestamps move only when
// something changed, so that a status rewritten with the same facts is byte for byte the same.
package conditions

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// Set sets condition typ in conds. Timestamps move only when something changed:
// lastTransitionTime when the status flips, lastUpdateTime when status, reason or message change.
// It reports whether conds changed.
func Set(conds *[]v1alpha1.GenericCondition, typ string, status corev1.ConditionStatus, reason, message string, now time.Time) bool {
	ts := now.UTC().Format(time.RFC3339)
	for i := range *conds {
		c := &(*conds)[i]
		if c.Type != typ {
			continue
		}
		if c.Status == status && c.Reason == reason && c.Message == message {
			return false
		}
		if c.Status != status {
			c.LastTransitionTime = ts
		}
		c.Status, c.Reason, c.Message, c.LastUpdateTime = status, reason, message, ts
		return true
	}
	*conds = append(*conds, v1alpha1.GenericCondition{
		Type: typ, Status: status, Reason: reason, Message: message, LastUpdateTime: ts, LastTransitionTime: ts,
	})
	return true
}

// Find returns condition typ of conds, or nil.
func Find(conds []v1alpha1.GenericCondition, typ string) *v1alpha1.GenericCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// BoolStatus returns True or False.
func BoolStatus(b bool) corev1.ConditionStatus {
	if b {
		return corev1.ConditionTrue
	}
	return corev1.ConditionFalse
}
