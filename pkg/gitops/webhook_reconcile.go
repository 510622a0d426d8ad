package gitops

import (
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
)

// How the reconciler handles a verified push (the handler is webhook.go):
//
//   - With polling, the push is a trigger: the next ls-remote only accepts refs fetched after the
//     push arrived (refsMaxAge), so the shared Fetcher's cached answer is bypassed once for the
//     repository — not once per GitRepo — and the commit deployed is what the repository says then.
//   - With spec.disablePolling, nothing is polled: the pushed ref is cloned (webhookTarget). The ref,
//     not the commit id, is cloned, so a replayed old notification cannot roll a GitRepo back; it
//     redeploys the ref's current commit, normally the pushed one.
//   - summarize records status.webhookCommit and lastWebhookTime (recordWebhook) and drops the push
//     once a reconcile ended in success or a stall and the status is written (webhookHandled); a
//     transient failure keeps it, so the retry still deploys it.

// webhookPush is a verified push notification waiting for a GitRepo's reconcile.
type webhookPush struct {
	ref    string
	commit string // "" when the ref was deleted
	at     time.Time
}

// webhookInbox holds the last verified push per GitRepo until a reconcile has handled it: the
// handler puts, the reconciler reads it in get, and summarize records it in status
// (webhookCommit, lastWebhookTime) and drops it once handled.
type webhookInbox struct {
	mu sync.Mutex
	m  map[types.NamespacedName]*webhookPush
}

func newWebhookInbox() *webhookInbox {
	return &webhookInbox{m: map[types.NamespacedName]*webhookPush{}}
}

func (in *webhookInbox) put(key types.NamespacedName, p *webhookPush) {
	in.mu.Lock()
	in.m[key] = p
	in.mu.Unlock()
}

// get returns the GitRepo's waiting push; a nil inbox (a Reconciler built without NewController)
// holds none.
func (in *webhookInbox) get(key types.NamespacedName) *webhookPush {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.m[key]
}

// done drops p if it is still the GitRepo's last push (a newer one waits for the next reconcile).
func (in *webhookInbox) done(key types.NamespacedName, p *webhookPush) {
	if in == nil {
		return
	}
	in.mu.Lock()
	if in.m[key] == p {
		delete(in.m, key)
	}
	in.mu.Unlock()
}

func (in *webhookInbox) forget(key types.NamespacedName) {
	if in == nil {
		return
	}
	in.mu.Lock()
	delete(in.m, key)
	in.mu.Unlock()
}

// webhookTarget is what a GitRepo with polling disabled deploys for its waiting push: the pushed
// ref, if it is still what the spec follows and was not deleted.
func webhookTarget(s *syncState) (target, bool) {
	w := s.webhook
	if w == nil || w.commit == "" {
		return target{}, false
	}
	if _, ok := updateFor(s.GitRepo, []refUpdate{{ref: w.ref, commit: w.commit}}); !ok {
		return target{}, false
	}
	return target{ref: w.ref, commit: w.commit}, true
}

// refsMaxAge is how old a cached ls-remote answer may be for s at now: half the polling interval,
// and not older than a waiting push.
func refsMaxAge(s *syncState, now time.Time) time.Duration {
	maxAge := s.interval / 2
	if s.webhook != nil {
		maxAge = min(maxAge, now.Sub(s.webhook.at))
	}
	return maxAge
}

// recordWebhook writes the waiting push into the status being summarized.
func recordWebhook(s *syncState, st *v1alpha1.GitRepoStatus) {
	if s.webhook == nil {
		return
	}
	if s.webhook.commit != "" {
		st.WebhookCommit = s.webhook.commit
	}
	// Status times are stored with second precision; a finer one would differ on every summarize.
	st.LastWebhookTime = metav1.NewTime(s.webhook.at).Rfc3339Copy()
}

// webhookHandled drops the waiting push once the reconcile that saw it succeeded or stalled and its
// status was written.
func (r *Reconciler) webhookHandled(s *syncState, err, statusErr error) {
	if s.webhook == nil || statusErr != nil || (err != nil && !controller.IsStalling(err)) {
		return
	}
	r.webhooks.done(types.NamespacedName{Namespace: s.Namespace, Name: s.Name}, s.webhook)
}
