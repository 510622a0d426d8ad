package helmops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/redact"
)

// DefaultMaxBackoff caps the delay between attempts on a failing repository.
const DefaultMaxBackoff = controller.DefaultMaxBackoff

// DefaultFetchTimeout bounds one complete read of a repository (index.yaml, or every page of an
// OCI tag list), whoever waits for it: a repository that hangs, or paginates forever, fails after
// this long instead of holding anything.
const DefaultFetchTimeout = 60 * time.Second

// idleSourceTTL is how long a Source nobody asked for is kept.
const idleSourceTTL = time.Hour

// Sources holds one Source per (repository, credentials), shared by every HelmOp that points
// there: N HelmOps on one chart repository read its index.yaml once per polling period, and a
// failing repository is retried on one backoff schedule, not N.
//
// No lock is held across a request to a repository: neither the pool's nor a Source's. A slow or
// hung repository delays only the HelmOps that wait for it, and each of those only until its own
// context ends or the read times out (FetchTimeout).
type Sources struct {
	// Clock is the time source (default: the real clock).
	Clock clock.Clock
	// MaxBackoff caps the backoff (default DefaultMaxBackoff).
	MaxBackoff time.Duration
	// FetchTimeout bounds one read of a repository (default DefaultFetchTimeout). It is measured
	// on the real clock, whatever Clock is.
	FetchTimeout time.Duration

	// mu guards sources and every Source's lastUsed.
	mu      sync.Mutex
	sources map[string]*Source
}

// NewSources returns an empty pool using the real clock.
func NewSources() *Sources {
	return &Sources{Clock: clock.RealClock{}, MaxBackoff: DefaultMaxBackoff, FetchTimeout: DefaultFetchTimeout, sources: map[string]*Source{}}
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
		if k != key && now.Sub(s.lastUsed) > idleSourceTTL {
			delete(ss.sources, k) // a read still in flight completes; nobody waits for it
		}
	}
	s, ok := ss.sources[key]
	if !ok {
		timeout := ss.FetchTimeout
		if timeout <= 0 {
			timeout = DefaultFetchTimeout
		}
		s = &Source{repo: repo, kind: sourceKind(repo), list: lister(repo, creds), clock: ss.Clock, maxBackoff: ss.MaxBackoff, fetchTimeout: timeout}
		ss.sources[key] = s
	}
	s.lastUsed = now
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
			return nil, &RepositoryError{Reason: ReasonCredentialsUnavailable, Repo: redact.URL(repo), Err: err}
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
// repository fails.
//
// Reads are single-flight: the first caller that needs one starts it in its own goroutine, with
// its own context bounded by FetchTimeout (not the caller's, so that a caller giving up does not
// fail the read for the others); every caller, the first included, waits for that read or for its
// own context, whichever ends first. mu guards the state only, never a request.
type Source struct {
	repo         string
	kind         string
	list         func(ctx context.Context) (map[string][]string, error)
	clock        clock.Clock
	maxBackoff   time.Duration
	fetchTimeout time.Duration

	// lastUsed is guarded by the pool's mutex (Sources.mu), not by mu.
	lastUsed time.Time

	mu          sync.Mutex
	charts      map[string][]string
	fetchedAt   time.Time
	failures    int
	lastErr     error
	nextAttempt time.Time
	attempts    []time.Time
	inflight    *read
}

// read is one request to the repository in flight; done is closed once charts or err is set.
type read struct {
	done   chan struct{}
	charts map[string][]string
	err    error
}

// maxAttempts is how many attempt timestamps a Source remembers.
const maxAttempts = 16

// BackoffError is returned while a failing repository is backing off; Err is the last failure.
type BackoffError = controller.BackoffError

// Charts returns the published versions per chart name (for an OCI repository, the tags under
// the name ""), from a result younger than maxAge if there is one, else from the read in flight
// or a new one. After a failure no request is made before min(base·2^(failures-1), MaxBackoff)
// has passed since the failed read ended; meanwhile, and for the failing read itself, a
// *BackoffError wrapping the classified *RepositoryError is returned.
//
// If ctx ends before the read does, Charts returns at once with a RepositoryUnreachable error
// wrapping ctx's error; the read goes on (bounded by FetchTimeout) for the others, and its
// outcome is recorded as usual.
func (s *Source) Charts(ctx context.Context, maxAge, base time.Duration) (map[string][]string, error) {
	rd, charts, err := s.startOrJoin(maxAge, base)
	if rd == nil {
		return charts, err
	}
	select {
	case <-rd.done:
		return rd.charts, rd.err
	case <-ctx.Done():
		return nil, &RepositoryError{Reason: ReasonRepositoryUnreachable, Repo: redact.URL(s.repo),
			Err: fmt.Errorf("stopped waiting for the repository's answer: %w", context.Cause(ctx))}
	}
}

// startOrJoin answers from the cache or the backoff (rd nil), or returns the read to wait for,
// starting it if none is in flight.
func (s *Source) startOrJoin(maxAge, base time.Duration) (rd *read, charts map[string][]string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.failures == 0 && s.charts != nil && now.Sub(s.fetchedAt) < maxAge {
		return nil, s.charts, nil
	}
	// A read in flight was started by a concurrent caller: even a caller asking for maxAge 0 (a
	// HelmOp's new generation) joins it, as it reads what the repository publishes now.
	if s.inflight != nil {
		return s.inflight, nil, nil
	}
	if s.failures > 0 && now.Before(s.nextAttempt) {
		return nil, nil, &BackoffError{Err: s.lastErr, Failures: s.failures, NextAttempt: s.nextAttempt}
	}
	s.attempts = append(s.attempts, now)
	if len(s.attempts) > maxAttempts {
		s.attempts = s.attempts[len(s.attempts)-maxAttempts:]
	}
	rd = &read{done: make(chan struct{})}
	s.inflight = rd
	go s.run(rd, now, base)
	return rd, nil, nil
}

// run makes the request of rd, without holding mu, under its own deadline, then records the
// outcome and wakes the waiters.
func (s *Source) run(rd *read, started time.Time, base time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), s.fetchTimeout)
	defer cancel()
	charts, err := s.list(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = &RepositoryError{Reason: ReasonRepositoryUnreachable, Repo: redact.URL(s.repo),
			Err: fmt.Errorf("no complete answer within %s: %w", s.fetchTimeout, context.DeadlineExceeded)}
	}
	observeResolve(s.kind, s.clock.Since(started), err)

	s.mu.Lock()
	now := s.clock.Now()
	if err != nil {
		s.failures++
		s.lastErr = err
		s.nextAttempt = now.Add(controller.BackoffDelay(base, s.failures, s.maxBackoff))
		rd.err = &BackoffError{Err: err, Failures: s.failures, NextAttempt: s.nextAttempt}
	} else {
		s.charts, s.fetchedAt, s.failures, s.lastErr = charts, started, 0, nil
		rd.charts = charts
	}
	s.inflight = nil
	s.mu.Unlock()
	close(rd.done)
}

// Attempts returns the times of the last requests to the repository, oldest first.
func (s *Source) Attempts() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.attempts...)
}
