package controller

import (
	"context"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

var noop = ReconcilerFunc(func(context.Context, types.NamespacedName) (Result, error) { return Result{}, nil })

// TestFailedStartsLeakNoGoroutines: a controller whose caches do not sync shuts its queue down
// when Start fails (the workqueue starts goroutines in New), so a caller that keeps trying with new
// controllers (the server does, forever) does not pile them up.
func TestFailedStartsLeakNoGoroutines(t *testing.T) {
	before := goruntime.NumGoroutine()
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		inf := informerOver(apierrors.NewInternalError(errNotDecodable))
		c, err := New(Config{Name: "failing", Reconciler: noop})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Watch(inf, nil); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { inf.RunWithContext(ctx); close(done) }()
		if err := c.Start(ctx); err == nil {
			t.Fatal("Start over a cache that cannot be listed succeeded")
		}
		if !c.queue.ShuttingDown() {
			t.Fatal("a controller that failed to start keeps its queue running")
		}
		cancel()
		<-done
	}
	// Goroutines end asynchronously: wait (bounded) for the count to settle back.
	var after int
	_ = wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		after = goruntime.NumGoroutine()
		return after <= before+5, nil
	})
	if after > before+5 {
		t.Fatalf("%d goroutines before 20 failed starts, %d after", before, after)
	}
}

// apiSeam is a ConfigMap API whose list can be made to fail and whose watches can be ended: the
// narrow seam of an API whose objects become unreadable after the controller started.
type apiSeam struct {
	mu       sync.Mutex
	listErr  error
	rv       int
	lists    int
	watchers []*watch.FakeWatcher
}

func (a *apiSeam) set(listErr error, rv int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.listErr, a.rv = listErr, rv
}

func (a *apiSeam) counts() (lists, watches int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lists, len(a.watchers)
}

// endWatch ends the current watch with an error event, which makes the reflector list again.
func (a *apiSeam) endWatch() {
	a.mu.Lock()
	w := a.watchers[len(a.watchers)-1]
	a.mu.Unlock()
	w.Error(&apierrors.NewBadRequest("watch ended").ErrStatus)
}

func (a *apiSeam) informer() cache.SharedIndexInformer {
	lw := &cache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.lists++
			if a.listErr != nil {
				return nil, a.listErr
			}
			return &corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: strconv.Itoa(a.rv)}}, nil
		},
		WatchFuncWithContext: func(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
				return nil, apierrors.NewBadRequest("sendInitialEvents is not supported here")
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			w := watch.NewFake()
			a.watchers = append(a.watchers, w)
			return w, nil
		},
	}
	return cache.NewSharedIndexInformer(lw, &corev1.ConfigMap{}, 0, cache.Indexers{})
}

// TestCacheErrAfterStart: once a controller runs, an informer that can no longer list (a stored
// object damaged later, a key removed) keeps its last contents, and CacheErr says so until a list
// succeeds again: at once when the informer receives newer data, after staleErrorAge without the
// error recurring when nothing was written meanwhile (the resource version cannot tell then).
func TestCacheErrAfterStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &apiSeam{rv: 1}
	inf := api.informer()
	c, err := New(Config{Name: "health", Reconciler: noop})
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c.clock = clk
	if err := c.Watch(inf, nil); err != nil {
		t.Fatal(err)
	}
	go inf.RunWithContext(ctx)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.CacheErr(); err != nil {
		t.Fatalf("CacheErr of a synced controller = %v", err)
	}
	// poll waits (bounded: the reflector lists again after its backoff) until cond holds.
	poll := func(what string, cond func() bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
			return cond(), nil
		}); err != nil {
			t.Fatalf("waiting for %s: CacheErr = %v", what, c.CacheErr())
		}
	}

	// The watch ends and the list fails: the error is reported.
	api.set(apierrors.NewInternalError(errNotDecodable), 1)
	api.endWatch()
	poll("the list error", func() bool { return c.CacheErr() != nil })
	if err := c.CacheErr(); !strings.Contains(err.Error(), errNotDecodable.Error()) || !strings.Contains(err.Error(), "*v1.ConfigMap") {
		t.Fatalf("CacheErr = %v; want the list's error naming the type", err)
	}

	// The object is repaired (a write: the resource version moves): the next list clears it.
	api.set(nil, 2)
	poll("the error to clear", func() bool { return c.CacheErr() == nil })

	// The list fails again, then lists at the same resource version: nothing shows the recovery but
	// time, so the error stays until staleErrorAge has passed without it.
	api.set(apierrors.NewInternalError(errNotDecodable), 2)
	api.endWatch()
	poll("the list error", func() bool { return c.CacheErr() != nil })
	_, watches := api.counts()
	api.set(nil, 2)
	poll("a successful list", func() bool { _, w := api.counts(); return w > watches })
	if c.CacheErr() == nil {
		t.Fatal("the error cleared although the resource version did not move and it is recent")
	}
	clk.SetTime(clk.Now().Add(staleErrorAge))
	if err := c.CacheErr(); err != nil {
		t.Fatalf("CacheErr %s after the last error = %v", staleErrorAge, err)
	}
}
