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
)

// podAttrs is the AttrFunc of the push-down tests: labels and two fields.
func podAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pod, ok := obj.(*example.Pod)
	if !ok {
		return nil, nil, fmt.Errorf("not a pod: %T", obj)
	}
	return labels.Set(pod.Labels), fields.Set{
		"metadata.name":      pod.Name,
		"metadata.namespace": pod.Namespace,
		"spec.nodeName":      pod.Spec.NodeName,
		"status.phase":       string(pod.Status.Phase),
	}, nil
}

// TestPushdownMatchesPlainList lists the same objects through a store that
// pushes selectors into SQL and through one that filters everything in Go,
// for every supported operator, with and without pagination.
func TestPushdownMatchesPlainList(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, Config{})
	indexed, err := db.newStore(func() StoreConfig { c := podStoreConfig(); c.AttrFunc = podAttrs; return c }())
	if err != nil {
		t.Fatal(err)
	}
	plain, err := db.newStore(podStoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	apps := []string{"web", "db", "cache"}
	for i := range 120 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{
			Namespace: fmt.Sprintf("ns-%d", i%4),
			Name:      fmt.Sprintf("pod-%03d", i),
			Labels:    map[string]string{"app": apps[i%3]},
		}}
		if i%5 == 0 {
			pod.Labels["tier"] = "gold"
		}
		if i%7 == 0 {
			pod.Labels["empty"] = ""
		}
		pod.Spec.NodeName = fmt.Sprintf("node-%d", i%6)
		if i%2 == 0 {
			pod.Status.Phase = "Running"
		}
		key := fmt.Sprintf("/pods/%s/%s", pod.Namespace, pod.Name)
		if err := indexed.Create(ctx, key, pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Relabel some objects so that updates of the side tables are covered.
	for i := 0; i < 120; i += 9 {
		key := fmt.Sprintf("/pods/ns-%d/pod-%03d", i%4, i)
		if err := indexed.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			pod := obj.(*example.Pod)
			delete(pod.Labels, "tier")
			pod.Labels["app"] = "batch"
			pod.Spec.NodeName = "node-x"
			return pod, nil
		}), nil); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name     string
		label    string
		field    string
		wantPush bool
	}{
		{name: "label equals", label: "app=web", wantPush: true},
		{name: "label double equals", label: "app==db", wantPush: true},
		{name: "label not equals", label: "app!=web", wantPush: true},
		{name: "label in", label: "app in (web,batch)", wantPush: true},
		{name: "label in one value", label: "app in (cache)", wantPush: true},
		{name: "label notin", label: "app notin (web,batch)", wantPush: true},
		{name: "label exists", label: "tier", wantPush: true},
		{name: "label does not exist", label: "!tier", wantPush: true},
		{name: "label with empty value", label: "empty=", wantPush: true},
		{name: "label combination", label: "app=web,tier=gold", wantPush: true},
		{name: "label mixed", label: "app in (web,db),!tier,empty", wantPush: true},
		{name: "label greater than is filtered in Go", label: "app>1", wantPush: false},
		{name: "field equals", field: "spec.nodeName=node-3", wantPush: true},
		{name: "field not equals", field: "spec.nodeName!=node-x", wantPush: true},
		{name: "field empty value is filtered in Go", field: "status.phase=", wantPush: false},
		{name: "field the store does not index is filtered in Go", field: "spec.unknown=x", wantPush: false},
		{name: "field metadata is filtered in Go", field: "metadata.namespace=ns-1", wantPush: false},
		{name: "label and field", label: "app=web", field: "status.phase=Running", wantPush: true},
		{name: "label and two fields", label: "tier!=gold", field: "spec.nodeName=node-0,status.phase!=Running", wantPush: true},
	}
	for _, tt := range tests {
		for _, limit := range []int64{0, 1, 7, 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", tt.name, limit), func(t *testing.T) {
				pred := storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything(), GetAttrs: podAttrs, Limit: limit}
				if tt.label != "" {
					sel, err := labels.Parse(tt.label)
					if err != nil {
						t.Fatal(err)
					}
					pred.Label = sel
				}
				if tt.field != "" {
					sel, err := fields.ParseSelector(tt.field)
					if err != nil {
						t.Fatal(err)
					}
					pred.Field = sel
				}
				if got := buildPushdown(pred, indexed.want) != nil; got != tt.wantPush {
					t.Errorf("pushed down = %v, want %v", got, tt.wantPush)
				}
				plainReads := plain.getTransformer().(*storagetesting.PrefixTransformer)
				indexedReads := indexed.getTransformer().(*storagetesting.PrefixTransformer)
				plainReads.GetReadsAndReset()
				indexedReads.GetReadsAndReset()
				want := listAll(ctx, t, plain, pred)
				scanned := plainReads.GetReadsAndReset()
				got := listAll(ctx, t, indexed, pred)
				pushedReads := indexedReads.GetReadsAndReset()
				expectNoDiff(t, "push-down list", names(want), names(got))
				// Every requirement of these cases is indexable: SQL returns
				// exactly the matches, the plain list decodes everything.
				if tt.wantPush && limit == 0 && pushedReads != uint64(len(got)) {
					t.Errorf("push-down decoded %d objects for %d matches (plain list: %d)", pushedReads, len(got), scanned)
				}
			})
		}
	}
}

// listAll pages through a list and returns every item.
func listAll(ctx context.Context, t *testing.T, s *store, pred storage.SelectionPredicate) []example.Pod {
	t.Helper()
	var items []example.Pod
	for {
		out := &example.PodList{}
		if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: pred}, out); err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
		if pred.Limit > 0 && int64(len(out.Items)) > pred.Limit {
			t.Fatalf("page of %d items for limit %d", len(out.Items), pred.Limit)
		}
		if out.Continue == "" {
			return items
		}
		pred.Continue = out.Continue
	}
}

func names(pods []example.Pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}
