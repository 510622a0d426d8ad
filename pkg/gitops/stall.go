package gitops

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/controller"
)

// A commit that cannot be synced without a change to it or to the GitRepo (an invalid fleet.yaml,
// a bundle over a byte budget, a checkout over its quota: what the commit's content determines,
// readError) is not cloned again until the commit, the generation (the spec, forceSyncGeneration
// included, which is the way to ask for another attempt) or the defaults that a
// GitRepoRestriction or Policy gives the spec change. The server remembers it in memory
// (Reconciler.failed) and in status, so that a restart — an out-of-memory kill, say — does not
// fetch it again either: the Stalled condition's message starts with the full commit id, the
// generation and, when a default applies, a digest of the defaults,
//
//	commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904, generation 3: <the Ready message>
//	commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904, generation 3, defaults 0a1b2c3d4e5f: <…>
//
// and sync compares them with what it is about to clone. The record stays while a reconcile does
// not get as far as sync (a failed ls-remote does not make the commit any less stalled); it goes
// when sync runs again (a new commit, generation or default) or another step stalls for a reason
// of its own. Stalled is Fleet's condition; no API field is added. Known gap: a sync killed before
// it fails (the budgets are there so that it does not run out of memory) leaves no record, and
// runs again after the restart.

// stalledCommit is a Stalling error of sync, for the commit, generation and defaults
// (appliedDefaults) it happened at.
type stalledCommit struct {
	commit     string
	generation int64
	defaults   string
	err        error
}

func (e *stalledCommit) Error() string { return e.err.Error() }
func (e *stalledCommit) Unwrap() error { return e.err }

// record is the Stalled message that recordedStall reads back.
func (e *stalledCommit) record() string {
	defaults := ""
	if e.defaults != "" {
		defaults = ", defaults " + e.defaults
	}
	return fmt.Sprintf("commit %s, generation %d%s: %s", e.commit, e.generation, defaults, e.err.Error())
}

// stallRecord matches the start of a record: a SHA-1 or SHA-256 commit id, the generation and
// the digest of the defaults, if any.
var stallRecord = regexp.MustCompile(`^commit ([0-9a-f]{40}|[0-9a-f]{64}), generation ([0-9]+)(?:, defaults ([0-9a-f]{12}))?: `)

// appliedDefaults identifies the defaults that restrict gave s (effective), "" when none applies:
// 12 hex digits of their SHA-256, so that the record does not spell out names.
func appliedDefaults(s *syncState) string {
	if !s.defaulted {
		return ""
	}
	sum := sha256.Sum256([]byte(effective(s)))
	return hex.EncodeToString(sum[:6])
}

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
	defaults := ""
	if m[6] >= 0 {
		defaults = c.Message[m[6]:m[7]]
	}
	msg := c.Message[m[1]:]
	return &stalledCommit{commit: c.Message[m[2]:m[3]], generation: gen, defaults: defaults, err: controller.NewStalling(c.Reason, errors.New(msg))}, true
}

// recordedStall returns the stall that status records for the commit sync is about to clone, at
// the GitRepo's generation and defaults.
func recordedStall(s *syncState) (*stalledCommit, bool) {
	sc, ok := parseStall(conditions.Find(s.Status.Conditions, v1alpha1.ConditionStalled))
	if !ok || sc.commit != s.target.commit || sc.generation != s.Generation || sc.defaults != appliedDefaults(s) {
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
		conditions.Set(conds, v1alpha1.ConditionStalled, corev1.ConditionTrue, reason, sc.record(), now)
	case controller.IsStalling(err):
		conditions.Set(conds, v1alpha1.ConditionStalled, corev1.ConditionTrue, reason, msg, now)
	case !s.syncRan:
		if _, ok := parseStall(conditions.Find(*conds, v1alpha1.ConditionStalled)); ok {
			return
		}
		fallthrough
	default:
		conditions.Set(conds, v1alpha1.ConditionStalled, corev1.ConditionFalse, "", "", now)
	}
}
