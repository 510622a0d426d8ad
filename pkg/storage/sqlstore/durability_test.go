package sqlstore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
)

// pragma reads an integer setting back from the writer connection.
func pragma(t *testing.T, db *DB, id stmtID) int64 {
	t.Helper()
	var v int64
	if _, err := (runner{db: db, pool: db.writer}).queryRow(context.Background(), id, []any{&v}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSyncMode: the writer of the opened database runs with the requested
// synchronous setting (NORMAL unless FULL is asked for), and an unknown mode
// is refused with the accepted values.
func TestSyncMode(t *testing.T) {
	for _, tt := range []struct {
		sync SyncMode
		want int64
	}{{"", 1}, {SyncNormal, 1}, {SyncFull, 2}, {"FULL", 2}} {
		db := openTestDB(t, Config{Sync: tt.sync})
		if got := pragma(t, db, stmtPragmaSynchronous); got != tt.want {
			t.Errorf("Sync %q: PRAGMA synchronous = %d, want %d", tt.sync, got, tt.want)
		}
	}

	_, err := Open(context.Background(), Config{Path: t.TempDir() + "/fleet.db", Sync: "extra"})
	if err == nil || !strings.Contains(err.Error(), `unknown sync mode "extra": want one of normal, full`) {
		t.Fatalf("Open with sync mode extra: %v", err)
	}
	assertOneLine(t, err)
}

// holdSnapshot starts a read transaction that stays on the current snapshot
// until the returned function is called: SQLite cannot reset the WAL past it.
func holdSnapshot(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, stop, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.readTx(context.Background(), func(r runner) error {
			var rv int64
			if _, err := r.queryRow(context.Background(), stmtGetMeta, []any{&rv}, metaRV); err != nil {
				return err
			}
			close(started)
			<-stop
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("read transaction: %v", err)
	}
	return func() {
		close(stop)
		if err := <-done; err != nil {
			t.Fatalf("read transaction: %v", err)
		}
	}
}

// writePods creates n pods with about 4 KiB of annotations each.
func writePods(t *testing.T, s *store, prefix string, n int) {
	t.Helper()
	for i := range n {
		name := fmt.Sprintf("%s-%04d", prefix, i)
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name,
			Annotations: map[string]string{"filler": strings.Repeat(name, 4096/len(name))}}}
		if err := s.Create(context.Background(), "/pods/ns/"+name, pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func walSize(t *testing.T, db *DB) int64 {
	t.Helper()
	st, err := os.Stat(db.cfg.Path + "-wal")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestCompactionTruncatesWAL: a WAL grown while a reader held an old snapshot
// is checkpointed and truncated by the next compaction.
func TestCompactionTruncatesWAL(t *testing.T) {
	_, s, db := testSetup(t, withConfig(func(c *Config) { c.CompactInterval = -1 }))
	release := holdSnapshot(t, db)
	writePods(t, s, "pod", 2000)
	release()
	if size := walSize(t, db); size < 8<<20 {
		t.Fatalf("WAL is %d bytes after 8 MiB of writes behind a snapshot; the test needs it to grow", size)
	}
	rv, err := db.CurrentResourceVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(context.Background(), int64(rv)); err != nil {
		t.Fatal(err)
	}
	if size := walSize(t, db); size > 1<<20 {
		t.Fatalf("WAL is %d bytes after compaction, want it truncated", size)
	}
}

// TestWALSizeLimit: when the checkpoint after a compaction cannot truncate the
// WAL (a reader is still on an old snapshot), SQLite truncates it to
// Config.WALSizeLimit once it restarts the log.
func TestWALSizeLimit(t *testing.T) {
	const limit = 1 << 20
	_, s, db := testSetup(t, withConfig(func(c *Config) { c.CompactInterval = -1; c.WALSizeLimit = limit }))
	if got := pragma(t, db, stmtPragmaJournalSizeLimit); got != limit {
		t.Fatalf("PRAGMA journal_size_limit = %d, want %d", got, limit)
	}
	release := holdSnapshot(t, db)
	writePods(t, s, "pod", 2000)
	rv, err := db.CurrentResourceVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(context.Background(), int64(rv)); err != nil {
		t.Fatal(err)
	}
	if size := walSize(t, db); size < 8<<20 {
		t.Fatalf("WAL is %d bytes while a reader holds a snapshot; the test needs it to stay large", size)
	}
	release()
	// The next commits checkpoint the log (auto-checkpoint), restart it
	// from the beginning and truncate the file to the limit.
	writePods(t, s, "after", 3)
	if size := walSize(t, db); size > limit {
		t.Fatalf("WAL is %d bytes, want at most the limit %d", size, limit)
	}
}
