package gitops

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/controller"
)

// gitJobStatus values, kstatus words as in Fleet's status.gitJobStatus.
const (
	jobCurrent = "Current"
	jobFailed  = "Failed"
)

// summarize is the one place that sets a GitRepo's conditions, commit and display from the outcome
// of a reconcile; it writes status only when it changed (polling the same commit writes nothing).
func (r *Reconciler) summarize(ctx context.Context, s *syncState, _ controller.Result, err error) (serr error) {
	st := *s.Status.DeepCopy()
	recordWebhook(s, &st)
	defer func() { r.webhookHandled(s, err, serr) }()
	now := r.clock.Now()
	reason := controller.ReasonOf(err)
	msg := ""
	if err != nil {
		msg = err.Error()
	}

	if s.target.commit != "" && s.polled {
		if st.PollingCommit != s.target.commit {
			st.LastPollingTime = metav1.NewTime(now)
		}
		st.PollingCommit = s.target.commit
	}
	if s.synced {
		st.Commit, st.ObservedGeneration, st.UpdateGeneration = s.target.commit, s.Generation, s.Spec.ForceSyncGeneration
	}

	conds := &st.Conditions
	if notAccepted(reason) {
		conditions.Set(conds, v1alpha1.ConditionAccepted, corev1.ConditionFalse, reason, msg, now)
	} else {
		conditions.Set(conds, v1alpha1.ConditionAccepted, corev1.ConditionTrue, ReasonAccepted, "", now)
	}
	switch {
	case s.pollErr != nil:
		conditions.Set(conds, v1alpha1.ConditionGitPolling, corev1.ConditionFalse, gitReason(s.pollErr), s.pollErr.Error(), now)
	case s.Spec.DisablePolling:
		conditions.Set(conds, v1alpha1.ConditionGitPolling, corev1.ConditionFalse, ReasonPollingDisabled, "polling is disabled", now)
	case s.polled:
		conditions.Set(conds, v1alpha1.ConditionGitPolling, corev1.ConditionTrue, ReasonPolled, "", now)
	}
	setStalled(conds, s, err, reason, msg, now)
	if err == nil {
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionTrue, ReasonSynced, "", now)
		st.GitJobStatus = jobCurrent
		st.Display.State, st.Display.Message, st.Display.Error = "", "", false
	} else {
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionFalse, reason, msg, now)
		st.GitJobStatus = jobFailed
		st.Display.State, st.Display.Message, st.Display.Error = v1alpha1.StateGitUpdating, msg, true
	}

	if equality.Semantic.DeepEqual(st, s.Status) {
		return nil
	}
	gr := s.GitRepo.DeepCopy()
	gr.Status = st
	updated, uerr := r.client.FleetV1alpha1().GitRepos(gr.Namespace).UpdateStatus(ctx, gr, metav1.UpdateOptions{})
	if uerr != nil {
		return uerr
	}
	// Only once the status is written: a reconcile that ran on a stale cached copy (right after the
	// finalizer was added, say) fails its write with a conflict instead of recording the Warning twice.
	controller.WarnOnNewFailure(r.recorder, s.GitRepo, s.Status.Conditions, err, reason, msg)
	s.GitRepo = updated
	return nil
}
