package gitops

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
)

// A commit that cannot be synced without a change (an invalid fleet.yaml, a bundle over a byte
// budget, a checkout over its quota) is not cloned again until the commit, the generation (the
// spec, forceSyncGeneration included) or what a GitRepoRestriction or Policy makes of the spec
// changes. The server remembers it in memory (Reconciler.failed) and in status, so that a
// restart — an out-of-memory kill, say — does not fetch it again either: the Stalled condition's
// message starts with the full commit id and the generation,
//
//	commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904, generation 3: <the Ready message>
//
// and sync compares them with what it is about to clone. The record stays while a reconcile does
// not get as far as sync (a failed ls-remote does not make the commit any less stalled); it goes
// when sync runs again (a new commit or generation) or another step stalls for a reason of its
// own. Stalled is Fleet's condition; no API field is added. Known gap: a sync killed before it
// fails (the budgets are there so that it does not run out of memory) leaves no record, and runs
// again after the restart.

// stalledCommit is a Stalling error of sync, for the commit and generation it happened at.
type stalledCommit struct {
	commit     string
	generation int64
	err        error
}

func (e *stalledCommit) Error() string { return e.err.Error() }
func (e *stalledCommit) Unwrap() error { return e.err }

// record is the Stalled message that recordedStall reads back.
func (e *stalledCommit) record() string {
	return fmt.Sprintf("commit %s, generation %d: %s", e.commit, e.generation, e.err.Error())
}

// stallRecord matches the start of a record: a SHA-1 or SHA-256 commit id and the generation.
var stallRecord = regexp.MustCompile(`^commit ([0-9a-f]{40}|[0-9a-f]{64}), generation ([0-9]+): `)

// parseStall returns the stall recorded in a Stalled condition, if it holds one.
func parseStall(c *v1alpha1.GenericCondition) (*stalledCommit, bool) {
	if c == nil || c.Status != corev1.ConditionTrue {
		return nil, false
	}
	m := stallRecord.FindStringSubmatchIndex(c.Message)
	if m == nil {
		return nil, false
	}
	gen, err := strconv.ParseInt(c.Message[m[4]:m[5]], 10, 64)
	if err != nil {
		return nil, false
	}
	msg := c.Message[m[1]:]
	return &stalledCommit{commit: c.Message[m[2]:m[3]], generation: gen, err: controller.NewStalling(c.Reason, errors.New(msg))}, true
}

// recordedStall returns the stall that status records for the commit sync is about to clone, at
// the GitRepo's generation.
func recordedStall(s *syncState) (*stalledCommit, bool) {
	sc, ok := parseStall(controller.FindCondition(s.Status.Conditions, v1alpha1.ConditionStalled))
	if !ok || sc.commit != s.target.commit || sc.generation != s.Generation {
		return nil, false
	}
	return sc, true
}

// setStalled sets the Stalled condition from the outcome of a reconcile: the record of a stalled
// commit, the reason of another stall, or False — except that a record is kept while the
// reconcile did not get to sync.
func setStalled(conds *[]v1alpha1.GenericCondition, s *syncState, err error, reason, msg string, now time.Time) {
	var sc *stalledCommit
	switch {
	case errors.As(err, &sc):
		controller.SetCondition(conds, v1alpha1.ConditionStalled, corev1.ConditionTrue, reason, sc.record(), now)
	case controller.IsStalling(err):
		controller.SetCondition(conds, v1alpha1.ConditionStalled, corev1.ConditionTrue, reason, msg, now)
	case !s.syncRan:
		if _, ok := parseStall(controller.FindCondition(*conds, v1alpha1.ConditionStalled)); ok {
			return
		}
		fallthrough
	default:
		controller.SetCondition(conds, v1alpha1.ConditionStalled, corev1.ConditionFalse, "", "", now)
	}
}
