package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// Reconciler reconciles the object named by key.
type Reconciler interface {
	Reconcile(ctx context.Context, key types.NamespacedName) (Result, error)
}

// ReconcilerFunc adapts a function to Reconciler.
type ReconcilerFunc func(ctx context.Context, key types.NamespacedName) (Result, error)

// Reconcile calls f.
func (f ReconcilerFunc) Reconcile(ctx context.Context, key types.NamespacedName) (Result, error) {
	return f(ctx, key)
}

// Config configures a Controller.
type Config struct {
	// Name names the controller in logs, metrics and the workqueue.
	Name string
	// Reconciler is called once per dequeued key.
	Reconciler Reconciler
	// Workers is the number of concurrent reconciles (default 2). A key is never reconciled twice at once.
	Workers int
	// RateLimiter is the backoff of Generic errors (default 5ms → 60s exponential, as Fleet).
	RateLimiter workqueue.TypedRateLimiter[types.NamespacedName]
}

// Controller runs a Reconciler over a rate-limited workqueue fed by informers.
type Controller struct {
	cfg   Config
	queue workqueue.TypedRateLimitingInterface[types.NamespacedName]
	// watched are the informers the controller reads, with their last list or watch error (sync.go).
	watched []*watchedInformer
	clock   clock.PassiveClock
}

// New returns a controller; add informers with Watch, then Start it.
func New(cfg Config) (*Controller, error) {
	if cfg.Name == "" || cfg.Reconciler == nil {
		return nil, fmt.Errorf("controller: name and reconciler are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.RateLimiter == nil {
		cfg.RateLimiter = workqueue.NewTypedItemExponentialFailureRateLimiter[types.NamespacedName](5*time.Millisecond, 60*time.Second)
	}
	registerMetrics()
	q := workqueue.NewTypedRateLimitingQueueWithConfig(cfg.RateLimiter,
		workqueue.TypedRateLimitingQueueConfig[types.NamespacedName]{Name: cfg.Name})
	return &Controller{cfg: cfg, queue: q, clock: clock.RealClock{}}, nil
}

// Predicate filters update events: it returns true when the change needs a reconcile.
type Predicate func(oldObj, newObj metav1.Object) bool

// GenerationOrMetadataChanged reconciles on spec (generation), deletion, finalizer and label changes,
// not on status-only writes — the controllers' own status patches do not loop back.
func GenerationOrMetadataChanged(oldObj, newObj metav1.Object) bool {
	return oldObj.GetGeneration() != newObj.GetGeneration() ||
		!oldObj.GetDeletionTimestamp().Equal(newObj.GetDeletionTimestamp()) ||
		fmt.Sprint(oldObj.GetFinalizers()) != fmt.Sprint(newObj.GetFinalizers()) ||
		fmt.Sprint(oldObj.GetLabels()) != fmt.Sprint(newObj.GetLabels())
}

// Watch enqueues the key of every object of informer (updates filtered by pred, nil for all).
func (c *Controller) Watch(informer cache.SharedIndexInformer, pred Predicate) error {
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(oldObj, newObj any) {
			o, err1 := metaOf(oldObj)
			n, err2 := metaOf(newObj)
			if err1 == nil && err2 == nil && pred != nil && !pred(o, n) {
				return
			}
			c.enqueue(newObj)
		},
		DeleteFunc: c.enqueue,
	})
	if err != nil {
		return fmt.Errorf("controller %s: watch: %w", c.cfg.Name, err)
	}
	return c.addSynced(informer)
}

// AllInNamespace is a WatchMapped mapping for objects that gate every object of a kind in their
// namespace (a Policy, a GitRepoRestriction): list lists that kind in a namespace, from a cache.
func AllInNamespace[T metav1.Object](list func(namespace string) ([]T, error)) func(metav1.Object) []types.NamespacedName {
	return func(obj metav1.Object) []types.NamespacedName {
		items, err := list(obj.GetNamespace())
		if err != nil {
			klog.ErrorS(err, "Listing the objects to reconcile", "namespace", obj.GetNamespace())
			return nil
		}
		keys := make([]types.NamespacedName, 0, len(items))
		for _, it := range items {
			keys = append(keys, types.NamespacedName{Namespace: it.GetNamespace(), Name: it.GetName()})
		}
		return keys
	}
}

// WatchMapped enqueues the keys that mapFn returns for every added, updated or deleted object of
// informer: for objects that gate others, such as a GitRepoRestriction and the GitRepos of its
// namespace.
func (c *Controller) WatchMapped(informer cache.SharedIndexInformer, mapFn func(obj metav1.Object) []types.NamespacedName) error {
	handle := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		m, err := metaOf(obj)
		if err != nil {
			utilruntime.HandleError(err)
			return
		}
		for _, key := range mapFn(m) {
			c.queue.Add(key)
		}
	}
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, newObj any) { handle(newObj) },
		DeleteFunc: handle,
	})
	if err != nil {
		return fmt.Errorf("controller %s: watch: %w", c.cfg.Name, err)
	}
	return c.addSynced(informer)
}

// Enqueue adds key to the queue now.
func (c *Controller) Enqueue(key types.NamespacedName) { c.queue.Add(key) }

func (c *Controller) enqueue(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, err := metaOf(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()})
}

func metaOf(obj any) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("controller: %T is not an object", obj)
	}
	return m, nil
}

// Start waits for the informers' caches and runs the workers until ctx is done; it returns once they
// run. It fails, without starting them, when ctx is done first or when an informer's list or watch
// fails before the caches are synced (the error says why: the caller reports it and may start again
// with a new controller and informer factory). A controller that failed to start has shut its queue
// down (the queue's goroutines end with it) and cannot be started again. Once it runs, CacheErr
// says whether its caches keep up.
func (c *Controller) Start(ctx context.Context) error {
	if err := c.waitForSync(ctx); err != nil {
		c.queue.ShutDown()
		return err
	}
	var wg sync.WaitGroup
	for range c.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
		wg.Wait()
	}()
	klog.InfoS("Controller started", "controller", c.cfg.Name, "workers", c.cfg.Workers)
	return nil
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	start := time.Now()
	res, err := c.cfg.Reconciler.Reconcile(ctx, key)
	reconcileDuration.WithLabelValues(c.cfg.Name).Observe(time.Since(start).Seconds())
	rq := RequeueFor(res, err)
	switch {
	case err != nil:
		reconcileTotal.WithLabelValues(c.cfg.Name, "error").Inc()
		reconcileErrors.WithLabelValues(c.cfg.Name, ReasonOf(err)).Inc()
		klog.V(2).InfoS("Reconcile failed", "controller", c.cfg.Name, "object", key, "reason", ReasonOf(err), "err", err)
	case rq.After > 0:
		reconcileTotal.WithLabelValues(c.cfg.Name, "requeue").Inc()
	default:
		reconcileTotal.WithLabelValues(c.cfg.Name, "success").Inc()
	}
	if rq.RateLimited {
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	if rq.After > 0 {
		c.queue.AddAfter(key, rq.After)
	}
	return true
}

// Len returns the number of keys waiting (for tests and diagnostics).
func (c *Controller) Len() int { return c.queue.Len() }
