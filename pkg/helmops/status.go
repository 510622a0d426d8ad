package helmops

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/controller"
)

// summarize is the one place that sets a HelmOp's conditions, version and display from the outcome
// of a reconcile; it writes status only when it changed (polling that resolves the same version
// writes nothing).
func (r *Reconciler) summarize(ctx context.Context, s *opState, _ controller.Result, err error) error {
	st := *s.Status.DeepCopy()
	now := r.clock.Now()
	reason := controller.ReasonOf(err)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if s.saved {
		if st.Version != s.version {
			st.LastPollingTime = metav1.NewTime(now)
		}
		st.Version = s.version
	}

	conds := &st.Conditions
	if reason == ReasonCredentialsUnavailable || reason == ReasonRestricted {
		conditions.Set(conds, v1alpha1.ConditionAccepted, corev1.ConditionFalse, reason, msg, now)
	} else {
		conditions.Set(conds, v1alpha1.ConditionAccepted, corev1.ConditionTrue, ReasonAccepted, "", now)
	}
	switch {
	case s.pollErr != nil:
		conditions.Set(conds, v1alpha1.ConditionPolled, corev1.ConditionFalse, repositoryReasonOrNoMatch(s.pollErr), s.pollErr.Error(), now)
	case s.polled && s.interval == 0:
		conditions.Set(conds, v1alpha1.ConditionPolled, corev1.ConditionFalse, ReasonPollingDisabled,
			"polling is disabled; the version is resolved when the HelmOp changes", now)
	case s.polled:
		conditions.Set(conds, v1alpha1.ConditionPolled, corev1.ConditionTrue, ReasonPolled, "", now)
	}
	if err == nil {
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionTrue, ReasonSynced, "", now)
		st.Display.Message, st.Display.Error = "", false
	} else {
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionFalse, reason, msg, now)
		st.Display.Message, st.Display.Error = msg, true
	}

	if equality.Semantic.DeepEqual(st, s.Status) {
		return nil
	}
	op := s.HelmOp.DeepCopy()
	op.Status = st
	updated, uerr := r.client.FleetV1alpha1().HelmOps(op.Namespace).UpdateStatus(ctx, op, metav1.UpdateOptions{})
	if uerr != nil {
		return uerr
	}
	// Only once the status is written: a reconcile that ran on a stale cached copy (right after the
	// finalizer was added, say) fails its write with a conflict instead of recording the Warning twice.
	controller.WarnOnNewFailure(r.recorder, s.HelmOp, s.Status.Conditions, err, reason, msg)
	s.HelmOp = updated
	return nil
}

// repositoryReasonOrNoMatch is the Polled reason of a failed look at the repository.
func repositoryReasonOrNoMatch(err error) string {
	if errors.Is(err, ErrNoVersionMatches) {
		return ReasonNoVersionMatches
	}
	return repositoryReason(err)
}
