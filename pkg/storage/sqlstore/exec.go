package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// pool is one *sql.DB with its prepared statements. Statements are prepared
// lazily, once per pool; database/sql re-prepares them on each connection
// the first time they are used there and keeps them.
type pool struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts [numStatements]*sql.Stmt
	// ext are the prepared statements of extensions.
	ext map[*Statement]*sql.Stmt
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range p.stmts {
		if s != nil {
			_ = s.Close()
			p.stmts[i] = nil
		}
	}
	for k, s := range p.ext {
		_ = s.Close()
		delete(p.ext, k)
	}
}

// runner executes named statements on a pool, or inside a transaction of that
// pool when tx is set.
type runner struct {
	db   *DB
	pool *pool
	tx   *sql.Tx
}

// observe is the single choke point of every SQL statement: it times the call
// into the latency histogram (label = statement name), logs it at V(5) and
// maps driver errors to *DBError, keeping context errors recognizable.
func (db *DB) observe(ctx context.Context, name string, fn func() error) error {
	start := time.Now()
	err := fn()
	elapsed := time.Since(start)
	sqlDuration.WithLabelValues(name).Observe(elapsed.Seconds())
	if klogV := klog.V(5); klogV.Enabled() {
		klogV.InfoS("SQL statement", "dialect", db.dialect.name(), "statement", name, "duration", elapsed, "err", err)
	}
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return err
	}
	class := db.dialect.classify(err)
	sqlErrors.WithLabelValues(name, class.String()).Inc()
	if class == classCanceled {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("sql %s: %w", name, ctxErr)
		}
	}
	return &DBError{Statement: name, class: class, err: err}
}

// text returns the dialect's text of a statement.
func (db *DB) text(id stmtID) string {
	if t := db.dialect.override(id); t != "" {
		return db.dialect.rebind(t)
	}
	return db.dialect.rebind(statements[id].text)
}

// prepareAll prepares every statement of the dialect on a pool. Open calls it
// once the schema exists, before any transaction: preparing on the pool
// needs a free connection, which a transaction on the single writer
// connection would never release.
func (db *DB) prepareAll(ctx context.Context, p *pool) error {
	ids := make([]stmtID, numStatements)
	for id := range ids {
		ids[id] = stmtID(id)
	}
	return db.prepare(ctx, p, ids...)
}

// prepare prepares the given statements on a pool (those the dialect has).
func (db *DB) prepare(ctx context.Context, p *pool, ids ...stmtID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		text := db.text(id)
		if text == "" || p.stmts[id] != nil || isMigration(id) {
			continue
		}
		var s *sql.Stmt
		if err := db.observe(ctx, "prepare_"+statements[id].name, func() (err error) {
			s, err = p.db.PrepareContext(ctx, text)
			return err
		}); err != nil {
			return err
		}
		p.stmts[id] = s
	}
	return nil
}

func (p *pool) get(id stmtID) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stmts[id]
}

// stmt returns the prepared statement for id, bound to the transaction when
// there is one. Before prepareAll (schema migration) statements are prepared
// in the transaction itself.
func (r runner) stmt(ctx context.Context, id stmtID) (*sql.Stmt, error) {
	if s := r.pool.get(id); s != nil {
		if r.tx != nil {
			return r.tx.StmtContext(ctx, s), nil
		}
		return s, nil
	}
	var s *sql.Stmt
	err := r.db.observe(ctx, "prepare_"+statements[id].name, func() (err error) {
		if r.tx != nil {
			s, err = r.tx.PrepareContext(ctx, r.db.text(id))
		} else {
			s, err = r.pool.db.PrepareContext(ctx, r.db.text(id))
		}
		return err
	})
	return s, err
}

// exec runs a named statement that returns no rows.
func (r runner) exec(ctx context.Context, id stmtID, args ...any) (sql.Result, error) {
	s, err := r.stmt(ctx, id)
	if err != nil {
		return nil, err
	}
	var res sql.Result
	err = r.db.observe(ctx, statements[id].name, func() (err error) {
		res, err = s.ExecContext(ctx, args...)
		return err
	})
	return res, err
}

// execAffected runs a named statement and returns the number of rows changed.
func (r runner) execAffected(ctx context.Context, id stmtID, args ...any) (int64, error) {
	res, err := r.exec(ctx, id, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sql %s: rows affected: %w", statements[id].name, err)
	}
	return n, nil
}

// query runs a named statement that returns rows. The caller closes them.
func (r runner) query(ctx context.Context, id stmtID, args ...any) (*sql.Rows, error) {
	s, err := r.stmt(ctx, id)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	err = r.db.observe(ctx, statements[id].name, func() (err error) {
		rows, err = s.QueryContext(ctx, args...)
		return err
	})
	return rows, err
}

// queryRow runs a named statement and scans its first row into dest. It
// returns false when there is no row.
func (r runner) queryRow(ctx context.Context, id stmtID, dest []any, args ...any) (bool, error) {
	rows, err := r.query(ctx, id, args...)
	if err != nil {
		return false, err
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		return false, r.db.observe(ctx, statements[id].name, rows.Err)
	}
	if err := r.db.observe(ctx, statements[id].name, func() error { return rows.Scan(dest...) }); err != nil {
		return false, err
	}
	return true, nil
}

// queryDynamic runs a statement assembled from the fixed fragments of
// statements.go (selector push-down). It is not cached: its shape depends on
// the selector.
func (r runner) queryDynamic(ctx context.Context, name, text string, args ...any) (*sql.Rows, error) {
	text = r.db.dialect.rebind(text)
	var rows *sql.Rows
	err := r.db.observe(ctx, name, func() (err error) {
		if r.tx != nil {
			rows, err = r.tx.QueryContext(ctx, text, args...)
		} else {
			rows, err = r.pool.db.QueryContext(ctx, text, args...)
		}
		return err
	})
	return rows, err
}

// readTx runs fn in a read-only transaction on the reader pool: every
// statement in fn sees the same snapshot.
func (db *DB) readTx(ctx context.Context, fn func(r runner) error) error {
	var tx *sql.Tx
	err := db.observe(ctx, "begin_read", func() (err error) {
		tx, err = db.reader.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		return err
	})
	if err != nil {
		return err
	}
	if err := fn(runner{db: db, pool: db.reader, tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return db.observe(ctx, "commit_read", tx.Commit)
}

// read returns a runner on the reader pool outside any transaction (single
// statements are atomic snapshots on their own).
func (db *DB) read() runner { return runner{db: db, pool: db.reader} }
