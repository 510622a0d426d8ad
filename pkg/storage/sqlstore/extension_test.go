package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	testInsert = &Statement{Name: "test_insert", SQL: `INSERT INTO things (id, rv, note) VALUES (?, ?, ?)`}
	testSelect = &Statement{Name: "test_select", SQL: `SELECT id, rv, note FROM things ORDER BY id`}
	testCount  = &Statement{Name: "test_count", SQL: `SELECT count(*) FROM things`}
	testPurge  = &Statement{Name: "test_purge", SQL: `DELETE FROM things WHERE rv <= ?`}
)

func thingsExtension(compacted *[]int64) Extension {
	return Extension{
		Name:   "things",
		Schema: []string{`CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, rv INTEGER NOT NULL)`},
		Migrations: []ExtensionMigration{
			{Version: 1, Name: "note column", Statements: []string{`ALTER TABLE things ADD COLUMN note TEXT`}},
		},
		Statements: []*Statement{testInsert, testSelect, testCount},
		Compacted: func(ctx context.Context, tx *WriteTx, rv int64) error {
			*compacted = append(*compacted, rv)
			_, err := tx.Exec(ctx, testPurge, rv)
			return err
		},
	}
}

// TestExtension: an extension's tables are created and migrated at Open, once; its writes take
// revisions from the same counter as the store's, in commit order; a failed write leaves nothing;
// reads see a snapshot; commits are announced; compaction reaches it.
func TestExtension(t *testing.T) {
	var compacted []int64
	path := filepath.Join(t.TempDir(), "fleet.db")
	ctx := context.Background()
	db := openTestDB(t, Config{Path: path, Extensions: []Extension{thingsExtension(&compacted)}})
	commits := db.Commits()

	before, err := db.writeRaw(ctx, "/pods/a", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	var thingRV int64
	if err := db.Write(ctx, func(ctx context.Context, tx *WriteTx) error {
		thingRV = tx.NextRV()
		_, err := tx.Exec(ctx, testInsert, 1, thingRV, "first")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	after, err := db.writeRaw(ctx, "/pods/b", []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	if thingRV != before+1 || after != thingRV+1 {
		t.Errorf("revisions %d, %d, %d: want one sequence", before, thingRV, after)
	}
	select {
	case <-commits:
	default:
		t.Error("no commit announced")
	}

	boom := errors.New("boom")
	if err := db.Write(ctx, func(ctx context.Context, tx *WriteTx) error {
		tx.NextRV()
		if _, err := tx.Exec(ctx, testInsert, 2, 0, "rolled back"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	next, err := db.writeRaw(ctx, "/pods/c", []byte("c"))
	if err != nil {
		t.Fatal(err)
	}
	if next != after+1 {
		t.Errorf("a failed write kept its revision: next is %d after %d", next, after)
	}

	var n, rv int64
	if err := db.Read(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.QueryRow(ctx, testCount, nil, &n); err != nil {
			return err
		}
		rv, err = tx.Revision(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 || rv != next {
		t.Errorf("read %d things at revision %d, want 1 at %d", n, rv, next)
	}

	if err := db.Compact(ctx, thingRV); err != nil {
		t.Fatal(err)
	}
	if len(compacted) != 1 || compacted[0] != thingRV {
		t.Errorf("compacted %v, want [%d]", compacted, thingRV)
	}
	if err := db.Read(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.QueryRow(ctx, testCount, nil, &n)
		return err
	}); err != nil || n != 0 {
		t.Errorf("after compaction %d things (%v), want the extension's own purge", n, err)
	}
}

// TestCompactToAnExtensionRevision: compaction up to a revision that only an extension wrote (no
// event carries it) returns: the poller passes revisions without events.
func TestCompactToAnExtensionRevision(t *testing.T) {
	var compacted []int64
	db := openTestDB(t, Config{Extensions: []Extension{thingsExtension(&compacted)}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rv int64
	if err := db.Write(ctx, func(ctx context.Context, tx *WriteTx) error {
		rv = tx.NextRV()
		_, err := tx.Exec(ctx, testInsert, 1, rv, "last")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(ctx, rv); err != nil {
		t.Fatalf("compacting to the extension's revision %d: %v", rv, err)
	}
	if len(compacted) != 1 || compacted[0] != rv {
		t.Errorf("compacted %v", compacted)
	}
}

// TestExtensionMigrations: migrations run once, in order, recorded per extension; a database of a
// newer binary is refused.
func TestExtensionMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet.db")
	ctx := context.Background()
	var compacted []int64
	ext := thingsExtension(&compacted)
	db, err := Open(ctx, Config{Path: path, Extensions: []Extension{ext}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening does not run version 1 again (ADD COLUMN would fail); version 2 runs.
	ext.Migrations = append(ext.Migrations, ExtensionMigration{Version: 2, Name: "index", Statements: []string{`CREATE INDEX things_rv ON things (rv)`}})
	db, err = Open(ctx, Config{Path: path, Extensions: []Extension{ext}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, func(ctx context.Context, tx *WriteTx) error {
		_, err := tx.Exec(ctx, testInsert, 1, tx.NextRV(), "note")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := db.Read(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.Query(ctx, testSelect, nil, func(scan func(...any) error) error {
			var id, rv int64
			var note string
			if err := scan(&id, &rv, &note); err != nil {
				return err
			}
			got = append(got, note)
			return nil
		})
	}); err != nil || len(got) != 1 || got[0] != "note" {
		t.Errorf("rows %v (%v)", got, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ext.Migrations = ext.Migrations[:1]
	if db, err := Open(ctx, Config{Path: path, Extensions: []Extension{ext}}); err == nil {
		_ = db.Close()
		t.Fatal("an extension older than its database opened")
	} else if !strings.Contains(err.Error(), "extension things: schema version 2 is newer than this binary supports (1)") {
		t.Errorf("error %v", err)
	}
}
