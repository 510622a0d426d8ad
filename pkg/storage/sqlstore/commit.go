package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// maxBatch caps the number of writes committed by one transaction.
const maxBatch = 256

// committer owns the single writer connection. Writers hand it a function to
// run inside the write transaction; it runs every write queued at that moment
// in one transaction (group commit), each inside its own savepoint, allocates
// their revisions in order from the meta row, and commits once. Because every
// write goes through this one goroutine and connection, revisions are
// allocated in commit order: a reader never sees revision N+1 without N.
type committer struct {
	db  *DB
	ops chan *writeOp
}

type writeOp struct {
	ctx  context.Context
	fn   writeFunc
	done chan error
}

// writeFunc runs inside the write transaction. It must only run SQL through
// t (no slow work: encoding and transformation happen before) and returns
// errConflict/errExists without side effects when its precondition fails.
type writeFunc func(ctx context.Context, t *writeTx) error

// writeTx is the write transaction seen by one write of a batch.
type writeTx struct {
	r runner
	// rv is the last revision allocated in this transaction.
	rv int64
}

// nextRV allocates the next revision. Revisions of a write that fails are
// released for the next write of the batch.
func (t *writeTx) nextRV() int64 {
	t.rv++
	return t.rv
}

var (
	// errConflict: the object changed since it was read (compare-and-swap failed).
	errConflict = errors.New("object was modified concurrently")
	// errExists: a create found the key already present.
	errExists = errors.New("object already exists")
)

func newCommitter(db *DB) *committer {
	return &committer{db: db, ops: make(chan *writeOp)}
}

// write runs fn in the serialized write transaction and returns once it is
// committed (or failed). The channel is unbuffered, so every write the
// committer receives is answered, even during Close.
func (db *DB) write(ctx context.Context, fn writeFunc) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.commits.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.done:
		return ErrClosed
	}
	return <-op.done
}

func (c *committer) run() {
	batch := make([]*writeOp, 0, maxBatch)
	for {
		select {
		case op := <-c.ops:
			batch = append(batch[:0], op)
		case <-c.db.done:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case op := <-c.ops:
				batch = append(batch, op)
			default:
				break collect
			}
		}
		c.commit(batch)
	}
}

// commit runs one batch in one transaction and answers every write.
func (c *committer) commit(batch []*writeOp) {
	// Statements use a background context: one caller giving up must not
	// interrupt a transaction shared with others. Canceled writes are
	// skipped before they run.
	ctx := context.Background()
	results := make([]error, len(batch))
	applied, err := c.runBatch(ctx, batch, results)
	for i, op := range batch {
		switch {
		case err != nil && results[i] == nil:
			op.done <- err
		default:
			op.done <- results[i]
		}
	}
	writeBatchSize.Observe(float64(len(batch)))
	if err == nil && applied > 0 {
		c.db.poller.wake()
		c.db.announceCommit()
	}
}

// runBatch returns the number of writes applied, or an error that fails every
// write without its own result.
func (c *committer) runBatch(ctx context.Context, batch []*writeOp, results []error) (int, error) {
	db := c.db
	var tx *sql.Tx
	if err := db.observe(ctx, "begin_write", func() (err error) {
		tx, err = db.writer.db.BeginTx(ctx, nil)
		return err
	}); err != nil {
		return 0, err
	}
	rollback := func(err error) (int, error) {
		_ = tx.Rollback()
		return 0, err
	}
	r := runner{db: db, pool: db.writer, tx: tx}
	var base int64
	if _, err := r.queryRow(ctx, stmtLockRV, []any{&base}); err != nil {
		return rollback(err)
	}
	t := &writeTx{r: r, rv: base}
	savepoints := len(batch) > 1
	applied := 0
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if savepoints {
			if _, err := r.exec(ctx, stmtSavepoint); err != nil {
				return rollback(err)
			}
		}
		before := t.rv
		if err := op.fn(ctx, t); err != nil {
			t.rv = before
			results[i] = err
			if !savepoints {
				return rollback(nil)
			}
			if _, err := r.exec(ctx, stmtRollbackToSavepoint); err != nil {
				return rollback(err)
			}
		} else {
			applied++
		}
		if savepoints {
			if _, err := r.exec(ctx, stmtReleaseSavepoint); err != nil {
				return rollback(err)
			}
		}
	}
	if applied == 0 {
		return rollback(nil)
	}
	if _, err := r.exec(ctx, stmtSetMeta, t.rv, metaRV); err != nil {
		return rollback(err)
	}
	if err := db.observe(ctx, "commit_write", tx.Commit); err != nil {
		return 0, err
	}
	return applied, nil
}
