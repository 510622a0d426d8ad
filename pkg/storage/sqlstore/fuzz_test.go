package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// FuzzListInputs feeds client-controlled LIST inputs (continue token,
// resourceVersion, label and field selectors) to a real store. It must never
// panic, the selector SQL must bind exactly one argument per placeholder,
// and the pushed-down list must equal the list filtered in Go.
//
// Seeds run with every `go test`; explore with
// `go test -run '^$' -fuzz FuzzListInputs -fuzztime 30s ./pkg/storage/sqlstore/`.
func FuzzListInputs(f *testing.F) {
	token, err := storage.EncodeContinue("/pods/ns-1/pod-3\x00", "/pods/", 5)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(token, "", "app=web", "spec.nodeName=node-1")
	f.Add("", "0", "app in (web,db),!tier", "")
	f.Add("", "3", "tier,app notin (cache)", "spec.nodeName!=node-2")
	f.Add("not-base64!", "", "", "")
	f.Add("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiLi4vLi4vIn0", "", "", "")
	f.Add("", "99999999999999999999", "x=", "a==b,c!=d")
	f.Add("", "-1", "app>1", "status.phase=")

	ctx := context.Background()
	db := openTestDB(f, Config{})
	indexedCfg := podStoreConfig()
	indexedCfg.AttrFunc = podAttrs
	indexed, err := db.newStore(indexedCfg)
	if err != nil {
		f.Fatal(err)
	}
	plain, err := db.newStore(podStoreConfig())
	if err != nil {
		f.Fatal(err)
	}
	for i := range 30 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{
			Namespace: fmt.Sprintf("ns-%d", i%3),
			Name:      fmt.Sprintf("pod-%d", i),
			Labels:    map[string]string{"app": []string{"web", "db", "cache"}[i%3]},
		}}
		if i%4 == 0 {
			pod.Labels["tier"] = "gold"
		}
		pod.Spec.NodeName = fmt.Sprintf("node-%d", i%5)
		if err := indexed.Create(ctx, fmt.Sprintf("/pods/%s/%s", pod.Namespace, pod.Name), pod, nil, 0); err != nil {
			f.Fatal(err)
		}
	}
	// After a checkpoint: relabel, re-node, annotate, delete and create, so
	// that lists at the checkpoint mix untouched keys, keys whose rows did
	// not change, and keys relabelled, deleted or created since.
	checkpoint, err := db.CurrentResourceVersion(ctx)
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 30; i += 2 {
		key := fmt.Sprintf("/pods/ns-%d/pod-%d", i%3, i)
		switch i % 8 {
		case 0:
			err = indexed.Delete(ctx, key, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{})
		default:
			err = indexed.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
				pod := obj.(*example.Pod)
				switch i % 8 {
				case 2:
					pod.Labels["app"] = "batch"
				case 4:
					pod.Spec.NodeName = "node-x"
				default:
					pod.Annotations = map[string]string{"touched": "yes"}
				}
				return pod, nil
			}), nil)
		}
		if err != nil {
			f.Fatal(err)
		}
	}
	if err := indexed.Create(ctx, "/pods/ns-1/pod-new", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns-1", Name: "pod-new", Labels: map[string]string{"app": "web"}}}, nil, 0); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, continueToken, rv, labelSel, fieldSel string) {
		// Arbitrary continue tokens and resource versions: errors are
		// fine, panics are not.
		pred := storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything(), GetAttrs: podAttrs, Limit: 3, Continue: continueToken}
		_ = indexed.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: rv, Recursive: true, Predicate: pred}, &example.PodList{})
		if w, err := indexed.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: rv, Recursive: true, Predicate: storage.Everything}); err == nil {
			w.Stop()
		}

		ls, err := labels.Parse(labelSel)
		if err != nil {
			return
		}
		fs, err := fields.ParseSelector(fieldSel)
		if err != nil {
			return
		}
		pred = storage.SelectionPredicate{Label: ls, Field: fs, GetAttrs: podAttrs}
		if pd := buildPushdown(pred, indexed.want); pd != nil {
			for _, inclusive := range []bool{true, false} {
				query, args := pd.query("/pods/", "/pods0", inclusive, 10)
				if n := strings.Count(query, "?"); n != len(args) {
					t.Fatalf("%d placeholders for %d arguments in %q", n, len(args), query)
				}
				query, args = pd.historyQuery("/pods/", "/pods0", inclusive, 5, 10)
				if n := strings.Count(query, "?"); n != len(args) {
					t.Fatalf("%d placeholders for %d arguments in %q", n, len(args), query)
				}
			}
		}
		want := listAll(ctx, t, plain, pred)
		got := listAll(ctx, t, indexed, pred)
		expectNoDiff(t, fmt.Sprintf("push-down of %q %q", labelSel, fieldSel), names(want), names(got))
		// At the checkpoint, whole and in pages of 2.
		for _, limit := range []int64{0, 2} {
			pred.Limit = limit
			want := listAllAt(ctx, t, plain, pred, checkpoint)
			got := listAllAt(ctx, t, indexed, pred, checkpoint)
			expectNoDiff(t, fmt.Sprintf("push-down of %q %q at the checkpoint, limit %d", labelSel, fieldSel, limit), names(want), names(got))
		}
	})
}

// listAllAt pages through a list at an exact revision.
func listAllAt(ctx context.Context, t *testing.T, s *store, pred storage.SelectionPredicate, rv uint64) []example.Pod {
	t.Helper()
	var items []example.Pod
	opts := storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(rv), ResourceVersionMatch: metav1.ResourceVersionMatchExact}
	for {
		out := &example.PodList{}
		opts.Predicate = pred
		if err := s.GetList(ctx, "/pods/", opts, out); err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
		if out.Continue == "" {
			return items
		}
		pred.Continue = out.Continue
		opts.ResourceVersion, opts.ResourceVersionMatch = "", ""
	}
}
