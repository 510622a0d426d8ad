package controller

import (
	"errors"
	"time"
)

// ReasonError is an error that carries a one-word CamelCase reason for conditions and events.
type ReasonError interface {
	error
	ErrorReason() string
}

// Stalling is an error the object cannot recover from without a change (of its spec or of the
// content it points to). The controller does not retry it.
type Stalling struct {
	Reason string
	Err    error
}

// Waiting is an error that resolves by itself once something else happens; the controller retries
// after RequeueAfter without counting it as a failure.
type Waiting struct {
	Reason       string
	Err          error
	RequeueAfter time.Duration
}

// Generic is a transient error; the controller retries it with exponential backoff.
type Generic struct {
	Reason string
	Err    error
}

var (
	_ ReasonError = (*Stalling)(nil)
	_ ReasonError = (*Waiting)(nil)
	_ ReasonError = (*Generic)(nil)
)

// NewStalling returns a Stalling error with reason.
func NewStalling(reason string, err error) *Stalling { return &Stalling{Reason: reason, Err: err} }

// NewWaiting returns a Waiting error with reason, retried after d.
func NewWaiting(reason string, err error, d time.Duration) *Waiting {
	return &Waiting{Reason: reason, Err: err, RequeueAfter: d}
}

// NewGeneric returns a Generic error with reason.
func NewGeneric(reason string, err error) *Generic { return &Generic{Reason: reason, Err: err} }

func (e *Stalling) Error() string       { return errString(e.Err) }
func (e *Stalling) Unwrap() error       { return e.Err }
func (e *Stalling) ErrorReason() string { return e.Reason }
func (e *Waiting) Error() string        { return errString(e.Err) }
func (e *Waiting) Unwrap() error        { return e.Err }
func (e *Waiting) ErrorReason() string  { return e.Reason }
func (e *Generic) Error() string        { return errString(e.Err) }
func (e *Generic) Unwrap() error        { return e.Err }
func (e *Generic) ErrorReason() string  { return e.Reason }

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// ReasonFailed is the reason of errors that carry none.
const ReasonFailed = "Failed"

// ReasonStatusWriteFailed is the reason of a failed status write of the skeleton's summarize; it
// requeues with backoff even when a step stalled, so the outcome gets recorded.
const ReasonStatusWriteFailed = "StatusWriteFailed"

// ReasonOf returns the reason carried by err (the outermost ReasonError), or ReasonFailed.
func ReasonOf(err error) string {
	var re ReasonError
	if errors.As(err, &re) && re.ErrorReason() != "" {
		return re.ErrorReason()
	}
	return ReasonFailed
}

// IsStalling reports whether err is (or wraps) a Stalling error.
func IsStalling(err error) bool {
	var s *Stalling
	return errors.As(err, &s)
}

// Requeue is a requeue decision.
type Requeue struct {
	// After, when > 0, adds the key again after this delay (and resets its backoff).
	After time.Duration
	// RateLimited adds the key again after the queue's exponential backoff.
	RateLimited bool
}

// RequeueFor decides how a key is requeued after a reconcile that returned res and err.
func RequeueFor(res Result, err error) Requeue {
	if err == nil {
		return Requeue{After: res.RequeueAfter}
	}
	var w *Waiting
	var s *Stalling
	switch {
	case statusWriteFailed(err):
		// The outcome was not recorded (a conflict, say): try again soon, whatever the step said.
		return Requeue{RateLimited: true}
	case errors.As(err, &s):
		return Requeue{After: res.RequeueAfter}
	case errors.As(err, &w):
		after := w.RequeueAfter
		if res.RequeueAfter > 0 && (after <= 0 || res.RequeueAfter < after) {
			after = res.RequeueAfter
		}
		return Requeue{After: after}
	default:
		return Requeue{RateLimited: true}
	}
}

// statusWriteFailed reports whether err holds a failed status write of the skeleton.
func statusWriteFailed(err error) bool {
	found := false
	var walk func(error)
	walk = func(e error) {
		if e == nil || found {
			return
		}
		if g, ok := e.(*Generic); ok && g.Reason == ReasonStatusWriteFailed {
			found = true
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return found
}
