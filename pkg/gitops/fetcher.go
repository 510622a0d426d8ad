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
)

// DefaultMaxBackoff caps the delay between ls-remote attempts of a failing repository.
const DefaultMaxBackoff = 5 * time.Minute

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

// For returns the shared Fetcher of url with creds.
func (fs *Fetchers) For(url string, creds Credentials) *Fetcher {
	key := creds.digest(url)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := fs.Clock.Now()
	for k, f := range fs.fetchers {
		if k != key && f.idleSince(now) > idleFetcherTTL {
			delete(fs.fetchers, k)
		}
	}
	f, ok := fs.fetchers[key]
	if !ok {
		f = &Fetcher{url: url, creds: creds, clock: fs.Clock, maxBackoff: fs.MaxBackoff}
		fs.fetchers[key] = f
	}
	f.touch(now)
	return f
}

// Len returns the number of fetchers in the pool.
func (fs *Fetchers) Len() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.fetchers)
}

// Fetcher lists the refs of one repository (go-git ls-remote, in memory), caching the result and
// backing off exponentially while the repository fails. Calls are single-flight.
type Fetcher struct {
	url        string
	creds      Credentials
	clock      clock.Clock
	maxBackoff time.Duration

	mu          sync.Mutex
	lastUsed    time.Time
	refs        map[string]string
	fetchedAt   time.Time
	failures    int
	lastErr     error
	nextAttempt time.Time
	attempts    []time.Time
}

// BackoffError is returned while a failing repository is backing off; Err is the last failure.
type BackoffError struct {
	Err         error
	Failures    int
	NextAttempt time.Time
}

func (e *BackoffError) Error() string {
	return fmt.Sprintf("%v (%d consecutive failures, next attempt at %s)", e.Err, e.Failures, e.NextAttempt.UTC().Format(time.RFC3339Nano))
}

// Unwrap returns the last failure.
func (e *BackoffError) Unwrap() error { return e.Err }

// Refs returns the refs (name → commit; peeled tags as "refs/tags/x^{}") of the repository, from a
// result younger than maxAge if there is one. After a failure, no network call is made before the
// backoff is over — min(base·2^(failures-1), MaxBackoff) after the failed attempt; meanwhile, and
// for the failing call itself, a *BackoffError wrapping the classified failure is returned.
func (f *Fetcher) Refs(ctx context.Context, maxAge, base time.Duration) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	if f.failures == 0 && f.refs != nil && now.Sub(f.fetchedAt) < maxAge {
		return f.refs, nil
	}
	if f.failures > 0 && now.Before(f.nextAttempt) {
		return nil, &BackoffError{Err: f.lastErr, Failures: f.failures, NextAttempt: f.nextAttempt}
	}
	f.attempts = append(f.attempts, now)
	if len(f.attempts) > maxAttempts {
		f.attempts = f.attempts[len(f.attempts)-maxAttempts:]
	}
	refs, err := lsRemote(ctx, f.url, f.creds)
	observeFetch("ls-remote", f.clock.Since(now), err)
	if err != nil {
		f.failures++
		f.lastErr = err
		f.nextAttempt = now.Add(backoff(base, f.failures, f.maxBackoff))
		return nil, &BackoffError{Err: err, Failures: f.failures, NextAttempt: f.nextAttempt}
	}
	f.refs, f.fetchedAt, f.failures, f.lastErr = refs, now, 0, nil
	return refs, nil
}

// Attempts returns the times of the last ls-remote attempts (network calls), oldest first.
func (f *Fetcher) Attempts() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.attempts...)
}

func (f *Fetcher) touch(now time.Time) {
	f.mu.Lock()
	f.lastUsed = now
	f.mu.Unlock()
}

func (f *Fetcher) idleSince(now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return now.Sub(f.lastUsed)
}

// backoff returns min(base·2^(failures-1), maxDelay).
func backoff(base time.Duration, failures int, maxDelay time.Duration) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxBackoff
	}
	d := base
	for i := 1; i < failures && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// gitTimeoutSeconds bounds one git network operation, as Fleet's git client timeout.
const gitTimeoutSeconds = 30

func lsRemote(ctx context.Context, url string, creds Credentials) (map[string]string, error) {
	auth, err := creds.auth(url)
	if err != nil {
		return nil, err
	}
	// ListContext ignores ListOptions.Timeout; the context bounds the call.
	ctx, cancel := context.WithTimeout(ctx, gitTimeoutSeconds*time.Second)
	defer cancel()
	remote := git.NewRemote(memory.NewStorage(), &gitconfig.RemoteConfig{Name: "origin", URLs: []string{url}})
	list, err := remote.ListContext(ctx, &git.ListOptions{
		Auth: auth, CABundle: creds.CABundle, InsecureSkipTLS: creds.InsecureSkipTLS,
		PeelingOption: git.AppendPeeled,
	})
	if err != nil {
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
