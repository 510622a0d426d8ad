package gitops

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/storage/memory"
	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/redact"
)

// DefaultMaxBackoff caps the delay between attempts on a failing repository.
const DefaultMaxBackoff = controller.DefaultMaxBackoff

// maxAttempts is how many attempt timestamps a Fetcher remembers.
const maxAttempts = 16

// idleFetcherTTL is how long a Fetcher nobody asked for is kept.
const idleFetcherTTL = time.Hour

// Fetchers holds one Fetcher per (repository URL, credentials), shared by every GitRepo that
// points there: N GitRepos on one repository make one ls-remote per polling period, and a failing
// repository is retried on one backoff schedule, not N.
type Fetchers struct {
	// Clock is the time source (default: the real clock).
	Clock clock.Clock
	// MaxBackoff caps the backoff (default DefaultMaxBackoff).
	MaxBackoff time.Duration

	mu       sync.Mutex
	fetchers map[string]*Fetcher
}

// NewFetchers returns an empty pool using the real clock.
func NewFetchers() *Fetchers {
	return &Fetchers{Clock: clock.RealClock{}, MaxBackoff: DefaultMaxBackoff, fetchers: map[string]*Fetcher{}}
}

// For returns the shared Fetcher of url with creds. It never waits for a git server: the sweep of
// idle fetchers reads lastUsed, which fs.mu guards, not a fetcher's own lock.
func (fs *Fetchers) For(url string, creds Credentials) *Fetcher {
	key := creds.digest(url)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := fs.Clock.Now()
	for k, f := range fs.fetchers {
		if k != key && now.Sub(f.lastUsed) > idleFetcherTTL {
			delete(fs.fetchers, k)
		}
	}
	f, ok := fs.fetchers[key]
	if !ok {
		f = &Fetcher{url: url, creds: creds, clock: fs.Clock, maxBackoff: fs.MaxBackoff}
		fs.fetchers[key] = f
	}
	f.lastUsed = now
	return f
}

// Len returns the number of fetchers in the pool.
func (fs *Fetchers) Len() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.fetchers)
}

// Fetcher lists the refs of one repository (go-git ls-remote, in memory), caching the result and
// backing off exponentially while the repository fails. Calls are single-flight: one ls-remote at a
// time, run in a goroutine of its own and bounded by lsRemoteTimeout; the callers wait for it only
// as long as their own contexts allow.
type Fetcher struct {
	url        string
	creds      Credentials
	clock      clock.Clock
	maxBackoff time.Duration

	// lastUsed is guarded by the pool's mu (Fetchers.For), so that the sweep never waits here.
	lastUsed time.Time

	// mu guards the fields below. It is never held across network I/O.
	mu          sync.Mutex
	refs        map[string]string
	fetchedAt   time.Time
	failures    int
	lastErr     error
	nextAttempt time.Time
	attempts    []time.Time
	// pushedAt is the time of the newest verified push notification (Nudge); nudgedPeriod is the
	// nextAttempt of the backoff period that a notification already cut short.
	pushedAt     time.Time
	nudgedPeriod time.Time
	// flight is the ls-remote in progress, nil when none.
	flight *flight
}

// flight is one ls-remote; done is closed once refs and err are set.
type flight struct {
	done chan struct{}
	refs map[string]string
	err  error
}

// BackoffError is returned while a failing repository is backing off; Err is the last failure.
type BackoffError = controller.BackoffError

// Refs returns the refs (name → commit; peeled tags as "refs/tags/x^{}") of the repository, from a
// result younger than maxAge if there is one. After a failure, no network call is made before the
// backoff is over — min(base·2^(failures-1), MaxBackoff) after the failed attempt; meanwhile, and
// for the failing call itself, a *BackoffError wrapping the classified failure is returned.
//
// A call that finds an ls-remote in progress joins it. Whoever waits returns ctx.Err() as soon as
// ctx is done; the ls-remote itself goes on (bounded by lsRemoteTimeout) and its result is kept for
// the next call.
func (f *Fetcher) Refs(ctx context.Context, maxAge, base time.Duration) (map[string]string, error) {
	f.mu.Lock()
	now := f.clock.Now()
	if f.failures == 0 && f.refs != nil && now.Sub(f.fetchedAt) < maxAge {
		refs := f.refs
		f.mu.Unlock()
		return refs, nil
	}
	fl := f.flight
	if fl == nil {
		if f.failures > 0 && now.Before(f.nextAttempt) {
			if !f.nudgeAllowed() {
				err := &BackoffError{Err: f.lastErr, Failures: f.failures, NextAttempt: f.nextAttempt}
				f.mu.Unlock()
				return nil, err
			}
			f.nudgedPeriod = f.nextAttempt
		}
		f.attempts = append(f.attempts, now)
		if len(f.attempts) > maxAttempts {
			f.attempts = f.attempts[len(f.attempts)-maxAttempts:]
		}
		fl = &flight{done: make(chan struct{})}
		f.flight = fl
		// The ls-remote outlives a caller that gives up: its context keeps ctx's values, not its
		// cancellation, and lsRemote bounds it.
		go f.fetch(context.WithoutCancel(ctx), fl, now, base)
	}
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.refs, fl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Nudge tells the Fetcher that a verified push notification for the repository arrived at at: the
// server is up and has something new. The next Refs then tries the repository even during a
// backoff (one earned while the server was down would otherwise hold the pushed commit back for up
// to the maximum backoff) — at most once per backoff period, for a notification newer than the last
// attempt, and only when the repository was unreachable: a push does not fix refused credentials
// or host keys, and a replayed notification must not make the server retry them.
func (f *Fetcher) Nudge(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if at.After(f.pushedAt) {
		f.pushedAt = at
	}
}

// nudgeAllowed reports whether a push notification may cut the current backoff short (f.mu held).
func (f *Fetcher) nudgeAllowed() bool {
	return len(f.attempts) > 0 && f.pushedAt.After(f.attempts[len(f.attempts)-1]) &&
		!f.nudgedPeriod.Equal(f.nextAttempt) && gitReason(f.lastErr) == ReasonRepositoryUnreachable
}

// fetch runs the ls-remote of fl, started at now, and records its outcome.
func (f *Fetcher) fetch(ctx context.Context, fl *flight, now time.Time, base time.Duration) {
	refs, err := lsRemote(ctx, f.url, f.creds)
	observeFetch("ls-remote", f.clock.Since(now), err)
	f.mu.Lock()
	if err != nil {
		f.failures++
		f.lastErr = err
		f.nextAttempt = now.Add(controller.BackoffDelay(base, f.failures, f.maxBackoff))
		fl.err = &BackoffError{Err: err, Failures: f.failures, NextAttempt: f.nextAttempt}
	} else {
		f.refs, f.fetchedAt, f.failures, f.lastErr = refs, now, 0, nil
		fl.refs = refs
	}
	f.flight = nil
	f.mu.Unlock()
	close(fl.done)
}

// Attempts returns the times of the last ls-remote attempts (network calls), oldest first.
func (f *Fetcher) Attempts() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.attempts...)
}

// lsRemoteTimeout bounds one ls-remote over every transport, from the dial (the SSH handshake
// included, see sshDial) to the last ref, as Fleet's git client timeout. A variable, so that tests
// can shorten it.
var lsRemoteTimeout = 30 * time.Second

// timeoutError is a git operation stopped by its bound. It is a context.DeadlineExceeded.
type timeoutError struct {
	op    string
	after time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%s did not finish within %s", e.op, e.after)
}

// Is makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// exceeded returns the timeoutError of op when ctx, bounded to d below parent, has passed its
// deadline while parent is still live; otherwise nil. It reads the deadline rather than ctx.Err():
// a connection's deadline (sshDial) may fire before the context's own timer.
func exceeded(parent, ctx context.Context, op string, d time.Duration) error {
	if parent.Err() != nil {
		return nil
	}
	if dl, ok := ctx.Deadline(); !ok || time.Now().Before(dl) {
		return nil
	}
	return &timeoutError{op: op, after: d}
}

func lsRemote(ctx context.Context, url string, creds Credentials) (map[string]string, error) {
	auth, err := creds.auth(url)
	if err != nil {
		return nil, err
	}
	// ListContext ignores ListOptions.Timeout; the context bounds the call, and the connection of
	// an SSH URL (whose handshake go-git runs without the context) gets its deadline.
	timeout := lsRemoteTimeout
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	proxyOpts, release := sshDial(ctx, url)
	defer release()
	remote := git.NewRemote(memory.NewStorage(), &gitconfig.RemoteConfig{Name: "origin", URLs: []string{url}})
	list, err := remote.ListContext(ctx, &git.ListOptions{
		Auth: auth, CABundle: creds.CABundle, InsecureSkipTLS: creds.InsecureSkipTLS,
		PeelingOption: git.AppendPeeled, ProxyOptions: proxyOpts,
	})
	if err != nil {
		if te := exceeded(parent, ctx, "ls-remote", timeout); te != nil {
			return nil, &GitError{Reason: ReasonRepositoryUnreachable, Err: fmt.Errorf("git %s: %w", redact.URL(url), te)}
		}
		return nil, classifyGitError(url, err)
	}
	refs := make(map[string]string, len(list))
	for _, r := range list {
		if !r.Hash().IsZero() {
			refs[r.Name().String()] = r.Hash().String()
		}
	}
	return refs, nil
}
