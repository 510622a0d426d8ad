package sqlstore

// Benchmarks at scale: a paged, label-selected list of a large store while
// other writes move the revision on, and many watchers resuming after a
// restart. Sizes come from environment variables (defaults keep `make
// bench` short); results and commands are in docs/benchmarks.md.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/klog/v2"
)

// benchSize reads a positive size from the environment.
func benchSize(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// openScaleStore opens the pod store of the database at path: push-down on
// (benchAttrs), a prefix transformer that counts the values decoded.
func openScaleStore(b *testing.B, path string) (*DB, *store) {
	db, err := Open(context.Background(), Config{Path: path, CompactInterval: -1, SkipIntegrityCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	cfg := podStoreConfig()
	cfg.AttrFunc = benchAttrs
	s, err := db.newStore(cfg)
	if err != nil {
		b.Fatal(err)
	}
	<-s.reindexed
	return db, s
}

// bulkWrite writes n pods through the store's write path (putTx), many per
// transaction: the same rows as Create or an update, built fast. With
// update set, each pod replaces the stored one.
func bulkWrite(b *testing.B, s *store, n int, update bool, pod func(i int) *example.Pod) {
	ctx := context.Background()
	const batch = 5000
	for lo := 0; lo < n; lo += batch {
		reqs := make([]putRequest, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			p := pod(i)
			key := "/pods/" + p.Namespace + "/" + p.Name
			data, err := runtime.Encode(s.codec, p)
			if err != nil {
				b.Fatal(err)
			}
			value, err := s.toStorage(ctx, key, data)
			if err != nil {
				b.Fatal(err)
			}
			reqs = append(reqs, s.putRequest(key, value, 0, 0, p))
		}
		err := s.db.write(ctx, func(ctx context.Context, t *writeTx) error {
			for _, req := range reqs {
				if update {
					if _, err := t.r.queryRow(ctx, stmtObjectRV, []any{&req.expectRV}, req.key); err != nil {
						return err
					}
				}
				if _, err := putTx(ctx, t, req); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPagedLabelList lists, 500 per page, the 1 % of
// FLEET_BENCH_OBJECTS pods (default 100,000) labelled selected=yes, with
// no write between pages, and with a write to another resource between
// pages (every continuation page is then at an older revision than the
// latest). Path=legacy serves those pages as before (no push-down at an
// older revision). decoded/op counts the values decoded per full list.
func BenchmarkPagedLabelList(b *testing.B) {
	klog.SetLogger(logr.Discard())
	total := benchSize(b, "FLEET_BENCH_OBJECTS", 100000)
	path := filepath.Join(b.TempDir(), "fleet.db")
	db, s := openScaleStore(b, path)
	start := time.Now()
	bulkWrite(b, s, total, false, func(i int) *example.Pod {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%100), Name: fmt.Sprintf("pod-%07d", i),
			Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%7)}}}
		if i%100 == 0 {
			pod.Labels["selected"] = "yes"
		}
		pod.Spec.NodeName = fmt.Sprintf("node-%d", i%1000)
		return pod
	})
	b.Logf("fixture: %d pods written in %s", total, time.Since(start).Round(time.Second))
	other := otherStore(b, db, "/others/", benchAttrs)
	reads := s.getTransformer().(*storagetesting.PrefixTransformer)
	selector := labels.SelectorFromSet(labels.Set{"selected": "yes"})
	writes := 0
	for _, c := range []struct {
		name          string
		legacy, write bool
	}{
		{name: "Path=pushdown/Writes=none"},
		{name: "Path=pushdown/Writes=between-pages", write: true},
		{name: "Path=legacy/Writes=between-pages", legacy: true, write: true},
	} {
		b.Run(c.name, func(b *testing.B) {
			s.legacyHistory = c.legacy
			defer func() { s.legacyHistory = false }()
			reads.GetReadsAndReset()
			pages := 0
			for b.Loop() {
				pred := storage.SelectionPredicate{Label: selector, Field: fields.Everything(), GetAttrs: benchAttrs, Limit: 500}
				got := 0
				for {
					out := &example.PodList{}
					if err := s.GetList(context.Background(), "/pods/", storage.ListOptions{Recursive: true, Predicate: pred}, out); err != nil {
						b.Fatal(err)
					}
					pages++
					got += len(out.Items)
					if out.Continue == "" {
						break
					}
					pred.Continue = out.Continue
					if c.write {
						// The write is not part of the list's time.
						b.StopTimer()
						writes++
						name := fmt.Sprintf("o-%d", writes)
						if err := other.Create(context.Background(), "/others/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, nil, 0); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				}
				if got != total/100 {
					b.Fatalf("listed %d pods, want %d", got, total/100)
				}
			}
			b.ReportMetric(float64(reads.GetReadsAndReset())/float64(b.N), "decoded/op")
			b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
		})
	}
}

// BenchmarkWatchResume resumes FLEET_BENCH_WATCHERS watchers (default
// 10,000), one per namespace as agents watch theirs, from a revision taken
// before one update of every namespace's pod, right after the database was
// reopened (a restart): the time until every watcher has its event.
// Replay=by-revision reads, for each watcher, every event since its
// revision (as before the (key, rv) index); Replay=adaptive is the store's.
func BenchmarkWatchResume(b *testing.B) {
	klog.SetLogger(logr.Discard())
	n := benchSize(b, "FLEET_BENCH_WATCHERS", 10000)
	path := filepath.Join(b.TempDir(), "fleet.db")
	db, s := openScaleStore(b, path)
	pod := func(i int) *example.Pod {
		return &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%05d", i), Name: "agent", Labels: map[string]string{"round": "1"}}}
	}
	bulkWrite(b, s, n, false, pod)
	checkpoint, err := db.CurrentResourceVersion(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	bulkWrite(b, s, n, true, func(i int) *example.Pod { p := pod(i); p.Labels["round"] = "2"; return p })
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	for _, legacy := range []bool{true, false} {
		b.Run(map[bool]string{true: "Replay=by-revision", false: "Replay=adaptive"}[legacy], func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db, s := openScaleStore(b, path)
				s.legacyReplay = legacy
				b.StartTimer()
				resumeWatchers(b, s, n, fmt.Sprint(checkpoint))
				b.StopTimer()
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// resumeWatchers opens n namespace watchers from rv, waits until each has
// received one event, and stops them.
func resumeWatchers(b *testing.B, s *store, n int, rv string) {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			w, err := s.Watch(context.Background(), fmt.Sprintf("/pods/ns-%05d/", i), storage.ListOptions{ResourceVersion: rv, Recursive: true, Predicate: storage.Everything})
			if err != nil {
				errs <- err
				return
			}
			defer w.Stop()
			select {
			case ev := <-w.ResultChan():
				if ev.Type != "MODIFIED" {
					errs <- fmt.Errorf("watcher %d: %s event", i, ev.Type)
				}
			case <-time.After(10 * time.Minute):
				errs <- fmt.Errorf("watcher %d: no event", i)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
