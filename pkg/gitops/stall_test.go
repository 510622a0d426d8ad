package gitops

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/controller"
)

const stalledSHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

func stalledState(commit string, generation int64, conds []v1alpha1.GenericCondition) *syncState {
	gr := &v1alpha1.GitRepo{}
	gr.Generation = generation
	gr.Status.Conditions = conds
	return &syncState{GitRepo: gr, target: target{commit: commit}}
}

// TestStallRecordRoundTrips: what summarize writes for a stalled commit is read back for that
// commit and generation only, with its reason and message, so that the restarted server answers
// with the same error (and writes no status) instead of cloning.
func TestStallRecordRoundTrips(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := &stalledCommit{commit: stalledSHA, generation: 3, err: controller.NewStalling(ReasonBundleTooLarge, errors.New("commit 4b825dc642cb: app/big.bin: too large"))}
	var conds []v1alpha1.GenericCondition
	setStalled(&conds, &syncState{syncRan: true}, sc, ReasonBundleTooLarge, sc.Error(), now)
	c := conditions.Find(conds, v1alpha1.ConditionStalled)
	if c.Message != "commit "+stalledSHA+", generation 3: commit 4b825dc642cb: app/big.bin: too large" {
		t.Fatalf("Stalled message %q", c.Message)
	}
	got, ok := recordedStall(stalledState(stalledSHA, 3, conds))
	if !ok || got.Error() != sc.Error() || controller.ReasonOf(got) != ReasonBundleTooLarge || !controller.IsStalling(got) {
		t.Fatalf("read back %v (%v)", got, ok)
	}
	for name, s := range map[string]*syncState{
		"another commit":     stalledState("0000000000000000000000000000000000000001", 3, conds),
		"another generation": stalledState(stalledSHA, 4, conds),
	} {
		if _, ok := recordedStall(s); ok {
			t.Errorf("%s: the record applies only to its commit and generation", name)
		}
	}
	// A stall of another step (no commit in its message) is not a record.
	other := []v1alpha1.GenericCondition{{Type: v1alpha1.ConditionStalled, Status: corev1.ConditionTrue, Reason: ReasonRestricted, Message: "not allowed"}}
	if _, ok := recordedStall(stalledState(stalledSHA, 3, other)); ok {
		t.Error("a Restricted stall read as a stalled commit")
	}
}

// TestStallRecordOutlivesFailedPolls: a reconcile that fails before sync (an unreachable server)
// keeps the record; one that gets to sync, or stalls elsewhere, replaces it.
func TestStallRecordOutlivesFailedPolls(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	record := func() []v1alpha1.GenericCondition {
		return []v1alpha1.GenericCondition{{Type: v1alpha1.ConditionStalled, Status: corev1.ConditionTrue, Reason: ReasonBundleTooLarge,
			Message: "commit " + stalledSHA + ", generation 3: too large"}}
	}
	unreachable := controller.NewWaiting(ReasonRepositoryUnreachable, errors.New("down"), time.Second)
	tests := []struct {
		name       string
		syncRan    bool
		err        error
		wantStatus corev1.ConditionStatus
		wantReason string
	}{
		{name: "poll failed", err: unreachable, wantStatus: corev1.ConditionTrue, wantReason: ReasonBundleTooLarge},
		{name: "sync ran and succeeded", syncRan: true, wantStatus: corev1.ConditionFalse},
		{name: "sync ran and waits for a chart", syncRan: true, err: controller.NewWaiting(ReasonChartUnavailable, errors.New("503"), time.Second), wantStatus: corev1.ConditionFalse},
		{name: "restricted", err: controller.NewStalling(ReasonRestricted, errors.New("not allowed")), wantStatus: corev1.ConditionTrue, wantReason: ReasonRestricted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conds := record()
			msg := ""
			if tt.err != nil {
				msg = tt.err.Error()
			}
			setStalled(&conds, &syncState{syncRan: tt.syncRan}, tt.err, controller.ReasonOf(tt.err), msg, now)
			if c := conditions.Find(conds, v1alpha1.ConditionStalled); c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Fatalf("Stalled = %+v, want %s/%s", c, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

// TestStallFollowsTheDefaults: a stall recorded while a GitRepoRestriction or Policy gave the spec
// a default (service account, client secret) carries a digest of it, and holds, in memory and in
// status, only while the same defaults apply: changing or removing the default syncs the commit
// again, as docs/gitops.md says.
func TestStallFollowsTheDefaults(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	defaulted := func(sa string) *syncState {
		s := stalledState(stalledSHA, 3, nil)
		s.Spec.ServiceAccount, s.defaulted = sa, sa != ""
		return s
	}
	s := defaulted("deployer")
	sc := &stalledCommit{commit: stalledSHA, generation: 3, defaults: appliedDefaults(s), err: controller.NewStalling(ReasonInvalidBundle, errors.New("bad"))}
	var conds []v1alpha1.GenericCondition
	setStalled(&conds, &syncState{syncRan: true}, sc, ReasonInvalidBundle, sc.Error(), now)
	if msg := conditions.Find(conds, v1alpha1.ConditionStalled).Message; !strings.HasPrefix(msg, "commit "+stalledSHA+", generation 3, defaults "+sc.defaults+": ") || len(sc.defaults) != 12 {
		t.Fatalf("Stalled message %q", msg)
	}
	r := &Reconciler{failed: map[types.NamespacedName]failedSync{}}
	key := types.NamespacedName{Namespace: "ns", Name: "r"}
	r.rememberFailure(key, sc)
	for name, tt := range map[string]struct {
		s    *syncState
		want bool
	}{
		"the same default": {defaulted("deployer"), true},
		"another default":  {defaulted("other"), false},
		"no default":       {defaulted(""), false},
	} {
		tt.s.Status.Conditions = conds
		if _, ok := recordedStall(tt.s); ok != tt.want {
			t.Errorf("%s: status record applies = %t, want %t", name, ok, tt.want)
		}
		if _, ok := r.failedFor(key, tt.s); ok != tt.want {
			t.Errorf("%s: in-memory stall applies = %t, want %t", name, ok, tt.want)
		}
	}
}
