package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestRequeueFor(t *testing.T) {
	poll := Result{RequeueAfter: 15 * time.Second}
	tests := []struct {
		name string
		res  Result
		err  error
		want Requeue
	}{
		{"success without polling", Result{}, nil, Requeue{}},
		{"success with polling", poll, nil, Requeue{After: 15 * time.Second}},
		{"stalling keeps polling, no retry", poll, NewStalling("Bad", errors.New("x")), Requeue{After: 15 * time.Second}},
		{"stalling without polling stops", Result{}, NewStalling("Bad", errors.New("x")), Requeue{}},
		{"waiting retries after its delay", Result{}, NewWaiting("Later", errors.New("x"), 3*time.Second), Requeue{After: 3 * time.Second}},
		{"waiting and sooner polling", Result{RequeueAfter: time.Second}, NewWaiting("Later", errors.New("x"), 3*time.Second), Requeue{After: time.Second}},
		{"generic backs off", poll, NewGeneric("Oops", errors.New("x")), Requeue{RateLimited: true}},
		{"untyped backs off", Result{}, errors.New("x"), Requeue{RateLimited: true}},
		{"wrapped stalling", Result{}, errors.Join(NewStalling("Bad", errors.New("x"))), Requeue{}},
		{"stalling whose status write failed retries", Result{}, errors.Join(NewStalling("Bad", errors.New("x")),
			NewGeneric(ReasonStatusWriteFailed, errors.New("conflict"))), Requeue{RateLimited: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RequeueFor(tt.res, tt.err); got != tt.want {
				t.Fatalf("RequeueFor = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReasonOf(t *testing.T) {
	inner := errors.New("boom")
	err := NewWaiting("BranchNotFound", inner, time.Second)
	if ReasonOf(err) != "BranchNotFound" || !errors.Is(err, inner) {
		t.Fatalf("reason %s, identity kept %v", ReasonOf(err), errors.Is(err, inner))
	}
	if ReasonOf(errors.New("x")) != ReasonFailed {
		t.Fatal("an untyped error has reason Failed")
	}
}

// obj is a minimal object for the skeleton.
type obj struct{ metav1.ObjectMeta }

func TestRunSkeleton(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "o"}
	var calls []string
	var stored *obj
	sk := func() Skeleton[*obj] {
		return Skeleton[*obj]{
			Get: func(context.Context, types.NamespacedName) (*obj, error) {
				if stored == nil {
					return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "objs"}, "o")
				}
				c := *stored
				return &c, nil
			},
			Finalizer: "f",
			SetFinalizers: func(_ context.Context, o *obj, f []string) error {
				calls = append(calls, "finalizers")
				stored.Finalizers, o.Finalizers = f, f
				return nil
			},
			Finalize: func(context.Context, *obj) error { calls = append(calls, "finalize"); return nil },
			Steps: []Step[*obj]{
				func(context.Context, *obj) (Result, error) {
					calls = append(calls, "one")
					return Result{RequeueAfter: time.Minute}, nil
				},
				func(context.Context, *obj) (Result, error) {
					calls = append(calls, "two")
					return Result{}, NewStalling("Bad", errors.New("x"))
				},
				func(context.Context, *obj) (Result, error) { calls = append(calls, "three"); return Result{}, nil },
			},
			Summarize: func(_ context.Context, _ *obj, res Result, err error) error {
				calls = append(calls, "summarize:"+ReasonOf(err)+":"+res.RequeueAfter.String())
				return nil
			},
		}
	}
	if _, err := Run(context.Background(), key, sk()); err != nil {
		t.Fatalf("a missing object is not an error: %v", err)
	}
	stored = &obj{ObjectMeta: metav1.ObjectMeta{Name: "o", Namespace: "ns"}}
	res, err := Run(context.Background(), key, sk())
	if !IsStalling(err) || res.RequeueAfter != time.Minute {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	want := "finalizers one two summarize:Bad:1m0s"
	if got := strings.Join(calls, " "); got != want {
		t.Fatalf("calls = %s, want %s", got, want)
	}
	calls = nil
	now := metav1.Now()
	stored.DeletionTimestamp = &now
	if _, err := Run(context.Background(), key, sk()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(calls, " "); got != "finalize finalizers" || len(stored.Finalizers) != 0 {
		t.Fatalf("deletion calls = %s, finalizers %v", got, stored.Finalizers)
	}
}

type countingRecorder struct{ warnings []string }

func (c *countingRecorder) Eventf(_ runtime.Object, typ, reason, format string, args ...any) {
	if typ == EventWarning {
		c.warnings = append(c.warnings, reason+": "+fmt.Sprintf(format, args...))
	}
}

func TestWarnOnNewFailure(t *testing.T) {
	rec := &countingRecorder{}
	obj := &v1alpha1.GitRepo{}
	same := []v1alpha1.GenericCondition{{Type: v1alpha1.ConditionReady, Message: "boom"}}
	WarnOnNewFailure(rec, obj, nil, errors.New("boom"), "Bad", "boom")                 // first failure
	WarnOnNewFailure(rec, obj, same, errors.New("boom"), "Bad", "boom")                // repeated: no event
	WarnOnNewFailure(rec, obj, same, errors.New("worse"), "Bad", "worse")              // new message
	WarnOnNewFailure(rec, obj, nil, nil, "", "")                                       // success
	WarnOnNewFailure(rec, obj, nil, fmt.Errorf("x: %w", context.Canceled), "Bad", "x") // shutdown
	if want := []string{"Bad: boom", "Bad: worse"}; fmt.Sprint(rec.warnings) != fmt.Sprint(want) {
		t.Fatalf("warnings = %q, want %q", rec.warnings, want)
	}
}

// TestAllInNamespace: an object maps to every listed object of its namespace; a failed list maps
// to nothing.
func TestAllInNamespace(t *testing.T) {
	repos := map[string][]*v1alpha1.GitRepo{"a": {
		{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "one"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "two"}},
	}}
	m := AllInNamespace(func(ns string) ([]*v1alpha1.GitRepo, error) {
		if ns == "broken" {
			return nil, errors.New("no cache")
		}
		return repos[ns], nil
	})
	got := m(&v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p"}})
	if fmt.Sprint(got) != "[a/one a/two]" {
		t.Fatalf("keys = %v", got)
	}
	if got := m(&v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: "broken", Name: "p"}}); len(got) != 0 {
		t.Fatalf("keys on a failed list = %v", got)
	}
}

// informerOver returns an informer of ConfigMaps whose list answers with an empty list or fails
// with listErr: the narrow seam of an API that cannot be listed (apiSeam, health_test.go).
func informerOver(listErr error) cache.SharedIndexInformer {
	return (&apiSeam{listErr: listErr, rv: 1}).informer()
}

// TestStartSaysWhyTheCachesDoNotSync: a cache whose list fails makes Start fail with the list's
// error instead of waiting for ever; a cache that lists starts the controller.
func TestStartSaysWhyTheCachesDoNotSync(t *testing.T) {
	// Only a bound for a broken Start: the assertions are on what it returns, not when.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	noop := ReconcilerFunc(func(context.Context, types.NamespacedName) (Result, error) { return Result{}, nil })

	broken := informerOver(apierrors.NewInternalError(errNotDecodable))
	c, err := New(Config{Name: "broken", Reconciler: noop})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Watch(broken, nil); err != nil {
		t.Fatal(err)
	}
	go broken.RunWithContext(ctx)
	err = c.Start(ctx)
	if err == nil || !strings.Contains(err.Error(), errNotDecodable.Error()) || !strings.Contains(err.Error(), "*v1.ConfigMap") {
		t.Fatalf("Start = %v; want the list's error naming the type", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Start returned only when the test's bound ran out")
	}

	ok := informerOver(nil)
	c, err = New(Config{Name: "ok", Reconciler: noop})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WatchMapped(ok, func(metav1.Object) []types.NamespacedName { return nil }); err != nil {
		t.Fatal(err)
	}
	go ok.RunWithContext(ctx)
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start over a cache that lists: %v", err)
	}
}

type notDecodable struct{}

func (notDecodable) Error() string { return "stored object does not decode" }

var errNotDecodable = notDecodable{}
