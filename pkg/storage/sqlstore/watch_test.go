package sqlstore

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestSlowWatcherCatchesUp: a watcher that does not read while more than
// maxQueuedEvents events arrive stops holding events in memory, does not
// hold back the other watchers, and later catches up from the event table:
// it still gets every event, in order. If compaction overtakes it, it gets
// 410 Gone.
func TestSlowWatcherCatchesUp(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compacted=%v", compact), func(t *testing.T) {
			ctx, s, db := testSetup(t)
			slow, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: "1", Recursive: true, Predicate: storage.Everything})
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Stop()
			fast, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: "1", Recursive: true, Predicate: storage.Everything})
			if err != nil {
				t.Fatal(err)
			}
			defer fast.Stop()

			total := maxQueuedEvents + resultBufSize + 100
			var fastSeen sync.WaitGroup
			fastSeen.Add(1)
			go func() {
				defer fastSeen.Done()
				for i := 0; i < total; i++ {
					if ev := <-fast.ResultChan(); ev.Type != watch.Added {
						t.Errorf("fast watcher got %s", ev.Type)
						return
					}
				}
			}()
			catchUps := watchCatchUps()
			var last string
			for i := range total {
				out := &example.Pod{}
				pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("pod-%05d", i)}}
				if err := s.Create(ctx, "/pods/ns/"+pod.Name, pod, out, 0); err != nil {
					t.Fatal(err)
				}
				last = out.ResourceVersion
			}
			// The fast watcher got everything while the slow one was not reading.
			fastSeen.Wait()
			if err := db.waitDispatched(ctx, int64(mustRV(t, last))); err != nil {
				t.Fatal(err)
			}
			if compact {
				// Deleting a pod makes its creation event compactable.
				if err := s.Delete(ctx, "/pods/ns/pod-00000", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
				current, err := db.CurrentResourceVersion(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Compact(ctx, int64(current)); err != nil {
					t.Fatal(err)
				}
			}

			var prev uint64
			for i := 0; i < total; i++ {
				select {
				case ev := <-slow.ResultChan():
					if compact && ev.Type == watch.Error {
						if status, ok := ev.Object.(*metav1.Status); !ok || status.Code != http.StatusGone {
							t.Fatalf("got %#v, want 410 Gone", ev.Object)
						}
						return
					}
					if ev.Type != watch.Added {
						t.Fatalf("event %d: %s %#v", i, ev.Type, ev.Object)
					}
					rv := mustRV(t, ev.Object.(*example.Pod).ResourceVersion)
					if rv <= prev {
						t.Fatalf("event at revision %d after %d", rv, prev)
					}
					prev = rv
				case <-time.After(wait.ForeverTestTimeout):
					t.Fatalf("slow watcher got %d of %d events", i, total)
				}
			}
			if compact {
				t.Fatal("the slow watcher was not told that its history was compacted")
			}
			if watchCatchUps() <= catchUps {
				t.Error("the slow watcher did not go through the catch-up path")
			}
		})
	}
}

// TestConcurrentWritersGetOrderedRevisions: concurrent writes (committed in
// groups) get distinct revisions, and a watcher sees them all, in order.
func TestConcurrentWritersGetOrderedRevisions(t *testing.T) {
	ctx, s, _ := testSetup(t)
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: "1", Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	const writers, perWriter = 16, 40
	var wg sync.WaitGroup
	rvs := make(chan string, writers*perWriter)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				out := &example.Pod{}
				pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("w%02d-%03d", g, i)}}
				if err := s.Create(ctx, "/pods/ns/"+pod.Name, pod, out, 0); err != nil {
					t.Error(err)
					return
				}
				rvs <- out.ResourceVersion
			}
		}()
	}
	wg.Wait()
	close(rvs)
	seen := map[string]bool{}
	for rv := range rvs {
		if seen[rv] {
			t.Fatalf("revision %s given twice", rv)
		}
		seen[rv] = true
	}
	var prev uint64
	for range writers * perWriter {
		select {
		case ev := <-w.ResultChan():
			rv := mustRV(t, ev.Object.(*example.Pod).ResourceVersion)
			if rv <= prev || !seen[ev.Object.(*example.Pod).ResourceVersion] {
				t.Fatalf("event at revision %d after %d (known: %v)", rv, prev, seen[ev.Object.(*example.Pod).ResourceVersion])
			}
			prev = rv
		case <-time.After(wait.ForeverTestTimeout):
			t.Fatal("missing events")
		}
	}
}

// TestRequestWatchProgress: a progress-notify watcher gets a bookmark at the
// current revision on request, without waiting for the periodic one.
func TestRequestWatchProgress(t *testing.T) {
	ctx, s, db := testSetup(t, withConfig(func(c *Config) { c.ProgressNotifyInterval = time.Hour }))
	out := &example.Pod{}
	if err := s.Create(ctx, "/pods/ns/a", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}, out, 0); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "/pods/other/", storage.ListOptions{ResourceVersion: out.ResourceVersion, Recursive: true, ProgressNotify: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	rv := increaseRV(db)(ctx, t)
	if err := db.waitDispatched(ctx, rv); err != nil {
		t.Fatal(err)
	}
	// The watcher may not be live yet when the first request arrives;
	// requests are idempotent, repeat until the bookmark comes.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(wait.ForeverTestTimeout)
	for {
		if err := s.RequestWatchProgress(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-w.ResultChan():
			if ev.Type != watch.Bookmark {
				t.Fatalf("got %s, want BOOKMARK", ev.Type)
			}
			if got := mustRV(t, ev.Object.(*example.Pod).ResourceVersion); got < uint64(rv) {
				t.Errorf("bookmark at %d, want at least %d", got, rv)
			}
			return
		case <-tick.C:
		case <-timeout:
			t.Fatal("no bookmark")
		}
	}
}
