package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
	"k8s.io/utils/ptr"
)

// countStatements sums the runs of the statements that count the rest of a
// listed range.
func countStatements(t *testing.T) uint64 {
	return statementCount(t, "count_current") + statementCount(t, "count_history")
}

// TestUnfilteredPagesCountOnce pages through 3,000 pods, 100 per page, with
// a write to another resource between pages (so that continuation pages are
// served at an older revision than the latest). Every page carries the exact
// remainingItemCount, and the rest of the range is counted once, for the
// first page, not once per page.
func TestUnfilteredPagesCountOnce(t *testing.T) {
	const total, limit = 3000, 100
	ctx, s, db := pagedStore(t, total)
	other := otherStore(t, db, "/others/", podAttrs)
	pred := storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything(), GetAttrs: podAttrs, Limit: limit}
	// What counting the range once costs in statement runs.
	before := countStatements(t)
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: pred}, &example.PodList{}); err != nil {
		t.Fatal(err)
	}
	once := countStatements(t) - before
	if once == 0 {
		t.Fatal("the first page did not count the rest of the range")
	}
	before = countStatements(t)
	seen := 0
	for page := 1; ; page++ {
		out := &example.PodList{}
		if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: pred}, out); err != nil {
			t.Fatal(err)
		}
		seen += len(out.Items)
		if out.Continue == "" {
			if out.RemainingItemCount != nil {
				t.Errorf("last page: remainingItemCount %d, want none", *out.RemainingItemCount)
			}
			break
		}
		expectNoDiff(t, fmt.Sprintf("page %d remainingItemCount", page), ptr.To(int64(total-seen)), out.RemainingItemCount)
		pred.Continue = out.Continue
		name := fmt.Sprintf("o-%d", page)
		if err := other.Create(ctx, "/others/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	if seen != total {
		t.Errorf("listed %d pods, want %d", seen, total)
	}
	if n := countStatements(t) - before; n != once {
		t.Errorf("the rest of the range was counted %d times for %d pages, want once", n/once, total/limit)
	}
}

// TestWatchListInitialState opens WatchList watches (sendInitialEvents) on
// 3,000 pods, 40 % of them selected, so that their initial state takes
// several internal pages, and writes (to another resource: live events
// of the watched range would be decoded too) while the first page is being
// delivered. The initial state is the state at one revision (the one of the
// initial-events bookmark), its pages are not counted, and they decode only
// the objects they send: the second page, served at an older revision than
// the latest, still pushes the selector down.
func TestWatchListInitialState(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.WatchList, true)
	const total = 3000
	ctx, s, db := testSetup(t, withAttrFunc(podAttrs))
	plain := otherStore(t, db, "/pods/", nil)
	other := otherStore(t, db, "/others/", podAttrs)
	selected := 0
	for i := range total {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%7), Name: fmt.Sprintf("pod-%05d", i)}}
		if i%5 < 2 {
			pod.Labels = map[string]string{"sel": "yes"}
			selected++
		}
		if err := s.Create(ctx, pagedKey(i), pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	if selected <= initialListPage {
		t.Fatalf("%d selected pods fit in one internal page of %d", selected, initialListPage)
	}
	reads := s.getTransformer().(*storagetesting.PrefixTransformer)
	for _, sel := range []labels.Selector{labels.SelectorFromSet(labels.Set{"sel": "yes"}), labels.Everything()} {
		t.Run("selector="+sel.String(), func(t *testing.T) {
			pred := storage.SelectionPredicate{Label: sel, Field: fields.Everything(), GetAttrs: podAttrs}
			want := selected
			if sel.Empty() {
				want = total
			}
			reads.GetReadsAndReset()
			counts := countStatements(t)
			got, bookmarkRV := initialEvents(ctx, t, s, pred, func(n int) {
				name := fmt.Sprintf("o-%s-%d", sel, n)
				if err := other.Create(ctx, "/others/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, nil, 0); err != nil {
					t.Fatal(err)
				}
			})
			if len(got) != want {
				t.Errorf("%d initial events, want %d", len(got), want)
			}
			if n := reads.GetReadsAndReset(); n != uint64(want) {
				t.Errorf("the initial state decoded %d values for %d events", n, want)
			}
			if n := countStatements(t) - counts; n != 0 {
				t.Errorf("the initial state counted the rest of its range (%d statement runs)", n)
			}
			atRV := &example.PodList{}
			if err := plain.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, ResourceVersion: bookmarkRV, ResourceVersionMatch: metav1.ResourceVersionMatchExact, Predicate: pred}, atRV); err != nil {
				t.Fatal(err)
			}
			expectNoDiff(t, "initial state at the bookmark's revision", names(atRV.Items), names(got))
		})
	}
}

// initialEvents opens a WatchList watch, calls write after each of the first
// events it receives, and returns the initial events and the revision of
// the initial-events bookmark.
func initialEvents(ctx context.Context, t *testing.T, s *store, pred storage.SelectionPredicate, write func(n int)) ([]example.Pod, string) {
	t.Helper()
	pred.AllowWatchBookmarks = true
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{Recursive: true, SendInitialEvents: ptr.To(true), Predicate: pred})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got []example.Pod
	for {
		select {
		case ev := <-w.ResultChan():
			switch ev.Type {
			case watch.Added:
				got = append(got, *ev.Object.(*example.Pod))
				if len(got) <= 3 {
					write(len(got))
				}
			case watch.Bookmark:
				return got, ev.Object.(*example.Pod).ResourceVersion
			default:
				t.Fatalf("unexpected event %s: %v", ev.Type, ev.Object)
			}
		case <-time.After(wait.ForeverTestTimeout):
			t.Fatalf("no initial-events bookmark after %d events", len(got))
		}
	}
}
