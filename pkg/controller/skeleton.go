package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Result is what a reconcile asks of the queue besides error handling.
type Result struct {
	// RequeueAfter, when > 0, reconciles the key again after this delay (polling).
	RequeueAfter time.Duration
}

// Merge returns the result that requeues soonest.
func (r Result) Merge(o Result) Result {
	if r.RequeueAfter <= 0 || (o.RequeueAfter > 0 && o.RequeueAfter < r.RequeueAfter) {
		return o
	}
	return r
}

// Step is one ordered step of a reconcile. It stops the reconcile by returning an error.
type Step[T metav1.Object] func(ctx context.Context, obj T) (Result, error)

// Skeleton is the shape every reconciler follows. T is the object, or a per-reconcile state that
// embeds it (steps share state through it).
type Skeleton[T metav1.Object] struct {
	// Get reads the object; a NotFound error ends the reconcile quietly.
	Get func(ctx context.Context, key types.NamespacedName) (T, error)
	// Finalizer is added before the steps run and removed once Finalize succeeded.
	Finalizer string
	// SetFinalizers writes the object's finalizers.
	SetFinalizers func(ctx context.Context, obj T, finalizers []string) error
	// Finalize cleans up what the object produced, when it is being deleted.
	Finalize func(ctx context.Context, obj T) error
	// Steps run in order while the object is not being deleted.
	Steps []Step[T]
	// Summarize is deferred: it is the one place that turns the outcome into conditions and writes
	// the status (only when it changed). It is not called for deleted objects.
	Summarize func(ctx context.Context, obj T, res Result, err error) error
}

// Run runs the skeleton for key: get → deferred summarize → deletion and finalizer → steps.
func Run[T metav1.Object](ctx context.Context, key types.NamespacedName, s Skeleton[T]) (res Result, err error) {
	obj, err := s.Get(ctx, key)
	if apierrors.IsNotFound(err) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, NewGeneric(ReasonFailed, fmt.Errorf("get %s: %w", key, err))
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return Result{}, finalize(ctx, obj, s)
	}
	defer func() {
		if s.Summarize == nil {
			return
		}
		if serr := s.Summarize(ctx, obj, res, err); serr != nil {
			err = errors.Join(err, NewGeneric(ReasonStatusWriteFailed, fmt.Errorf("status of %s: %w", key, serr)))
		}
	}()
	if s.Finalizer != "" && !slices.Contains(obj.GetFinalizers(), s.Finalizer) {
		fins := append(slices.Clone(obj.GetFinalizers()), s.Finalizer)
		if err := s.SetFinalizers(ctx, obj, fins); err != nil {
			return Result{}, NewGeneric(ReasonFailed, fmt.Errorf("add finalizer: %w", err))
		}
	}
	for _, step := range s.Steps {
		r, err := step(ctx, obj)
		res = res.Merge(r)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func finalize[T metav1.Object](ctx context.Context, obj T, s Skeleton[T]) error {
	if s.Finalizer == "" || !slices.Contains(obj.GetFinalizers(), s.Finalizer) {
		return nil
	}
	if s.Finalize != nil {
		if err := s.Finalize(ctx, obj); err != nil {
			return err
		}
	}
	fins := slices.DeleteFunc(slices.Clone(obj.GetFinalizers()), func(f string) bool { return f == s.Finalizer })
	if err := s.SetFinalizers(ctx, obj, fins); err != nil && !apierrors.IsNotFound(err) {
		return NewGeneric(ReasonFailed, fmt.Errorf("remove finalizer: %w", err))
	}
	return nil
}
