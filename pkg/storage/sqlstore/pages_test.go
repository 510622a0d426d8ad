package sqlstore

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/component-base/metrics/testutil"
)

// pagedStore is a store of n pods with push-down on, in 7 namespaces;
// every 100th pod carries sel=yes and runs on node-sel.
func pagedStore(t *testing.T, n int) (context.Context, *store, *DB) {
	t.Helper()
	ctx, s, db := testSetup(t, withAttrFunc(podAttrs))
	for i := range n {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%7), Name: fmt.Sprintf("pod-%05d", i)}}
		if i%100 == 0 {
			pod.Labels = map[string]string{"sel": "yes"}
			pod.Spec.NodeName = "node-sel"
		}
		if err := s.Create(ctx, pagedKey(i), pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, s, db
}

func pagedKey(i int) string { return fmt.Sprintf("/pods/ns-%d/pod-%05d", i%7, i) }

// update rewrites one pod through the store.
func update(ctx context.Context, t *testing.T, s *store, key string, fn func(*example.Pod)) {
	t.Helper()
	if err := s.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		pod := obj.(*example.Pod)
		fn(pod)
		return pod, nil
	}), nil); err != nil {
		t.Fatal(err)
	}
}

// TestPagesDecodeOnlyWhatTheyReturn pages through the 1 % of 3,000 pods
// selected by a label or a field, 5 per page, and counts the values each
// page decodes (reads through the transformer). Writes between pages move
// the revision on, so every continuation page is served at an older
// revision than the latest: it must still push the selector down. Writes
// that keep an object's labels and fields cost nothing; an object relabelled
// or deleted since the list's revision is decoded once, by the page whose
// key range holds it, and filtered in Go.
func TestPagesDecodeOnlyWhatTheyReturn(t *testing.T) {
	const total = 3000
	selectors := map[string]storage.SelectionPredicate{
		"label": {Label: labels.SelectorFromSet(labels.Set{"sel": "yes"}), Field: fields.Everything()},
		"field": {Label: labels.Everything(), Field: fields.OneTermEqualSelector("spec.nodeName", "node-sel")},
	}
	for selName, sel := range selectors {
		for _, writes := range []string{"none", "keeping labels", "relabel and delete"} {
			t.Run(selName+"/writes="+writes, func(t *testing.T) {
				ctx, s, db := pagedStore(t, total)
				other := otherStore(t, db, "/others/", podAttrs)
				plain := otherStore(t, db, "/pods/", nil)
				reads := s.getTransformer().(*storagetesting.PrefixTransformer)
				pred := sel
				pred.GetAttrs, pred.Limit = podAttrs, 5
				var got, touched []string
				var listRV, prevLast string
				pages := 0
				for {
					reads.GetReadsAndReset()
					out := &example.PodList{}
					if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: pred}, out); err != nil {
						t.Fatal(err)
					}
					decoded := int(reads.GetReadsAndReset())
					if listRV == "" {
						listRV = out.ResourceVersion
					}
					last := prevLast
					if len(out.Items) > 0 {
						last = podKey(&out.Items[len(out.Items)-1])
						pages++
					}
					extra := 0
					for _, k := range touched {
						if k > prevLast && (k <= last || out.Continue == "") {
							extra++
						}
					}
					if want := len(out.Items) + extra; decoded != want {
						t.Errorf("page %d: decoded %d values for %d items (want %d)", pages, decoded, len(out.Items), want)
					}
					got = append(got, names(out.Items)...)
					if out.Continue == "" {
						break
					}
					pred.Continue, prevLast = out.Continue, last
					touched = append(touched, writeBetweenPages(ctx, t, s, other, writes, pages)...)
				}
				if pages != total/100/5 {
					t.Errorf("%d non-empty pages, want %d", pages, total/100/5)
				}
				// The pages are the state at the first page's revision, as
				// a store without push-down lists it.
				want := &example.PodList{}
				if err := plain.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, ResourceVersion: listRV, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
					Predicate: storage.SelectionPredicate{Label: sel.Label, Field: sel.Field, GetAttrs: podAttrs}}, want); err != nil {
					t.Fatal(err)
				}
				expectNoDiff(t, "paged list", names(want.Items), got)
			})
		}
	}
}

func podKey(pod *example.Pod) string { return "/pods/" + pod.Namespace + "/" + pod.Name }

// otherStore opens another store on db.
func otherStore(t testing.TB, db *DB, prefix string, attrFunc storage.AttrFunc) *store {
	t.Helper()
	cfg := podStoreConfig()
	cfg.ResourcePrefix, cfg.AttrFunc = prefix, attrFunc
	s, err := db.newStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeBetweenPages writes after page n and returns the keys of the pods it
// relabelled or deleted.
func writeBetweenPages(ctx context.Context, t *testing.T, s, other *store, writes string, n int) []string {
	t.Helper()
	switch writes {
	case "none":
		return nil
	case "keeping labels":
		// Another resource, an unselected and a selected pod: none changes
		// labels or fields.
		name := fmt.Sprintf("o-%d", n)
		if err := other.Create(ctx, "/others/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}, nil, 0); err != nil {
			t.Fatal(err)
		}
		update(ctx, t, s, pagedKey(1001+n), func(p *example.Pod) { p.Annotations = map[string]string{"touched": "yes"} })
		update(ctx, t, s, pagedKey(2900), func(p *example.Pod) { p.Annotations = map[string]string{"touched": fmt.Sprint(n)} })
		return nil
	}
	relabel, victim := pagedKey(1+3*n), pagedKey(1500+n)
	update(ctx, t, s, relabel, func(p *example.Pod) { p.Labels = map[string]string{"sel": "no"}; p.Spec.NodeName = "node-1" })
	if err := s.Delete(ctx, victim, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	return []string{relabel, victim}
}

// statementCount is the number of times a named statement ran.
func statementCount(t *testing.T, name string) uint64 {
	t.Helper()
	n, err := testutil.GetHistogramMetricCount(sqlDuration.WithLabelValues(name))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
