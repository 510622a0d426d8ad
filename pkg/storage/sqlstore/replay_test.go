package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// queryPlan returns SQLite's plan of a statement, one step per line.
func queryPlan(t *testing.T, db *DB, id stmtID) string {
	t.Helper()
	text := db.text(id)
	args := make([]any, strings.Count(text, "?"))
	for i := range args {
		args[i] = "x"
	}
	rows, err := db.reader.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+text, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "\n")
}

// watchEvents opens a watch from rv and returns the first n events.
func watchEvents(ctx context.Context, t *testing.T, s *store, key string, recursive bool, rv string, n int) []string {
	t.Helper()
	w, err := s.Watch(ctx, key, storage.ListOptions{ResourceVersion: rv, Recursive: recursive, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got []string
	for len(got) < n {
		select {
		case ev := <-w.ResultChan():
			pod := ev.Object.(*example.Pod)
			got = append(got, fmt.Sprintf("%s %s/%s", ev.Type, pod.Namespace, pod.Name))
		case <-time.After(wait.ForeverTestTimeout):
			t.Fatalf("watch of %s: %d events, want %d", key, len(got), n)
		}
	}
	return got
}

// TestReplayReadsOnlyTheWatchedRange resumes watches after 600 writes to a
// busy namespace. The watch of a quiet namespace reads its own events
// through the (key, rv) index instead of every event since its revision;
// the watch of the busy namespace, whose history is longer than the
// revisions to replay, reads the revision range; a single-key watch always
// uses the index.
func TestReplayReadsOnlyTheWatchedRange(t *testing.T) {
	ctx, s, db := testSetup(t)
	create := func(ns, name string) {
		if err := s.Create(ctx, "/pods/"+ns+"/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	touch := func(n int) {
		for i := range n {
			update(ctx, t, s, "/pods/busy/pod", func(p *example.Pod) { p.Annotations = map[string]string{"n": fmt.Sprint(i)} })
		}
	}
	create("quiet", "pod-a")
	create("busy", "pod")
	touch(300)
	checkpoint, err := db.CurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rv := fmt.Sprint(checkpoint)
	touch(300)
	create("quiet", "pod-b")
	update(ctx, t, s, "/pods/quiet/pod-a", func(p *example.Pod) { p.Labels = map[string]string{"x": "y"} })

	byKey, byRev := statementCount(t, "replay_prefix_by_key"), statementCount(t, "replay_prefix")
	expectNoDiff(t, "quiet namespace", []string{"ADDED quiet/pod-b", "MODIFIED quiet/pod-a"}, watchEvents(ctx, t, s, "/pods/quiet/", true, rv, 2))
	if statementCount(t, "replay_prefix_by_key") == byKey || statementCount(t, "replay_prefix") != byRev {
		t.Error("the quiet namespace was not replayed through the (key, rv) index")
	}
	byKey, byRev = statementCount(t, "replay_prefix_by_key"), statementCount(t, "replay_prefix")
	if got := watchEvents(ctx, t, s, "/pods/busy/", true, rv, 300); got[299] != "MODIFIED busy/pod" {
		t.Errorf("busy namespace: last event %q", got[299])
	}
	if statementCount(t, "replay_prefix") == byRev || statementCount(t, "replay_prefix_by_key") != byKey {
		t.Error("the busy namespace was not replayed by revision range")
	}
	expectNoDiff(t, "single key", []string{"MODIFIED quiet/pod-a"}, watchEvents(ctx, t, s, "/pods/quiet/pod-a", false, rv, 1))

	for _, id := range []stmtID{stmtReplayKey, stmtReplayPrefixByKey, stmtGetObjectAt} {
		if plan := queryPlan(t, db, id); !strings.Contains(plan, "INDEX events_key_rv") {
			t.Errorf("%s does not use the (key, rv) index:\n%s", statements[id].name, plan)
		}
	}
	if plan := queryPlan(t, db, stmtReplayPrefix); strings.Contains(plan, "events_key_rv") {
		t.Errorf("replay by revision range walks the key index:\n%s", plan)
	}
}
