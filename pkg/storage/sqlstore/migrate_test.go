package sqlstore

import (
	"context"
	"database/sql"
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

// writeVersion1Database writes a database as schema version 1 left it (no
// events index, no objects.attrs_rv, no attr_index): pods ns-a/pod-0..4
// labelled app=<a|b> in the side tables, then one update of ns-b/pod-5.
// It returns the revision before the update.
func writeVersion1Database(t *testing.T, path string) int64 {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	for _, stmt := range (sqliteDialect{}).schema() {
		exec(stmt)
	}
	cfg := podStoreConfig()
	encode := func(pod *example.Pod) []byte {
		data, err := runtime.Encode(cfg.Codec, pod)
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte(testPrefix), data...)
	}
	rv := int64(initialRV)
	for i := range 6 {
		rv++
		ns := map[bool]string{true: "ns-a", false: "ns-b"}[i < 5]
		app := map[bool]string{true: "a", false: "b"}[i%2 == 0]
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("pod-%d", i), Labels: map[string]string{"app": app}}}
		key := fmt.Sprintf("/pods/%s/pod-%d", ns, i)
		value := encode(pod)
		exec(`INSERT INTO events (rv, key, type, value, prev_rv) VALUES (?, ?, 1, ?, NULL)`, rv, key, value)
		exec(`INSERT INTO objects (key, rv, size) VALUES (?, ?, ?)`, key, rv, len(value))
		exec(`INSERT INTO labels (key, name, value) VALUES (?, 'app', ?)`, key, app)
	}
	before := rv
	rv++
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns-b", Name: "pod-5", Labels: map[string]string{"app": "c"}}}
	exec(`INSERT INTO events (rv, key, type, value, prev_rv) VALUES (?, '/pods/ns-b/pod-5', 2, ?, ?)`, rv, encode(pod), before)
	exec(`UPDATE objects SET rv = ? WHERE key = '/pods/ns-b/pod-5'`, rv)
	exec(`UPDATE labels SET value = 'c' WHERE key = '/pods/ns-b/pod-5'`)
	for name, value := range map[string]int64{metaRV: rv, metaCompactRV: 0, metaSchemaVersion: 1} {
		exec(`INSERT INTO meta (name, value) VALUES (?, ?)`, name, value)
	}
	return before
}

// TestMigrateVersion1Database opens a database written by schema version 1:
// the migrations add the events (key, rv) index and objects.attrs_rv, the
// store re-indexes the resource (nothing recorded its side tables), and
// lists, historical lists and watch replay work on the old data.
func TestMigrateVersion1Database(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.db")
	before := writeVersion1Database(t, path)
	db, s := openPods(t, path, podAttrs)
	<-s.reindexed
	r := db.read()
	var version, unset, index int64
	for _, q := range []struct {
		query string
		dest  *int64
	}{
		{`SELECT value FROM meta WHERE name = 'schema_version'`, &version},
		{`SELECT COUNT(*) FROM objects WHERE attrs_rv IS NULL OR attrs_rv <> rv`, &unset},
		{`SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'events_key_rv'`, &index},
	} {
		if err := r.pool.db.QueryRowContext(ctx, q.query).Scan(q.dest); err != nil {
			t.Fatal(err)
		}
	}
	if version != latestSchemaVersion() || unset != 0 || index != 1 {
		t.Fatalf("schema_version=%d (want %d), objects without attrs_rv=%d, events_key_rv indexes=%d", version, latestSchemaVersion(), unset, index)
	}

	reads := s.getTransformer().(*storagetesting.PrefixTransformer)
	list := func(rv string, sel string) []string {
		t.Helper()
		reads.GetReadsAndReset()
		out := &example.PodList{}
		opts := storage.ListOptions{Recursive: true, ResourceVersion: rv, Predicate: storage.SelectionPredicate{Label: labels.SelectorFromSet(labels.Set{"app": sel}), Field: fields.Everything(), GetAttrs: podAttrs}}
		if rv != "" {
			opts.ResourceVersionMatch = metav1.ResourceVersionMatchExact
		}
		if err := s.GetList(ctx, "/pods/", opts, out); err != nil {
			t.Fatal(err)
		}
		if n := reads.GetReadsAndReset(); n != uint64(len(out.Items)) {
			t.Errorf("list app=%s at %q decoded %d values for %d items", sel, rv, n, len(out.Items))
		}
		return names(out.Items)
	}
	expectNoDiff(t, "app=a", []string{"ns-a/pod-0", "ns-a/pod-2", "ns-a/pod-4"}, list("", "a"))
	expectNoDiff(t, "app=c", []string{"ns-b/pod-5"}, list("", "c"))
	// At the revision before the update, pod-5 was app=b: its version then
	// is decoded and filtered in Go (its rows changed since).
	reads.GetReadsAndReset()
	out := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(before), ResourceVersionMatch: metav1.ResourceVersionMatchExact,
		Predicate: storage.SelectionPredicate{Label: labels.SelectorFromSet(labels.Set{"app": "b"}), Field: fields.Everything(), GetAttrs: podAttrs}}, out); err != nil {
		t.Fatal(err)
	}
	expectNoDiff(t, "app=b before the update", []string{"ns-a/pod-1", "ns-a/pod-3", "ns-b/pod-5"}, names(out.Items))
	expectNoDiff(t, "replay of ns-b", []string{"MODIFIED ns-b/pod-5"}, watchEvents(ctx, t, s, "/pods/ns-b/", true, fmt.Sprint(before), 1))
}
