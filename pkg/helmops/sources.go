package helmops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// DefaultMaxBackoff caps the delay between attempts on a failing repository.
const DefaultMaxBackoff = 5 * time.Minute

// idleSourceTTL is how long a Source nobody asked for is kept.
const idleSourceTTL = time.Hour

// Sources holds one Source per (repository, credentials), shared by every HelmOp that points
// there: N HelmOps on one chart repository read its index.yaml once per polling period, and a
// failing repository is retried on one backoff schedule, not N.
type Sources struct {
	// Clock is the time source (default: the real clock).
	Clock clock.Clock
	// MaxBackoff caps the backoff (default DefaultMaxBackoff).
	MaxBackoff time.Duration

	mu      sync.Mutex
	sources map[string]*Source
}

// NewSources returns an empty pool using the real clock.
func NewSources() *Sources {
	return &Sources{Clock: clock.RealClock{}, MaxBackoff: DefaultMaxBackoff, sources: map[string]*Source{}}
}

// For returns the shared Source of repo (a chart repository URL or an oci:// chart reference)
// with creds.
func (ss *Sources) For(repo string, creds Credentials) *Source {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(repo), []byte(creds.Username), []byte(creds.Password), creds.CABundle, []byte(fmt.Sprint(creds.InsecureSkipTLS))} {
		h.Write(part)
		h.Write([]byte{0})
	}
	key := hex.EncodeToString(h.Sum(nil))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sources == nil {
		ss.sources = map[string]*Source{}
	}
	now := ss.Clock.Now()
	for k, s := range ss.sources {
		if k != key && s.idleSince(now) > idleSourceTTL {
			delete(ss.sources, k)
		}
	}
	s, ok := ss.sources[key]
	if !ok {
		s = &Source{repo: repo, kind: sourceKind(repo), list: lister(repo, creds), clock: ss.Clock, maxBackoff: ss.MaxBackoff}
		ss.sources[key] = s
	}
	s.touch(now)
	return s
}

// Len returns the number of sources in the pool.
func (ss *Sources) Len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.sources)
}

// lister returns how a Source reads repo. Its HTTP client (connections, and for registries the
// token cache) lives as long as the Source.
func lister(repo string, creds Credentials) func(ctx context.Context) (map[string][]string, error) {
	hc, err := creds.httpClient()
	if err != nil {
		return func(context.Context) (map[string][]string, error) {
			return nil, &RepositoryError{Reason: ReasonCredentialsUnavailable, Repo: redact(repo), Err: err}
		}
	}
	if isOCI(repo) {
		client := registryClient(hc, repo, creds)
		return func(ctx context.Context) (map[string][]string, error) {
			tags, err := listTags(ctx, client, repo)
			return map[string][]string{"": tags}, err
		}
	}
	return func(ctx context.Context) (map[string][]string, error) { return listIndex(ctx, hc, repo, creds) }
}

func sourceKind(repo string) string {
	if isOCI(repo) {
		return "oci"
	}
	return "repository"
}

// Source lists the published chart versions of one repository (index.yaml of a chart repository,
// tags of an OCI repository), caching the result and backing off exponentially while the
// repository fails. Calls are single-flight.
type Source struct {
	repo       string
	kind       string
	list       func(ctx context.Context) (map[string][]string, error)
	clock      clock.Clock
	maxBackoff time.Duration

	mu          sync.Mutex
	lastUsed    time.Time
	charts      map[string][]string
	fetchedAt   time.Time
	failures    int
	lastErr     error
	nextAttempt time.Time
	attempts    []time.Time
}

// maxAttempts is how many attempt timestamps a Source remembers.
const maxAttempts = 16

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

// Charts returns the published versions per chart name (for an OCI repository, the tags under
// the name ""), from a result younger than maxAge if there is one. After a failure no request is
// made before min(base·2^(failures-1), MaxBackoff) has passed since the failed attempt;
// meanwhile, and for the failing call itself, a *BackoffError wrapping the classified
// *RepositoryError is returned.
func (s *Source) Charts(ctx context.Context, maxAge, base time.Duration) (map[string][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.failures == 0 && s.charts != nil && now.Sub(s.fetchedAt) < maxAge {
		return s.charts, nil
	}
	if s.failures > 0 && now.Before(s.nextAttempt) {
		return nil, &BackoffError{Err: s.lastErr, Failures: s.failures, NextAttempt: s.nextAttempt}
	}
	s.attempts = append(s.attempts, now)
	if len(s.attempts) > maxAttempts {
		s.attempts = s.attempts[len(s.attempts)-maxAttempts:]
	}
	charts, err := s.list(ctx)
	observeResolve(s.kind, s.clock.Since(now), err)
	if err != nil {
		s.failures++
		s.lastErr = err
		s.nextAttempt = now.Add(backoff(base, s.failures, s.maxBackoff))
		return nil, &BackoffError{Err: err, Failures: s.failures, NextAttempt: s.nextAttempt}
	}
	s.charts, s.fetchedAt, s.failures, s.lastErr = charts, now, 0, nil
	return charts, nil
}

// Attempts returns the times of the last requests to the repository, oldest first.
func (s *Source) Attempts() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.attempts...)
}

func (s *Source) touch(now time.Time) {
	s.mu.Lock()
	s.lastUsed = now
	s.mu.Unlock()
}

func (s *Source) idleSince(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Sub(s.lastUsed)
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
