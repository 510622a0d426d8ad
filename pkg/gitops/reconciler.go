package gitops

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
)

// DefaultPollingInterval is the polling interval of a GitRepo without spec.pollingInterval.
const DefaultPollingInterval = 15 * time.Second

// pollingJitter is the fraction of the interval added at random to each poll, so GitRepos created
// together do not poll together.
const pollingJitter = 0.1

// Reconciler turns a GitRepo's commits into Bundles.
type Reconciler struct {
	client   versioned.Interface
	lister   listers.GitRepoLister
	fetchers *Fetchers
	recorder controller.EventRecorder
	secrets  controller.SecretGetter
	writer   bundleWriter
	clock    clock.Clock
	tmpDir   string

	// restrictions and policies gate GitRepos of their namespace (restrict.go); applied is what
	// they made of each GitRepo's spec at its last sync (guarded by mu).
	restrictions listers.GitRepoRestrictionLister
	policies     listers.PolicyLister
	applied      map[types.NamespacedName]string

	// webhooks holds verified push notifications until a reconcile handles them (webhook.go).
	webhooks *webhookInbox

	mu sync.Mutex
	// failed remembers the last stalled sync per GitRepo, so a bad commit is not cloned again on
	// every poll; it is retried when the commit, the spec or the defaults given to it change.
	failed map[types.NamespacedName]failedSync
	// chartFailures counts the consecutive syncs of a commit that failed because a chart could not
	// be downloaded: they are retried with exponential backoff from the polling interval, so a
	// refused password is not tried against a chart repository every 15 s.
	chartFailures map[types.NamespacedName]failedSync
}

type failedSync struct {
	commit     string
	generation int64
	// defaults identifies what GitRepoRestrictions and Policies filled in (appliedDefaults; failed
	// only): a change clears the failure.
	defaults string
	err      error
	// attempts counts consecutive failures and next is when the commit may be tried again
	// (chartFailures only).
	attempts int
	next     time.Time
}

// syncState is one reconcile's view of a GitRepo; steps share what they learn through it.
type syncState struct {
	*v1alpha1.GitRepo
	target   target
	pollErr  error
	polled   bool
	synced   bool
	interval time.Duration
	// creds are the credentials of the repository, resolved by accept.
	creds Credentials
	// helm are the chart credentials of helmSecretName(ForPaths), resolved by accept (nil: none).
	helm *helmchart.Credentials
	// webhook is the GitRepo's verified push notification waiting to be handled, if any.
	webhook *webhookPush
	// defaulted says that a GitRepoRestriction or Policy filled in the service account or secret.
	defaulted bool
	// syncRan says that the reconcile got as far as sync.
	syncRan bool
}

var _ controller.Reconciler = (*Reconciler)(nil)

// Reconcile runs the skeleton: restrict → accept → poll → sync, summarized into status.
func (r *Reconciler) Reconcile(ctx context.Context, key types.NamespacedName) (controller.Result, error) {
	return controller.Run(ctx, key, controller.Skeleton[*syncState]{
		Get:           r.get,
		Finalizer:     v1alpha1.GitRepoFinalizer,
		SetFinalizers: r.setFinalizers,
		Finalize:      r.finalize,
		Steps:         []controller.Step[*syncState]{r.restrict, r.accept, r.poll, r.sync},
		Summarize:     r.summarize,
	})
}

func (r *Reconciler) get(_ context.Context, key types.NamespacedName) (*syncState, error) {
	gr, err := r.lister.GitRepos(key.Namespace).Get(key.Name)
	if err != nil {
		return nil, err
	}
	gr = gr.DeepCopy()
	interval := DefaultPollingInterval
	if gr.Spec.PollingInterval != nil && gr.Spec.PollingInterval.Duration > 0 {
		interval = gr.Spec.PollingInterval.Duration
	}
	return &syncState{GitRepo: gr, interval: interval, webhook: r.webhooks.get(key)}, nil
}

func (r *Reconciler) setFinalizers(ctx context.Context, s *syncState, finalizers []string) error {
	cur := s.GitRepo.DeepCopy()
	cur.Finalizers = finalizers
	updated, err := r.client.FleetV1alpha1().GitRepos(s.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	s.GitRepo = updated
	return nil
}

func (r *Reconciler) finalize(ctx context.Context, s *syncState) error {
	r.forget(types.NamespacedName{Namespace: s.Namespace, Name: s.Name})
	r.webhooks.forget(types.NamespacedName{Namespace: s.Namespace, Name: s.Name})
	r.recordApplied(types.NamespacedName{Namespace: s.Namespace, Name: s.Name}, nil)
	if err := r.writer.deleteAll(ctx, s.GitRepo); err != nil {
		return err
	}
	klog.InfoS("GitRepo deleted, bundles removed", "gitrepo", klog.KObj(s.GitRepo))
	return nil
}

// accept resolves the GitRepo's credentials (credentials.go, helmauth.go): the Secrets of
// spec.clientSecretName and spec.helmSecretName(ForPaths) are read on every reconcile, so a changed Secret is used at the next poll. A GitRepo whose
// credentials cannot be had is Stalled and checked again at the polling interval, so that creating
// or fixing the Secret is noticed (Secrets are not watched).
func (r *Reconciler) accept(ctx context.Context, s *syncState) (controller.Result, error) {
	creds, err := r.resolveCredentials(ctx, s.GitRepo)
	if err != nil {
		return controller.Result{RequeueAfter: wait.Jitter(s.interval, pollingJitter)}, err
	}
	s.creds = creds
	if s.helm, err = r.resolveHelmCredentials(ctx, s.GitRepo); err != nil {
		return controller.Result{RequeueAfter: wait.Jitter(s.interval, pollingJitter)}, err
	}
	return controller.Result{}, nil
}

// credentials returns the credentials accept resolved.
func (r *Reconciler) credentials(s *syncState) Credentials { return s.creds }

// poll finds the commit to deploy with an ls-remote shared by every GitRepo of the repository.
func (r *Reconciler) poll(ctx context.Context, s *syncState) (controller.Result, error) {
	var res controller.Result
	if s.Spec.DisablePolling {
		if t, ok := webhookTarget(s); ok {
			s.target = t
			return res, nil
		}
		if s.Status.Commit != "" && s.Generation == s.Status.ObservedGeneration {
			s.target = target{commit: s.Status.Commit}
			return res, nil
		}
	} else {
		res.RequeueAfter = wait.Jitter(s.interval, pollingJitter)
	}
	fetcher := r.fetchers.For(s.Spec.Repo, r.credentials(s))
	if s.webhook != nil {
		fetcher.Nudge(s.webhook.at) // a verified push: worth one attempt even during a backoff
	}
	refs, err := fetcher.Refs(ctx, refsMaxAge(s, r.clock.Now()), s.interval)
	if err != nil {
		s.pollErr = err
		var be *BackoffError
		delay := s.interval
		if errors.As(err, &be) {
			delay = max(be.NextAttempt.Sub(r.clock.Now()), 10*time.Millisecond)
		}
		return controller.Result{}, controller.NewWaiting(gitReason(err), err, delay)
	}
	t, err := resolve(refs, s.Spec.Branch, s.Spec.Revision)
	if err != nil {
		s.pollErr = err
		return res, controller.NewWaiting(gitReason(err), err, s.interval)
	}
	s.target, s.polled = t, true
	return res, nil
}

// sync clones the commit and saves its bundles, unless they are already saved or it failed before.
func (r *Reconciler) sync(ctx context.Context, s *syncState) (controller.Result, error) {
	key := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
	s.syncRan = true
	st := s.Status
	if s.target.commit == st.Commit && s.Generation == st.ObservedGeneration && s.Spec.ForceSyncGeneration == st.UpdateGeneration &&
		!r.effectiveChanged(key, s) {
		return controller.Result{}, nil // status.commit only moves on success
	}
	if f, ok := r.failedFor(key, s); ok {
		return controller.Result{}, f.err
	}
	if sc, ok := recordedStall(s); ok {
		// Stalled before a restart (stall.go): not cloned again.
		r.rememberFailure(key, sc)
		return controller.Result{}, sc
	}
	if err := r.chartWait(key, s); err != nil {
		return controller.Result{}, err // polls and webhooks until then do not download again
	}
	err := r.syncCommit(ctx, s)
	if chartRetry(err) {
		return controller.Result{}, r.chartBackoff(key, s, err)
	}
	if err != nil && controller.IsStalling(err) {
		sc := &stalledCommit{commit: s.target.commit, generation: s.Generation, defaults: appliedDefaults(s), err: err}
		r.rememberFailure(key, sc)
		return controller.Result{}, sc
	}
	if err != nil {
		return controller.Result{}, err
	}
	r.forget(key)
	r.recordApplied(key, s)
	s.synced = true
	r.recorder.Eventf(s.GitRepo, controller.EventNormal, "Synced", "bundles saved for commit %s", shortCommit(s.target.commit))
	return controller.Result{}, nil
}

func (r *Reconciler) syncCommit(ctx context.Context, s *syncState) error {
	dir, commit, err := checkout(ctx, r.tmpDir, s.Spec.Repo, r.credentials(s), s.target)
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && (ge.Reason == ReasonUnsafeContent || ge.Reason == ReasonRepositoryTooLarge) {
			return controller.NewStalling(ge.Reason, err)
		}
		return controller.NewWaiting(ReasonCloneFailed, err, s.interval)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	s.target.commit = commit
	bundles, err := readBundles(ctx, s.GitRepo, dir, commit, s.helm, s.interval)
	if err != nil {
		return err
	}
	return r.writer.apply(ctx, s.GitRepo, bundles)
}

func (r *Reconciler) failedFor(key types.NamespacedName, s *syncState) (failedSync, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.failed[key]
	return f, ok && f.commit == s.target.commit && f.generation == s.Generation && f.defaults == appliedDefaults(s)
}

// rememberFailure keeps a stalled commit in memory: it is not cloned again.
func (r *Reconciler) rememberFailure(key types.NamespacedName, sc *stalledCommit) {
	r.mu.Lock()
	r.failed[key] = failedSync{commit: sc.commit, generation: sc.generation, defaults: sc.defaults, err: sc}
	r.mu.Unlock()
}

func (r *Reconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	delete(r.failed, key)
	delete(r.chartFailures, key)
	r.mu.Unlock()
}

// chartBackoff counts a ChartUnavailable failure of the GitRepo's commit and delays its retry:
// the polling interval, doubling with each consecutive failure of the same commit and
// generation, up to controller.DefaultMaxBackoff.
func (r *Reconciler) chartBackoff(key types.NamespacedName, s *syncState, err error) error {
	r.mu.Lock()
	if r.chartFailures == nil {
		r.chartFailures = map[types.NamespacedName]failedSync{}
	}
	f := r.chartFailures[key]
	if f.commit != s.target.commit || f.generation != s.Generation {
		f = failedSync{commit: s.target.commit, generation: s.Generation}
	}
	f.attempts++
	delay := controller.BackoffDelay(s.interval, f.attempts, controller.DefaultMaxBackoff)
	f.next = r.clock.Now().Add(delay)
	var w *controller.Waiting
	if errors.As(err, &w) {
		err = controller.NewWaiting(w.Reason, w.Err, delay)
	}
	f.err = err
	r.chartFailures[key] = f
	r.mu.Unlock()
	return err
}

// chartWait returns the last ChartUnavailable failure of the GitRepo's commit while its retry is
// not due, with the time left: the polls in between (and webhooks for the same commit) find the
// same commit and must not download again.
func (r *Reconciler) chartWait(key types.NamespacedName, s *syncState) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.chartFailures[key]
	if !ok || f.commit != s.target.commit || f.generation != s.Generation {
		return nil
	}
	left := f.next.Sub(r.clock.Now())
	if left <= 0 {
		return nil
	}
	var w *controller.Waiting
	if errors.As(f.err, &w) {
		return controller.NewWaiting(w.Reason, w.Err, left)
	}
	return f.err
}

// gitReason returns the reason of a classified git error.
func gitReason(err error) string {
	var ge *GitError
	if errors.As(err, &ge) {
		return ge.Reason
	}
	return ReasonRepositoryUnreachable
}
