package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
)

// pairKey names a BundleDeployment: its cluster namespace and its name (the Bundle's).
type pairKey struct{ namespace, name string }

// pairRef is what the agents need of a BundleDeployment to report it applied: the metadata a
// status update must repeat, and the deployment ID.
type pairRef struct {
	resourceVersion string
	uid             types.UID
	generation      int64
	created         metav1.Time
	deploymentID    string
}

func refOf(bd *v1alpha1.BundleDeployment, deploymentID string) pairRef {
	return pairRef{resourceVersion: bd.ResourceVersion, uid: bd.UID, generation: bd.Generation,
		created: bd.CreationTimestamp, deploymentID: deploymentID}
}

// tracker follows what the watches say: the BundleDeployments served, the Bundles and Clusters
// whose computed status says Ready, and when a Bundle or Cluster last changed.
type tracker struct {
	bundles, clusters int

	mu         sync.Mutex
	pairs      map[pairKey]struct{}
	namespaces map[string]string // interned
	served     time.Time         // when the last missing BundleDeployment arrived
	watchLost  bool              // the BundleDeployment watch ended (410 Gone)

	bundleServed  map[string]bool // Bundles whose summary counts a BundleDeployment on every cluster
	bundlesServed time.Time       // when every Bundle's did

	bundleReady, clusterReady map[string]bool
	bundlesReadyAt            time.Time // when every Bundle was Ready
	clustersReadyAt           time.Time // when every Cluster summed all its Bundles ready
	lastChange                time.Time // the last Bundle or Cluster event
	changes                   int       // Bundle and Cluster events seen
	changed                   chan struct{}
}

func newTracker(bundles, clusters int) *tracker {
	return &tracker{bundles: bundles, clusters: clusters, pairs: make(map[pairKey]struct{}, bundles*clusters),
		namespaces: map[string]string{}, bundleReady: map[string]bool{}, clusterReady: map[string]bool{}, bundleServed: map[string]bool{},
		changed: make(chan struct{}, 1)}
}

func (t *tracker) notify() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// bundleDeployment records a BundleDeployment event of a metadata-only watch (the driver decodes
// less than it would of whole objects, so that it takes less CPU from the server it measures).
func (t *tracker) bundleDeployment(ev watch.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ev.Type == watch.Error {
		t.watchLost = true
		t.notify()
		return
	}
	bd, ok := ev.Object.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	ns, ok := t.namespaces[bd.Namespace]
	if !ok {
		ns = bd.Namespace
		t.namespaces[ns] = ns
	}
	key := pairKey{ns, bd.Name}
	if ev.Type == watch.Deleted {
		delete(t.pairs, key)
		return
	}
	if ev.Type != watch.Added && ev.Type != watch.Modified {
		return
	}
	_, known := t.pairs[key]
	t.pairs[key] = struct{}{}
	if !known && len(t.pairs) == t.bundles*t.clusters {
		t.served = time.Now()
		t.notify()
	}
}

// bundle records a Bundle event: served when its summary counts a BundleDeployment on every
// cluster (desiredReady less pending), Ready when every one is ready.
func (t *tracker) bundle(ev watch.Event) {
	b, ok := ev.Object.(*v1alpha1.Bundle)
	if !ok {
		return
	}
	s := b.Status.Summary
	t.mu.Lock()
	if s.DesiredReady-s.Pending == t.clusters {
		t.bundleServed[b.Name] = true
		if len(t.bundleServed) == t.bundles && t.bundlesServed.IsZero() {
			t.bundlesServed = time.Now()
		}
	}
	t.mu.Unlock()
	c := conditions.Find(b.Status.Conditions, v1alpha1.ConditionReady)
	ready := s.DesiredReady == t.clusters && s.Ready == t.clusters && c != nil && c.Status == "True"
	t.objectChanged(t.bundleReady, b.Name, ready, t.bundles, &t.bundlesReadyAt)
}

// cluster records a Cluster event: ready when its summary counts every Bundle ready.
func (t *tracker) cluster(ev watch.Event) {
	c, ok := ev.Object.(*v1alpha1.Cluster)
	if !ok {
		return
	}
	s := c.Status.Summary
	t.objectChanged(t.clusterReady, c.Name, s.DesiredReady == t.bundles && s.Ready == t.bundles, t.clusters, &t.clustersReadyAt)
}

func (t *tracker) objectChanged(ready map[string]bool, name string, isReady bool, want int, allAt *time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastChange = time.Now()
	t.changes++
	if isReady {
		ready[name] = true
	} else {
		delete(ready, name)
	}
	if len(ready) == want && allAt.IsZero() {
		*allAt = t.lastChange
	}
	t.notify()
}

// snapshot is the tracker's state at one moment.
type snapshot struct {
	pairs                                   int
	watchLost                               bool
	bundlesServed                           time.Time
	served, bundlesReadyAt, clustersReadyAt time.Time
	bundlesReady, clustersReady             int
	lastChange                              time.Time
	changes                                 int
}

func (t *tracker) snapshot() snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return snapshot{pairs: len(t.pairs), watchLost: t.watchLost, bundlesServed: t.bundlesServed, served: t.served, bundlesReadyAt: t.bundlesReadyAt, clustersReadyAt: t.clustersReadyAt,
		bundlesReady: len(t.bundleReady), clustersReady: len(t.clusterReady), lastChange: t.lastChange, changes: t.changes}
}

// waitFor waits until cond holds of the tracker's state, checking at every change and every
// 100 ms; progress is called every 10 s. It fails when ctx ends or check fails.
func (t *tracker) waitFor(ctx context.Context, cond func(snapshot) bool, check func() error, progress func(snapshot)) (snapshot, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	nextProgress := time.Now().Add(10 * time.Second)
	for {
		s := t.snapshot()
		if cond(s) {
			return s, nil
		}
		if err := check(); err != nil {
			return s, err
		}
		if progress != nil && time.Now().After(nextProgress) {
			progress(s)
			nextProgress = time.Now().Add(10 * time.Second)
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-t.changed:
		case <-tick.C:
		}
	}
}

// watchFrom runs a watch from resourceVersion rv, resuming after the server closes it, and hands
// every event to handle until ctx ends.
func watchFrom(ctx context.Context, rv string, watchFn cache.WatchFuncWithContext, handle func(watch.Event)) error {
	w, err := watchtools.NewRetryWatcherWithContext(ctx, rv, &cache.ListWatch{WatchFuncWithContext: watchFn})
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				if ev.Type == watch.Error {
					fmt.Fprintf(os.Stderr, "watch error: %v\n", ev.Object)
				}
				handle(ev)
			}
		}
	}()
	return nil
}
