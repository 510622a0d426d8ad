package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDialect is the embedded, pure-Go SQLite engine (modernc.org/sqlite).
//
// One writer connection (journal_mode=WAL, BEGIN IMMEDIATE) serializes write
// transactions; a pool of query_only readers reads snapshots concurrently with
// the writer; one more connection checkpoints the WAL after compactions
// (durability.go). synchronous is Config.Sync: NORMAL (default) survives a
// crash of the process but may lose the last commits on a power loss or
// kernel crash (the database stays consistent), FULL syncs every commit. An
// flock on "<path>.lock" (lock.go) keeps a second process off the file.
type sqliteDialect struct{}

var _ dialect = sqliteDialect{}

func (sqliteDialect) name() string { return "sqlite" }

const (
	sqliteBusyTimeoutMS = 10000
	// sqliteCheckpointBusyTimeoutMS bounds how long the checkpoint after a
	// compaction waits for readers and the writer before it settles for a
	// partial checkpoint: writes wait for it meanwhile.
	sqliteCheckpointBusyTimeoutMS = 250
	// sqliteAutoCheckpointPages: the writer checkpoints (without waiting for
	// anyone) when a commit leaves the WAL above this many pages (SQLite's
	// default, stated here so that it is a decision).
	sqliteAutoCheckpointPages = 1000
	// Page cache per connection, in KiB (negative = KiB for SQLite).
	sqliteWriterCacheKiB = 32768
	sqliteReaderCacheKiB = 8192
)

func (sqliteDialect) open(ctx context.Context, cfg Config) (_ *pools, err error) {
	if strings.ContainsAny(cfg.Path, "?#") {
		return nil, errors.New(`path must not contain "?" or "#"`)
	}
	if err := checkWritable(cfg.Path); err != nil {
		return nil, err
	}
	lock, err := lockDatabase(cfg.Path)
	if err != nil {
		return nil, err
	}
	p := &pools{lock: lock}
	defer func() {
		if err != nil {
			_ = p.close()
		}
	}()
	durable := fmt.Sprintf("_pragma=synchronous(%s)&_pragma=journal_size_limit(%d)", cfg.Sync.pragma(), cfg.WALSizeLimit)
	// Open the writer first: it switches the file to WAL mode, which the
	// other connections then inherit.
	p.writer, err = openSQLite(ctx, cfg.Path, 1, sqliteBusyTimeoutMS,
		fmt.Sprintf("_pragma=journal_mode(WAL)&%s&_pragma=wal_autocheckpoint(%d)&_pragma=cache_size(-%d)&_txlock=immediate",
			durable, sqliteAutoCheckpointPages, sqliteWriterCacheKiB))
	if err != nil {
		return nil, err
	}
	p.reader, err = openSQLite(ctx, cfg.Path, max(4, runtime.GOMAXPROCS(0)), sqliteBusyTimeoutMS,
		fmt.Sprintf("_pragma=query_only(1)&_pragma=cache_size(-%d)", sqliteReaderCacheKiB))
	if err != nil {
		return nil, err
	}
	p.checkpoint, err = openSQLite(ctx, cfg.Path, 1, sqliteCheckpointBusyTimeoutMS, durable)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// openSQLite opens a pool of n connections to path that never expire, with
// the given busy timeout and DSN parameters, and checks that it answers.
func openSQLite(ctx context.Context, path string, n, busyTimeoutMS int, params string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=temp_store(MEMORY)&%s", path, busyTimeoutMS, params))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, sqliteOpenError(err)
	}
	return db, nil
}

// checkWritable turns the usual deployment mistakes into one-line reasons
// before SQLite reports its generic "unable to open database file".
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %q does not exist", dir)
	case err != nil:
		return fmt.Errorf("directory %q: %w", dir, errnoOf(err))
	case !st.IsDir():
		return fmt.Errorf("%q is not a directory", dir)
	}
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return fmt.Errorf("%q is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("file is not writable: %w", errnoOf(err))
		}
		_ = f.Close()
	}
	// WAL mode creates -wal and -shm files next to the database.
	f, err := os.CreateTemp(dir, ".fleet-write-check-*")
	if err != nil {
		return fmt.Errorf("directory %q is not writable: %w", dir, errnoOf(err))
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return nil
}

// errnoOf drops the *PathError wrapper (its path is already in the message).
func errnoOf(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// sqliteOpenError turns a connection failure into a one-line reason.
func sqliteOpenError(err error) error {
	switch (sqliteDialect{}).classify(err) {
	case classNotADatabase:
		return &DBError{class: classNotADatabase, err: errors.New("file is not a database")}
	case classCorrupt:
		return &DBError{class: classCorrupt, err: errors.New("database disk image is malformed")}
	case classCantOpen, classReadOnly:
		return &DBError{class: classReadOnly, err: errors.New("unable to open the database file for writing")}
	}
	return err
}

func (sqliteDialect) schema() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
		// events is the append-only history. rv is the rowid, so appends are
		// sequential; value is NULL for tombstones, prev_rv links an event to
		// the one it replaced (NULL for a creation).
		`CREATE TABLE IF NOT EXISTS events (rv INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value BLOB, prev_rv INTEGER)`,
		// objects is the current state: one row per live key, pointing at its
		// event. Keys compare with the BINARY collation (byte order), which is
		// also the order of continue tokens.
		`CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, rv INTEGER NOT NULL, size INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS objects_expires_at ON objects (expires_at) WHERE expires_at IS NOT NULL`,
		`CREATE TABLE IF NOT EXISTS labels (key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, name)) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS labels_name_value_key ON labels (name, value, key)`,
		`CREATE TABLE IF NOT EXISTS fields (key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, name)) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS fields_name_value_key ON fields (name, value, key)`,
	}
}

func (sqliteDialect) override(id stmtID) string {
	switch id {
	case stmtQuickCheck:
		return `PRAGMA quick_check(1)`
	case stmtPragmaSynchronous:
		return `PRAGMA synchronous`
	case stmtPragmaJournalSizeLimit:
		return `PRAGMA journal_size_limit`
	case stmtWALCheckpoint:
		return `PRAGMA wal_checkpoint(TRUNCATE)`
	}
	return sqliteStatements[id]
}

func (sqliteDialect) rebind(query string) string { return query }

func (sqliteDialect) quickCheckOK(result string) bool { return result == "ok" }

func (sqliteDialect) classify(err error) errClass {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return classCanceled
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return classOther
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return classBusy
	case sqlite3.SQLITE_CORRUPT:
		return classCorrupt
	case sqlite3.SQLITE_NOTADB:
		return classNotADatabase
	case sqlite3.SQLITE_FULL:
		return classFull
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return classReadOnly
	case sqlite3.SQLITE_CANTOPEN:
		return classCantOpen
	case sqlite3.SQLITE_CONSTRAINT:
		return classConstraint
	case sqlite3.SQLITE_INTERRUPT:
		return classCanceled
	}
	return classOther
}
