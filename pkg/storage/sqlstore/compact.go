package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"k8s.io/klog/v2"
)

const (
	// compactChunk is the number of revisions one compaction transaction
	// covers, so that compacting a long history never holds the writer for
	// long.
	compactChunk = 10000
	// ttlSweepBatch is the number of expired objects deleted per sweep.
	ttlSweepBatch = 256
)

// errNothingToDo ends a write that found nothing to change.
var errNothingToDo = errors.New("nothing to do")

// Compact deletes the history up to revision rv: every event <= rv that is
// superseded by a later event of the same key <= rv, and every tombstone <= rv
// with its history. The event an object currently points to is never
// deleted, so the state at rv and later stays readable; lists and watches at
// a revision older than rv get 410 Gone. rv is recorded as the compacted
// revision, and a marker write (one new revision) lets every process sharing
// the database observe it.
//
// Compact first waits until the poller has dispatched rv, so that compaction
// never removes an event live watchers have not received yet. Then the
// extensions compact what is theirs (Extension.Compacted). Afterwards it
// checkpoints and truncates the write-ahead log (checkpointWAL), which the
// deletions have just grown.
func (db *DB) Compact(ctx context.Context, rv int64) error {
	if err := db.compact(ctx, rv); err != nil {
		return err
	}
	if err := db.compactExtensions(ctx, rv); err != nil {
		return err
	}
	db.checkpointWAL(ctx)
	return nil
}

// compact is Compact without the checkpoint.
func (db *DB) compact(ctx context.Context, rv int64) error {
	current, err := db.CurrentResourceVersion(ctx)
	if err != nil {
		return err
	}
	if rv > int64(current) {
		return fmt.Errorf("cannot compact to revision %d: the current revision is %d", rv, current)
	}
	if err := db.waitDispatched(ctx, rv); err != nil {
		return err
	}
	for {
		var compacted int64
		err := db.write(ctx, func(ctx context.Context, t *writeTx) error {
			var from int64
			if _, err := t.r.queryRow(ctx, stmtGetMeta, []any{&from}, metaCompactRV); err != nil {
				return err
			}
			if from >= rv {
				return errNothingToDo
			}
			to := min(rv, from+compactChunk)
			if _, err := t.r.exec(ctx, stmtCompactPrev, from, to); err != nil {
				return err
			}
			if _, err := t.r.exec(ctx, stmtCompactTombstones, from, to); err != nil {
				return err
			}
			if _, err := t.r.exec(ctx, stmtSetMeta, to, metaCompactRV); err != nil {
				return err
			}
			compacted = to
			if to < rv {
				return nil
			}
			return writeCompactMarker(ctx, t, to)
		})
		switch {
		case errors.Is(err, errNothingToDo):
			db.observeCompacted(rv)
			return nil
		case err != nil:
			return err
		}
		db.observeCompacted(compacted)
		if compacted >= rv {
			klog.V(4).InfoS("Compacted storage history", "resourceVersion", rv)
			return nil
		}
	}
}

// writeCompactMarker records the compacted revision at compactRevKey.
func writeCompactMarker(ctx context.Context, t *writeTx, compacted int64) error {
	var prev int64
	if _, err := t.r.queryRow(ctx, stmtObjectRV, []any{&prev}, compactRevKey); err != nil {
		return err
	}
	_, err := putTx(ctx, t, putRequest{
		key:      compactRevKey,
		value:    []byte(strconv.FormatInt(compacted, 10)),
		expectRV: prev,
	})
	return err
}

// maintain runs the periodic compaction and the TTL sweep.
func (db *DB) maintain() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-db.done
		cancel()
	}()
	var compactTick <-chan time.Time
	if db.cfg.CompactInterval > 0 {
		t := time.NewTicker(db.cfg.CompactInterval)
		defer t.Stop()
		compactTick = t.C
	}
	sweep := time.NewTicker(ttlSweepInterval)
	defer sweep.Stop()
	// previous is the revision seen at the previous tick: each tick compacts
	// the history older than one interval, so watchers and paginated lists
	// have between one and two intervals to resume.
	var previous, lastCompacted int64
	for {
		select {
		case <-db.done:
			return
		case <-compactTick:
			position := db.hub.position()
			// Skip when nothing but our own marker was written since.
			if previous > lastCompacted+1 {
				if err := db.Compact(ctx, previous); err != nil {
					if ctx.Err() == nil {
						klog.ErrorS(err, "Periodic compaction failed", "resourceVersion", previous)
					}
				} else {
					lastCompacted = previous
				}
			}
			previous = position
		case <-sweep.C:
			if err := db.sweepExpired(ctx); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "Deleting expired objects failed")
			}
		}
	}
}

// sweepExpired deletes objects whose TTL has passed; watchers see DELETED.
func (db *DB) sweepExpired(ctx context.Context) error {
	rows, err := db.read().query(ctx, stmtExpired, time.Now().UnixMilli(), ttlSweepBatch)
	if err != nil {
		return err
	}
	type expired struct {
		key string
		rv  int64
	}
	var due []expired
	for rows.Next() {
		var e expired
		if err := rows.Scan(&e.key, &e.rv); err != nil {
			_ = rows.Close()
			return err
		}
		due = append(due, e)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range due {
		// A conflict means the object was rewritten (and its TTL with it).
		if _, err := db.deleteKey(ctx, e.key, e.rv); err != nil && !errors.Is(err, errConflict) {
			return err
		}
	}
	return nil
}
