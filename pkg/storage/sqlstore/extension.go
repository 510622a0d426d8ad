package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// An Extension adds the tables of another package to the database (the
// compact BundleDeployment pairs of pkg/storage/pairs): they share the file,
// the revision counter, the serialized write transaction and compaction with
// every resource of the store. Its Schema is idempotent and runs at every
// Open; its Migrations are an append-only list applied once each, in the
// same transaction as the store's own, and recorded in the meta row
// "schema_version:<Name>".
type Extension struct {
	// Name identifies the extension; it must not change once released.
	Name string
	// Schema are idempotent statements (CREATE TABLE IF NOT EXISTS …).
	Schema []string
	// Migrations are applied in order to databases whose recorded version
	// is lower. Never edit or reorder a released one: append.
	Migrations []ExtensionMigration
	// Statements are the extension's statements, prepared on every pool at
	// Open. A statement not listed here is prepared in the transaction that
	// runs it, each time.
	Statements []*Statement
	// Compacted runs, in a write transaction of its own, after the history
	// up to rv was compacted (an extension deletes its tombstones there).
	Compacted func(ctx context.Context, tx *WriteTx, rv int64) error
}

// ExtensionMigration is one step of an extension's schema history.
type ExtensionMigration struct {
	Version    int64
	Name       string
	Statements []string
}

// Statement is a named SQL statement of an extension ("?" placeholders).
// It is prepared once per connection pool, and every run goes through the
// store's single choke point: timed under its name, logged at V(5), driver
// errors mapped to *DBError. Declare statements as package variables and
// pass their pointers.
type Statement struct {
	Name string
	SQL  string
}

// Tx is a transaction of DB.Read or DB.Write: every statement sees one
// snapshot.
type Tx struct {
	r runner
}

// WriteTx is the serialized write transaction of DB.Write. Revisions are
// allocated in commit order from the same counter as every resource.
type WriteTx struct {
	Tx
	t *writeTx
}

// NextRV allocates the next revision. It is committed with the
// transaction, or given back if the function of DB.Write fails.
func (tx *WriteTx) NextRV() int64 { return tx.t.nextRV() }

// Revision is the revision the snapshot of tx has reached.
func (tx *Tx) Revision(ctx context.Context) (int64, error) {
	var rv int64
	_, err := tx.r.queryRow(ctx, stmtGetMeta, []any{&rv}, metaRV)
	return rv, err
}

// Exec runs a statement that returns no rows and returns the number of rows
// it changed.
func (tx *Tx) Exec(ctx context.Context, st *Statement, args ...any) (int64, error) {
	s, err := tx.r.extStmt(ctx, st)
	if err != nil {
		return 0, err
	}
	var res sql.Result
	if err := tx.r.db.observe(ctx, st.Name, func() (err error) {
		res, err = s.ExecContext(ctx, args...)
		return err
	}); err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sql %s: rows affected: %w", st.Name, err)
	}
	return n, nil
}

// Query runs a statement and calls row for each row it returns, with a
// function that scans the row; an error of row ends the query with it.
func (tx *Tx) Query(ctx context.Context, st *Statement, args []any, row func(scan func(dest ...any) error) error) error {
	s, err := tx.r.extStmt(ctx, st)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	if err := tx.r.db.observe(ctx, st.Name, func() (err error) {
		rows, err = s.QueryContext(ctx, args...)
		return err
	}); err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	scan := func(dest ...any) error {
		return tx.r.db.observe(ctx, st.Name, func() error { return rows.Scan(dest...) })
	}
	for rows.Next() {
		if err := row(scan); err != nil {
			return err
		}
	}
	return tx.r.db.observe(ctx, st.Name, rows.Err)
}

// QueryRow runs a statement and scans its first row into dest; it reports
// false when there is none.
func (tx *Tx) QueryRow(ctx context.Context, st *Statement, args []any, dest ...any) (bool, error) {
	found := false
	err := tx.Query(ctx, st, args, func(scan func(dest ...any) error) error {
		if found {
			return nil
		}
		found = true
		return scan(dest...)
	})
	return found, err
}

// Read runs fn in a read-only transaction (one snapshot).
func (db *DB) Read(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.closed() {
		return ErrClosed
	}
	return db.readTx(ctx, func(r runner) error { return fn(ctx, &Tx{r: r}) })
}

// Write runs fn in the serialized write transaction, batched with the other
// writes waiting at that moment (each in its own savepoint: an error of fn
// undoes fn only). fn must only run statements: no waiting, no slow work.
// The poller and the commit subscribers are told after the commit.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx *WriteTx) error) error {
	return db.write(ctx, func(ctx context.Context, t *writeTx) error {
		return fn(ctx, &WriteTx{Tx: Tx{r: t.r}, t: t})
	})
}

// Commits returns a channel that receives a value after local commits of
// writes (a value may stand for several commits; the channel holds one).
// Other processes' commits are not announced: poll for those.
func (db *DB) Commits() <-chan struct{} {
	ch := make(chan struct{}, 1)
	db.subsMu.Lock()
	db.subs = append(db.subs, ch)
	db.subsMu.Unlock()
	return ch
}

// announceCommit tells the commit subscribers, without ever blocking.
func (db *DB) announceCommit() {
	db.subsMu.Lock()
	defer db.subsMu.Unlock()
	for _, ch := range db.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// extStmt returns the prepared statement of an extension, bound to the
// transaction. The writer pool has one connection, which a transaction
// holds: statements are prepared on the pools at Open (prepareExtensions),
// and one that was not is prepared in the transaction.
func (r runner) extStmt(ctx context.Context, st *Statement) (*sql.Stmt, error) {
	r.pool.mu.Lock()
	s := r.pool.ext[st]
	r.pool.mu.Unlock()
	switch {
	case s != nil && r.tx != nil:
		return r.tx.StmtContext(ctx, s), nil
	case s != nil:
		return s, nil
	case r.tx == nil:
		return nil, fmt.Errorf("sql %s: not prepared and not in a transaction", st.Name)
	}
	err := r.db.observe(ctx, "prepare_"+st.Name, func() (err error) {
		s, err = r.tx.PrepareContext(ctx, r.db.dialect.rebind(st.SQL))
		return err
	})
	return s, err
}

// prepareExtensions prepares the listed statements of every extension on a
// pool (at Open, before any transaction).
func (db *DB) prepareExtensions(ctx context.Context, p *pool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ext := range db.cfg.Extensions {
		for _, st := range ext.Statements {
			if p.ext[st] != nil {
				continue
			}
			var s *sql.Stmt
			if err := db.observe(ctx, "prepare_"+st.Name, func() (err error) {
				s, err = p.db.PrepareContext(ctx, db.dialect.rebind(st.SQL))
				return err
			}); err != nil {
				return fmt.Errorf("extension %s: %w", ext.Name, err)
			}
			if p.ext == nil {
				p.ext = map[*Statement]*sql.Stmt{}
			}
			p.ext[st] = s
		}
	}
	return nil
}

// migrateExtensions creates the extensions' schemas and applies their pending
// migrations inside the migration transaction of Open.
func (db *DB) migrateExtensions(ctx context.Context, r runner) error {
	for _, ext := range db.cfg.Extensions {
		for i, text := range ext.Schema {
			if err := db.observe(ctx, fmt.Sprintf("schema_%s_%d", ext.Name, i), func() error {
				_, err := r.tx.ExecContext(ctx, db.dialect.rebind(text))
				return err
			}); err != nil {
				return fmt.Errorf("extension %s: %w", ext.Name, err)
			}
		}
		key := metaSchemaVersion + ":" + ext.Name
		if _, err := r.exec(ctx, stmtSeedMeta, key, 0); err != nil {
			return err
		}
		var current int64
		if _, err := r.queryRow(ctx, stmtGetMeta, []any{&current}, key); err != nil {
			return err
		}
		latest := int64(0)
		if n := len(ext.Migrations); n > 0 {
			latest = ext.Migrations[n-1].Version
		}
		if current > latest {
			return fmt.Errorf("extension %s: schema version %d is newer than this binary supports (%d)", ext.Name, current, latest)
		}
		for _, m := range ext.Migrations {
			if m.Version <= current {
				continue
			}
			for i, text := range m.Statements {
				if err := db.observe(ctx, fmt.Sprintf("migrate_%s_%d_%d", ext.Name, m.Version, i), func() error {
					_, err := r.tx.ExecContext(ctx, db.dialect.rebind(text))
					return err
				}); err != nil {
					return fmt.Errorf("extension %s: migration %d (%s): %w", ext.Name, m.Version, m.Name, err)
				}
			}
			if _, err := r.exec(ctx, stmtSetMeta, m.Version, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// compactExtensions tells the extensions that the history up to rv is
// compacted.
func (db *DB) compactExtensions(ctx context.Context, rv int64) error {
	for _, ext := range db.cfg.Extensions {
		if ext.Compacted == nil {
			continue
		}
		if err := db.Write(ctx, func(ctx context.Context, tx *WriteTx) error { return ext.Compacted(ctx, tx, rv) }); err != nil {
			return fmt.Errorf("extension %s: compacting: %w", ext.Name, err)
		}
	}
	return nil
}
