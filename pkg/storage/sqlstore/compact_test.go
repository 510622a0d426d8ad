package sqlstore

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestCompactionKeepsCurrentObjects writes a history (creates, updates,
// deletes, re-creates), compacts to the latest revision and checks that
// every current object is intact, the history is gone, and older revisions
// answer 410.
func TestCompactionKeepsCurrentObjects(t *testing.T) {
	ctx, s, db := testSetup(t)
	want := map[string]*example.Pod{}
	for i := range 20 {
		name := fmt.Sprintf("pod-%02d", i)
		out := &example.Pod{}
		if err := s.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, out, 0); err != nil {
			t.Fatal(err)
		}
		want[name] = out
	}
	oldRV := want["pod-19"].ResourceVersion
	for round := range 3 {
		for i := 0; i < 20; i += 2 {
			name := fmt.Sprintf("pod-%02d", i)
			out := &example.Pod{}
			if err := s.GuaranteedUpdate(ctx, "/pods/ns/"+name, out, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
				pod := obj.(*example.Pod)
				pod.Annotations = map[string]string{"round": strconv.Itoa(round)}
				return pod, nil
			}), nil); err != nil {
				t.Fatal(err)
			}
			want[name] = out
		}
	}
	for i := 1; i < 20; i += 4 {
		name := fmt.Sprintf("pod-%02d", i)
		if err := s.Delete(ctx, "/pods/ns/"+name, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		delete(want, name)
	}
	recreated := &example.Pod{}
	if err := s.Create(ctx, "/pods/ns/pod-01", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pod-01"}}, recreated, 0); err != nil {
		t.Fatal(err)
	}
	want["pod-01"] = recreated

	current, err := db.CurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eventsBefore := countRows(ctx, t, db, "events")
	if err := db.Compact(ctx, int64(current)); err != nil {
		t.Fatal(err)
	}
	if got := s.CompactRevision(); got != int64(current) {
		t.Errorf("CompactRevision() = %d, want %d", got, current)
	}
	// What is left: one event per live object plus the compaction marker.
	if got, wantRows := countRows(ctx, t, db, "events"), int64(len(want)+1); got != wantRows {
		t.Errorf("events after compaction = %d (before: %d), want %d", got, eventsBefore, wantRows)
	}

	for name, pod := range want {
		got := &example.Pod{}
		if err := s.Get(ctx, "/pods/ns/"+name, storage.GetOptions{}, got); err != nil {
			t.Fatalf("Get %s after compaction: %v", name, err)
		}
		expectNoDiff(t, "object after compaction", pod, got)
	}
	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{
		Recursive: true, Predicate: storage.Everything,
		ResourceVersion: strconv.FormatUint(current, 10), ResourceVersionMatch: metav1.ResourceVersionMatchExact,
	}, list); err != nil {
		t.Fatalf("list at the compacted revision: %v", err)
	}
	if len(list.Items) != len(want) {
		t.Errorf("list at the compacted revision has %d items, want %d", len(list.Items), len(want))
	}

	err = s.GetList(ctx, "/pods/", storage.ListOptions{
		Recursive: true, Predicate: storage.Everything,
		ResourceVersion: oldRV, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
	}, &example.PodList{})
	if !isStatus(err, http.StatusGone) {
		t.Errorf("list at a compacted revision: %v, want 410 Gone", err)
	}
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: oldRV, Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev := <-w.ResultChan()
	if status, ok := ev.Object.(*metav1.Status); ev.Type != watch.Error || !ok || status.Code != http.StatusGone {
		t.Errorf("watch from a compacted revision: %s %#v, want a 410 ERROR", ev.Type, ev.Object)
	}
	// Compacting again to the same revision is a no-op.
	if err := db.Compact(ctx, int64(current)); err != nil {
		t.Fatal(err)
	}
}

func countRows(ctx context.Context, t *testing.T, db *DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.reader.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func isStatus(err error, code int32) bool {
	status, ok := err.(interface{ Status() metav1.Status })
	return ok && status.Status().Code == code
}
