package controller

import (
	"fmt"
	"time"
)

// DefaultMaxBackoff caps the delay between attempts on a failing remote (a git repository, a chart
// repository) shared by the objects that point at it.
const DefaultMaxBackoff = 5 * time.Minute

// BackoffError is the failure of a remote together with its backoff: no attempt is made before
// NextAttempt. The message ends with "(N consecutive failures, next attempt at <time>)", which the
// controllers put in their Ready and polling conditions.
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

// BackoffDelay returns min(base·2^(failures-1), maxDelay); base defaults to a second and maxDelay to
// DefaultMaxBackoff.
func BackoffDelay(base time.Duration, failures int, maxDelay time.Duration) time.Duration {
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
