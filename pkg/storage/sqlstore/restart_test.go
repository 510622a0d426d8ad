package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRestartKeepsStateAndHistory writes, closes, reopens the same file and
// checks that objects, revisions and the watch history survived: a watch
// from a revision taken before the restart replays what happened after it.
func TestRestartKeepsStateAndHistory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.newStore(podStoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]*example.Pod{}
	for i := range 3 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("pod-%d", i)}}
		out := &example.Pod{}
		if err := s.Create(ctx, "/pods/ns/"+pod.Name, pod, out, 0); err != nil {
			t.Fatal(err)
		}
		created[pod.Name] = out
	}
	checkpoint := created["pod-2"].ResourceVersion

	// After the checkpoint: an update and a delete.
	updated := &example.Pod{}
	if err := s.GuaranteedUpdate(ctx, "/pods/ns/pod-0", updated, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		pod := obj.(*example.Pod)
		pod.Labels = map[string]string{"updated": "true"}
		return pod, nil
	}), nil); err != nil {
		t.Fatal(err)
	}
	deleted := &example.Pod{}
	if err := s.Delete(ctx, "/pods/ns/pod-1", deleted, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	before := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, before); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openTestDB(t, Config{Path: path})
	s, err = db.newStore(podStoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	after := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, after); err != nil {
		t.Fatal(err)
	}
	expectNoDiff(t, "list after restart", before, after)
	got := &example.Pod{}
	if err := s.Get(ctx, "/pods/ns/pod-0", storage.GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	expectNoDiff(t, "pod-0 after restart", updated, got)

	// The same revisions are still served, exactly.
	atCheckpoint := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{
		Recursive: true, Predicate: storage.Everything,
		ResourceVersion: checkpoint, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
	}, atCheckpoint); err != nil {
		t.Fatal(err)
	}
	if len(atCheckpoint.Items) != 3 {
		t.Errorf("list at the checkpoint returned %d pods, want 3", len(atCheckpoint.Items))
	}

	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: checkpoint, Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	expectEvent(t, w, watch.Event{Type: watch.Modified, Object: updated})
	expectEvent(t, w, watch.Event{Type: watch.Deleted, Object: deleted})

	// New writes continue the same revision sequence.
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pod-3"}}
	out := &example.Pod{}
	if err := s.Create(ctx, "/pods/ns/pod-3", pod, out, 0); err != nil {
		t.Fatal(err)
	}
	if mustRV(t, out.ResourceVersion) <= mustRV(t, after.ResourceVersion) {
		t.Errorf("revision after restart %s is not after %s", out.ResourceVersion, after.ResourceVersion)
	}
	expectEvent(t, w, watch.Event{Type: watch.Added, Object: out})
}

func expectEvent(t *testing.T, w watch.Interface, want watch.Event) {
	t.Helper()
	select {
	case got, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed, want %s", want.Type)
		}
		expectNoDiff(t, "watch event", want, got)
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatalf("no %s event within %v", want.Type, wait.ForeverTestTimeout)
	}
}

func mustRV(t *testing.T, rv string) uint64 {
	t.Helper()
	v, err := storage.APIObjectVersioner{}.ParseResourceVersion(rv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
