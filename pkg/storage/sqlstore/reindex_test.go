package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
)

// nodeOnlyAttrs is podAttrs before status.phase became selectable.
func nodeOnlyAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	ls, fs, err := podAttrs(obj)
	delete(fs, "status.phase")
	return ls, fs, err
}

// openPods opens the pod store of the database at path with attrFunc.
func openPods(t *testing.T, path string, attrFunc storage.AttrFunc) (*DB, *store) {
	t.Helper()
	db := openTestDB(t, Config{Path: path})
	cfg := podStoreConfig()
	cfg.AttrFunc = attrFunc
	s, err := db.newStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// reopenHeld closes db and makes the re-index of the next store opened
// wait until the returned channel is closed.
func reopenHeld(t *testing.T, db *DB) chan struct{} {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	reindexHook = func() { <-release }
	t.Cleanup(func() { reindexHook = nil })
	return release
}

// selectedList lists the pods matching a field selector and returns their
// names and the number of values decoded.
func selectedList(ctx context.Context, t *testing.T, s *store, field string) ([]string, uint64) {
	t.Helper()
	reads := s.getTransformer().(*storagetesting.PrefixTransformer)
	reads.GetReadsAndReset()
	pred := storage.SelectionPredicate{Label: labels.Everything(), Field: fields.ParseSelectorOrDie(field), GetAttrs: podAttrs}
	got := names(listAll(ctx, t, s, pred))
	return got, reads.GetReadsAndReset()
}

// TestAddedFieldIsReindexed stores pods with an AttrFunc that has no
// status.phase, then reopens the database with one that has it (a new
// selectable field, as BundleDeployments will need). Until the stored
// objects are re-indexed, a selector on the new field is filtered in Go and
// finds the old objects; afterwards it is pushed down and decodes only the
// matches. The field kept from before is pushed down all along, and the set
// is recorded: the next start does not re-index.
func TestAddedFieldIsReindexed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, s := openPods(t, path, nodeOnlyAttrs)
	var running []string
	for i := range 60 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("pod-%02d", i)}}
		pod.Spec.NodeName = fmt.Sprintf("node-%d", i%3)
		if i%4 == 0 {
			pod.Status.Phase = "Running"
			running = append(running, "ns/"+pod.Name)
		}
		if err := s.Create(ctx, "/pods/ns/"+pod.Name, pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	release := reopenHeld(t, db)
	_, s = openPods(t, path, podAttrs)
	got, decoded := selectedList(ctx, t, s, "status.phase=Running")
	expectNoDiff(t, "before re-indexing", running, got)
	if decoded != 60 {
		t.Errorf("before re-indexing, the selector on the new field decoded %d values, want all 60 (filtered in Go)", decoded)
	}
	if got, decoded := selectedList(ctx, t, s, "spec.nodeName=node-1"); len(got) != 20 || decoded != 20 {
		t.Errorf("the field indexed before: %d pods, %d decoded, want 20 pushed down", len(got), decoded)
	}
	// A pod written meanwhile is indexed with the new AttrFunc.
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pod-new"}, Status: example.PodStatus{Phase: "Running"}}
	if err := s.Create(ctx, "/pods/ns/pod-new", pod, nil, 0); err != nil {
		t.Fatal(err)
	}
	running = append(running, "ns/pod-new")
	close(release)
	<-s.reindexed
	got, decoded = selectedList(ctx, t, s, "status.phase=Running")
	expectNoDiff(t, "after re-indexing", running, got)
	if decoded != uint64(len(running)) {
		t.Errorf("after re-indexing, the selector decoded %d values for %d matches", decoded, len(running))
	}
	var indexed, target string
	if _, err := s.db.read().queryRow(ctx, stmtGetAttrIndex, []any{&indexed, &target}, "/pods/"); err != nil {
		t.Fatal(err)
	}
	if want := `{"labels":true,"fields":["spec.nodeName","status.phase"]}`; indexed != want || target != want {
		t.Errorf("recorded indexed=%s target=%s, want both %s", indexed, target, want)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}

	reindexHook = func() { t.Error("re-indexed again although the recorded set did not change") }
	_, s = openPods(t, path, podAttrs)
	<-s.reindexed
	if got, decoded := selectedList(ctx, t, s, "status.phase=Running"); len(got) != len(running) || decoded != uint64(len(running)) {
		t.Errorf("after a restart: %d pods, %d decoded, want %d pushed down", len(got), decoded, len(running))
	}
}

// TestWriterWithoutAttrFuncDropsTheIndex writes through a store without
// AttrFunc (it cannot maintain the side tables): selectors on that resource
// are then filtered in Go, and still find the object it relabelled.
func TestWriterWithoutAttrFuncDropsTheIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, indexed := openPods(t, path, podAttrs)
	plain := otherStore(t, db, "/pods/", nil)
	for i := range 10 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("pod-%d", i)}}
		pod.Spec.NodeName = "node-a"
		if err := indexed.Create(ctx, "/pods/ns/"+pod.Name, pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	update(ctx, t, plain, "/pods/ns/pod-3", func(p *example.Pod) { p.Spec.NodeName = "node-b" })
	got, decoded := selectedList(ctx, t, indexed, "spec.nodeName=node-b")
	expectNoDiff(t, "after a write without AttrFunc", []string{"ns/pod-3"}, got)
	if decoded != 10 {
		t.Errorf("decoded %d values, want all 10 (no push-down on a stale index)", decoded)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The next start with the AttrFunc re-indexes and pushes down again.
	_, indexed = openPods(t, path, podAttrs)
	<-indexed.reindexed
	got, decoded = selectedList(ctx, t, indexed, "spec.nodeName=node-b")
	expectNoDiff(t, "after re-indexing", []string{"ns/pod-3"}, got)
	if decoded != 1 {
		t.Errorf("after re-indexing, decoded %d values for one match", decoded)
	}
}

// TestInterruptedReindexIsRedone opens a database whose re-index towards a
// set without status.phase was interrupted (the record still says every
// object has status.phase rows, but the interrupted re-index deleted some)
// with an AttrFunc that has status.phase: the store must not trust the old
// record, and re-indexes.
func TestInterruptedReindexIsRedone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, s := openPods(t, path, podAttrs)
	for i := range 10 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("pod-%d", i)}, Status: example.PodStatus{Phase: "Running"}}
		if err := s.Create(ctx, "/pods/ns/"+pod.Name, pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	// What a re-index towards nodeOnlyAttrs leaves when interrupted after
	// its first objects.
	err := db.write(ctx, func(ctx context.Context, t *writeTx) error {
		if _, err := t.r.exec(ctx, stmtSetAttrIndex, "/pods/", s.want.encode(), attrSet{Labels: true, Fields: []string{"spec.nodeName"}}.encode()); err != nil {
			return err
		}
		for _, name := range []string{"pod-0", "pod-1", "pod-2"} {
			if _, err := t.r.exec(ctx, stmtDeleteField, "/pods/ns/"+name, "status.phase"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	release := reopenHeld(t, db)
	_, s = openPods(t, path, podAttrs)
	if got, decoded := selectedList(ctx, t, s, "status.phase=Running"); len(got) != 10 || decoded != 10 {
		t.Errorf("before re-indexing: %d pods (want 10), %d decoded", len(got), decoded)
	}
	close(release)
	<-s.reindexed
	if got, decoded := selectedList(ctx, t, s, "status.phase=Running"); len(got) != 10 || decoded != 10 {
		t.Errorf("after re-indexing: %d pods, %d decoded, want 10 pushed down", len(got), decoded)
	}
}
