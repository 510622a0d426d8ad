package pairs

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func startStore(t *testing.T) *Store {
	t.Helper()
	s, _ := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return watch.Event{}
}

func expect(t *testing.T, w watch.Interface, typ watch.EventType, ns string) *v1alpha1.BundleDeployment {
	t.Helper()
	e := next(t, w)
	bd, _ := e.Object.(*v1alpha1.BundleDeployment)
	if e.Type != typ || bd == nil || bd.Namespace != ns {
		t.Fatalf("event %s %v, want %s in %s", e.Type, e.Object, typ, ns)
	}
	return bd
}

func quiet(t *testing.T, w watch.Interface) {
	t.Helper()
	select {
	case e := <-w.ResultChan():
		t.Fatalf("unexpected event %s %v", e.Type, e.Object)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestWatch(t *testing.T) {
	s := startStore(t)
	ctx := context.Background()
	c1, c2 := cluster("c1"), cluster("c2")
	mustApply(t, s, app, desired(c1, "s-1:a", true))
	// From "": the current state first.
	all, err := s.Watch(ctx, WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Stop()
	expect(t, all, watch.Added, c1.ClusterNS)
	one, err := s.Watch(ctx, WatchOptions{Namespace: c2.ClusterNS, ResourceVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Stop()

	mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true))
	added := expect(t, all, watch.Added, c2.ClusterNS)
	expect(t, one, watch.Added, c2.ClusterNS)
	// A watch of c2 sees nothing of c1.
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
		t.Fatal(err)
	}
	mod := expect(t, all, watch.Modified, c1.ClusterNS)
	if mod.Status.Display.State != "Ready" {
		t.Errorf("modified status %+v", mod.Status.Display)
	}
	quiet(t, one)
	// An unchanged status: no event anywhere.
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, &mod.Status); err != nil {
		t.Fatal(err)
	}
	quiet(t, all)

	// Resuming after a revision replays only what changed since, in that namespace.
	resumed, err := s.Watch(ctx, WatchOptions{Namespace: c1.ClusterNS, ResourceVersion: added.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Stop()
	if got := expect(t, resumed, watch.Modified, c1.ClusterNS); got.ResourceVersion != mod.ResourceVersion {
		t.Errorf("replayed rv %s, want %s", got.ResourceVersion, mod.ResourceVersion)
	}
	quiet(t, resumed)

	mustApply(t, s, app, desired(c1, "s-1:a", true))
	expect(t, all, watch.Deleted, c2.ClusterNS)
	expect(t, one, watch.Deleted, c2.ClusterNS)
}

func TestWatchListInitialEventsEnd(t *testing.T) {
	s := startStore(t)
	mustApply(t, s, app, desired(cluster("c1"), "s-1:a", true), desired(cluster("c2"), "s-1:a", true))
	yes := true
	w, err := s.Watch(context.Background(), WatchOptions{SendInitialEvents: &yes, AllowWatchBookmarks: true, ResourceVersion: ""})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	next(t, w)
	next(t, w)
	e := next(t, w)
	m, _ := e.Object.(metav1.Object)
	if e.Type != watch.Bookmark || m.GetAnnotations()[metav1.InitialEventsAnnotationKey] != "true" {
		t.Errorf("after the initial events: %s %v", e.Type, e.Object)
	}
}

func TestWatchTooOld(t *testing.T) {
	s, db := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, app, desired(cluster("c1"), "s-1:a", true))
	mustApply(t, s, app, desired(cluster("c1"), "s-2:a", true))
	bd, _ := s.Get(ctx, cluster("c1").ClusterNS, "app")
	rv, _ := strconv.ParseInt(bd.ResourceVersion, 10, 64)
	if err := db.Compact(ctx, rv); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Watch(ctx, WatchOptions{ResourceVersion: "2"}); err == nil {
		t.Error("a watch from before the compacted revision started")
	}
}

// TestWatchResumedAddsWhatWasCreatedSince: a watch resumed at a revision sends each pair changed
// since once, in its latest state and revision order. One created since is ADDED, even when
// other pairs' changes come before its latest one, and one created and deleted since is not sent.
func TestWatchResumedAddsWhatWasCreatedSince(t *testing.T) {
	s := startStore(t)
	ctx := context.Background()
	c1, c2, c3 := cluster("c1"), cluster("c2"), cluster("c3")
	mustApply(t, s, app, desired(c1, "s-1:a", true))
	before, err := s.Get(ctx, c1.ClusterNS, "app")
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true), desired(c3, "s-1:a", true))
	for _, ns := range []string{c1.ClusterNS, c2.ClusterNS} {
		if _, _, err := s.UpdateStatus(ctx, ns, "app", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
			t.Fatal(err)
		}
	}
	mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true))

	w, err := s.Watch(ctx, WatchOptions{ResourceVersion: before.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	expect(t, w, watch.Modified, c1.ClusterNS)
	expect(t, w, watch.Added, c2.ClusterNS)
	quiet(t, w)
}

// TestWatchTakesALargeCommit: a commit that changes more pairs than a watcher may hold (a Bundle
// created for thousands of clusters) reaches a watcher that keeps up, of all namespaces or of one,
// instead of ending it with 410 Gone.
func TestWatchTakesALargeCommit(t *testing.T) {
	s := startStore(t)
	ctx := context.Background()
	all, err := s.Watch(ctx, WatchOptions{ResourceVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Stop()
	last := cluster(fmt.Sprintf("c%05d", maxQueued+499))
	one, err := s.Watch(ctx, WatchOptions{Namespace: last.ClusterNS, ResourceVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Stop()
	n := maxQueued + 500
	if got := mustApply(t, s, app, manyDesired(n)...); got.Created != n {
		t.Fatalf("applied %+v", got)
	}
	// Nothing is read until the poller has handed the commit to the watchers.
	waitPolled(t, s)
	seen := map[string]bool{}
	for len(seen) < n {
		e := next(t, all)
		bd, ok := e.Object.(*v1alpha1.BundleDeployment)
		if e.Type != watch.Added || !ok {
			t.Fatalf("after %d of %d BundleDeployments: %s %v", len(seen), n, e.Type, e.Object)
		}
		seen[bd.Namespace] = true
	}
	expect(t, one, watch.Added, last.ClusterNS)
	quiet(t, one)
}

// TestWatchFallingBehindEnds: a watcher that does not take its changes is still ended with 410
// Gone once it holds maxQueued of them when more come, so that what it holds stays bounded.
func TestWatchFallingBehindEnds(t *testing.T) {
	s := startStore(t)
	ctx := context.Background()
	w, err := s.Watch(ctx, WatchOptions{ResourceVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	commit := func(b Bundle, n int) {
		t.Helper()
		mustApply(t, s, b, manyDesired(n)...)
		waitPolled(t, s)
	}
	// Nothing is read meanwhile: the watcher takes the first commit and waits to send it (it is more
	// than the result buffer), holds the second, and the third finds it behind.
	firstN := resultBuffer + 36
	commit(Bundle{Namespace: "fleet-default", Name: "first", UID: "uid-first"}, firstN)
	ww := w.(*watcher)
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		ww.mu.Lock()
		defer ww.mu.Unlock()
		return len(ww.queue) == 0, nil
	}); err != nil {
		t.Fatal("the watcher did not take the first commit")
	}
	commit(app, maxQueued)
	commit(Bundle{Namespace: "fleet-default", Name: "third", UID: "uid-third"}, 1)
	for i := 0; ; i++ {
		e := next(t, w)
		if e.Type == watch.Error {
			if i != firstN {
				t.Errorf("ended after %d events, want after the first commit's %d", i, firstN)
			}
			return
		}
		if i >= firstN+maxQueued {
			t.Fatalf("a watcher that fell %d changes behind was not ended", i)
		}
	}
}

// manyDesired is a BundleDeployment on each of n clusters.
func manyDesired(n int) []Desired {
	d := make([]Desired, 0, n)
	for i := range n {
		d = append(d, desired(cluster(fmt.Sprintf("c%05d", i)), "s-1:a", true))
	}
	return d
}

// waitPolled waits until the poller has handed every commit so far to the watchers.
func waitPolled(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	rv, err := s.db.CurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		s.hub.mu.Lock()
		defer s.hub.mu.Unlock()
		return s.hub.position >= int64(rv), nil
	}); err != nil {
		t.Fatalf("the poller did not reach revision %d: %v", rv, err)
	}
}
