package sqlstore

import (
	"context"
	"fmt"

	"k8s.io/klog/v2"
)

// reindexBatch is the number of objects re-indexed per write transaction.
const reindexBatch = 256

// reindexHook, when set (tests), runs before a re-index starts.
var reindexHook func()

// startReindex re-indexes the stored objects of the resource in the
// background when openIndex asked for it. Until it completes, push-down
// trusts only what the old record and the new AttrFunc share (indexState),
// so lists stay correct, filtering the rest in Go; s.reindexed is closed when
// it ends (completed, failed, or the database closed).
func (s *store) startReindex(needed bool) {
	if !needed {
		close(s.reindexed)
		return
	}
	s.db.start(func() {
		defer close(s.reindexed)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-s.db.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		if reindexHook != nil {
			reindexHook()
		}
		if err := s.reindex(ctx); err != nil && ctx.Err() == nil {
			klog.ErrorS(err, "Re-indexing stored objects failed; selectors on the new labels and fields are filtered in Go until the next start", "resource", s.groupResource)
		}
	})
}

// reindexed is one object read for re-indexing.
type reindexItem struct {
	key   string
	rv    int64
	attrs *attrs
}

// reindex brings the side-table rows of every stored object of the resource
// to the store's AttrFunc, batch by batch in key order, then records the new
// set as indexed. Values are decoded outside the write transaction; a batch
// skips every object written since it was read (that write already indexed
// it with the same AttrFunc). A key whose rows change gets attrs_rv = its
// current revision: its older versions are not described by the new rows.
func (s *store) reindex(ctx context.Context) error {
	lo, hi := prefixRange(s.indexKey)
	start, inclusive := lo, true
	total, changed := 0, 0
	for {
		items, err := s.reindexRead(ctx, start, hi, inclusive)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		n, err := s.reindexWrite(ctx, items)
		if err != nil {
			return err
		}
		total, changed = total+len(items), changed+n
		if len(items) < reindexBatch {
			break
		}
		start, inclusive = items[len(items)-1].key, false
	}
	want := s.want.encode()
	var done bool
	err := s.db.write(ctx, func(ctx context.Context, t *writeTx) error {
		n, err := t.r.execAffected(ctx, stmtCompleteAttrIndex, s.indexKey, want)
		done = n == 1
		return err
	})
	if err != nil {
		return err
	}
	if !done {
		// A writer without AttrFunc dropped the record meanwhile (or another
		// store changed the target): the rows cannot be trusted.
		return fmt.Errorf("the index record of %s changed while re-indexing", s.indexKey)
	}
	klog.V(2).InfoS("Re-indexed stored objects", "resource", s.groupResource, "objects", total, "changed", changed, "indexed", want)
	return nil
}

// reindexRead reads and decodes one batch after start.
func (s *store) reindexRead(ctx context.Context, start, hi string, inclusive bool) ([]reindexItem, error) {
	id := stmtListCurrentAfter
	if inclusive {
		id = stmtListCurrentFrom
	}
	rows, err := s.db.read().query(ctx, id, start, hi, reindexBatch)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var items []reindexItem
	for rows.Next() {
		var it reindexItem
		var value []byte
		if err := rows.Scan(&it.key, &it.rv, &value); err != nil {
			return nil, err
		}
		it.attrs = &attrs{}
		if data, _, err := s.fromStorage(ctx, it.key, value); err == nil {
			if obj, err := s.decodeNew(data, it.rv); err == nil {
				it.attrs = s.attrsOf(obj)
			}
		}
		// An unreadable object matches no selector: it is indexed with
		// nothing, as a write of it would be.
		items = append(items, it)
	}
	return items, rows.Err()
}

// reindexWrite writes the rows of one batch and returns how many keys changed.
func (s *store) reindexWrite(ctx context.Context, items []reindexItem) (int, error) {
	changed := 0
	err := s.db.write(ctx, func(ctx context.Context, t *writeTx) error {
		changed = 0
		for _, it := range items {
			var rv int64
			found, err := t.r.queryRow(ctx, stmtObjectRV, []any{&rv}, it.key)
			if err != nil {
				return err
			}
			if !found || rv != it.rv {
				continue
			}
			c, err := syncAllAttrs(ctx, t, it.key, it.attrs, false)
			if err != nil {
				return err
			}
			if c {
				changed++
				if _, err := t.r.exec(ctx, stmtSetAttrsRV, it.rv, it.key); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return changed, err
}
