package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/klog/v2"
)

// Config of the database.
type Config struct {
	// Path is the SQLite database file (created if missing, parent dir must exist).
	Path string
	// CompactInterval: how often history older than the previous tick is
	// compacted (default 5m; <0 disables).
	CompactInterval time.Duration
	// ProgressNotifyInterval is how often an idle watcher opened with
	// ListOptions.ProgressNotify (the watch cache) receives a progress
	// bookmark (default 5s).
	ProgressNotifyInterval time.Duration
	// BookmarkInterval is how often an idle watcher that allows bookmarks
	// (Predicate.AllowWatchBookmarks) receives one (default 1m).
	BookmarkInterval time.Duration
	// Sync is how hard commits are pushed to disk (default SyncNormal).
	Sync SyncMode
	// WALSizeLimit is the size in bytes SQLite truncates the write-ahead log
	// back to when it restarts it (journal_size_limit; default 64 MiB, <0
	// for no limit). The log is also checkpointed and truncated after every
	// compaction (see DB.Compact).
	WALSizeLimit int64
	// Extensions are the tables of other packages that share this database
	// (see Extension).
	Extensions []Extension
	// SkipIntegrityCheck skips PRAGMA quick_check at Open. The check reads
	// the whole file (about a second per few hundred MB); the schema is read
	// either way, which catches a file that is not a database.
	SkipIntegrityCheck bool
}

const (
	defaultCompactInterval        = 5 * time.Minute
	defaultProgressNotifyInterval = 5 * time.Second
	defaultBookmarkInterval       = time.Minute
	// pollInterval bounds how late the poller notices writes committed by
	// another process (future multi-replica PostgreSQL); local commits wake
	// it at once.
	pollInterval = time.Second
	// ttlSweepInterval is how often objects whose TTL expired are deleted.
	ttlSweepInterval = time.Second
	// readinessTimeout bounds ReadinessCheck.
	readinessTimeout = 2 * time.Second
)

func (c Config) withDefaults() Config {
	if c.CompactInterval == 0 {
		c.CompactInterval = defaultCompactInterval
	}
	if c.ProgressNotifyInterval <= 0 {
		c.ProgressNotifyInterval = defaultProgressNotifyInterval
	}
	if c.BookmarkInterval <= 0 {
		c.BookmarkInterval = defaultBookmarkInterval
	}
	switch {
	case c.WALSizeLimit == 0:
		c.WALSizeLimit = defaultWALSizeLimit
	case c.WALSizeLimit < 0:
		c.WALSizeLimit = -1
	}
	return c
}

// DB is one database shared by the stores of every resource: one global
// revision counter, one event history, one poller that fans events out to
// the watchers of all stores.
type DB struct {
	cfg     Config
	dialect dialect
	pools   *pools
	writer  *pool
	reader  *pool
	// checkpointer is the connection of checkpointWAL (nil if the engine
	// has none).
	checkpointer *pool

	commits *committer
	hub     *hub
	poller  *poller

	// subs are the channels of Commits.
	subsMu sync.Mutex
	subs   []chan struct{}

	// compactRV is the last compacted revision observed (local compaction or
	// a compaction marker read by the poller).
	compactRV atomic.Int64

	// done is closed when Close starts; background goroutines and watchers
	// stop on it.
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

// Open opens (creating/migrating) the database and starts the background
// event poller/compactor. Errors are one-line reasons that name the file.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	registerMetrics()
	cfg = cfg.withDefaults()
	if cfg.Path == "" {
		return nil, errors.New("open database: path is empty")
	}
	fail := func(err error) (*DB, error) {
		return nil, fmt.Errorf("open database %q: %w", cfg.Path, err)
	}
	sync, err := ParseSyncMode(string(cfg.Sync))
	if err != nil {
		return fail(err)
	}
	cfg.Sync = sync
	d := sqliteDialect{}
	p, err := d.open(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	db := &DB{
		cfg:     cfg,
		dialect: d,
		pools:   p,
		writer:  &pool{db: p.writer},
		reader:  &pool{db: p.reader},
		done:    make(chan struct{}),
	}
	if p.checkpoint != nil {
		db.checkpointer = &pool{db: p.checkpoint}
	}
	rv, compactRV, err := db.initialize(ctx)
	if err != nil {
		_ = db.closePools()
		return fail(err)
	}
	db.compactRV.Store(compactRV)
	db.hub = newHub(rv)
	db.commits = newCommitter(db)
	db.poller = newPoller(db, rv)
	db.start(db.commits.run)
	db.start(db.poller.run)
	db.start(db.maintain)
	klog.V(2).InfoS("Opened database", "path", cfg.Path, "dialect", d.name(), "sync", cfg.Sync, "resourceVersion", rv, "compactedResourceVersion", compactRV)
	return db, nil
}

func (db *DB) start(fn func()) {
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		fn()
	}()
}

// initialize checks the file, migrates the schema and reads the revisions.
func (db *DB) initialize(ctx context.Context) (rv, compactRV int64, err error) {
	if err := db.checkIntegrity(ctx); err != nil {
		return 0, 0, err
	}
	if err := db.checkSettings(ctx); err != nil {
		return 0, 0, openError(err)
	}
	if err := db.migrate(ctx); err != nil {
		return 0, 0, openError(err)
	}
	r := runner{db: db, pool: db.writer}
	if _, err := r.queryRow(ctx, stmtGetMeta, []any{&rv}, metaRV); err != nil {
		return 0, 0, openError(err)
	}
	if _, err := r.queryRow(ctx, stmtGetMeta, []any{&compactRV}, metaCompactRV); err != nil {
		return 0, 0, openError(err)
	}
	for _, p := range []*pool{db.writer, db.reader} {
		if err := db.prepareAll(ctx, p); err != nil {
			return 0, 0, openError(err)
		}
		if err := db.prepareExtensions(ctx, p); err != nil {
			return 0, 0, openError(err)
		}
	}
	if db.checkpointer != nil {
		if err := db.prepare(ctx, db.checkpointer, stmtWALCheckpoint); err != nil {
			return 0, 0, openError(err)
		}
	}
	return rv, compactRV, nil
}

// checkIntegrity reads the schema and, unless disabled, runs the engine's
// quick integrity check.
func (db *DB) checkIntegrity(ctx context.Context) error {
	r := runner{db: db, pool: db.writer}
	var n int64
	if _, err := r.queryRow(ctx, stmtPing, []any{&n}); err != nil {
		return openError(err)
	}
	if db.cfg.SkipIntegrityCheck || db.text(stmtQuickCheck) == "" {
		return nil
	}
	var result string
	if _, err := r.queryRow(ctx, stmtQuickCheck, []any{&result}); err != nil {
		return openError(err)
	}
	if !db.dialect.quickCheckOK(result) {
		return &DBError{class: classCorrupt, err: fmt.Errorf("integrity check failed: %s", strings.ReplaceAll(result, "\n", "; "))}
	}
	return nil
}

// openError turns a statement failure during Open into a one-line reason.
func openError(err error) error {
	var dbErr *DBError
	if !errors.As(err, &dbErr) {
		return err
	}
	switch dbErr.class {
	case classNotADatabase:
		return &DBError{class: dbErr.class, err: errors.New("file is not a database")}
	case classCorrupt:
		return &DBError{class: dbErr.class, err: errors.New("database disk image is malformed")}
	case classReadOnly, classCantOpen:
		return &DBError{class: dbErr.class, err: errors.New("database is read-only")}
	case classFull:
		return &DBError{class: dbErr.class, err: errors.New("disk is full")}
	}
	return err
}

// Close stops the background goroutines, ends every watcher and closes the
// database. It is safe to call more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.done)
		db.wg.Wait()
		db.hub.closeAll()
		db.closeErr = db.closePools()
	})
	return db.closeErr
}

// closePools closes the prepared statements, then the connections, then
// releases the lock.
func (db *DB) closePools() error {
	for _, p := range []*pool{db.checkpointer, db.reader, db.writer} {
		if p != nil {
			p.close()
		}
	}
	return db.pools.close()
}

// closed reports whether Close has started.
func (db *DB) closed() bool {
	select {
	case <-db.done:
		return true
	default:
		return false
	}
}

// CurrentResourceVersion returns the revision of the last committed write.
func (db *DB) CurrentResourceVersion(ctx context.Context) (uint64, error) {
	if db.closed() {
		return 0, ErrClosed
	}
	var rv int64
	if _, err := db.read().queryRow(ctx, stmtGetMeta, []any{&rv}, metaRV); err != nil {
		return 0, err
	}
	return uint64(rv), nil
}

// CompactedResourceVersion returns the last compacted revision observed.
func (db *DB) CompactedResourceVersion() int64 { return db.compactRV.Load() }

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	if db.closed() {
		return ErrClosed
	}
	var n int64
	_, err := db.read().queryRow(ctx, stmtPing, []any{&n})
	return err
}
