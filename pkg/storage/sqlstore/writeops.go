package sqlstore

import (
	"context"
	"time"
)

// attrs are the labels and fields of an object as computed by the resource's
// AttrFunc at write time, stored in the labels and fields side tables for
// selector push-down.
type attrs struct {
	labels map[string]string
	fields map[string]string
}

// putRequest writes one value at a key.
type putRequest struct {
	key   string
	value []byte
	// expectRV is the revision the key must have (compare-and-swap), or 0
	// when the key must not exist.
	expectRV int64
	// ttl in seconds; 0 means no expiry.
	ttl uint64
	// attrs are the side-table rows of the new version; nil when the
	// writer does not maintain them (a store without AttrFunc).
	attrs *attrs
	// unindexed is the resource (attr_index key) of a writer without
	// AttrFunc: its write makes the side tables of that resource stale, so
	// the resource's index record is dropped (push-down off until a store
	// with an AttrFunc re-indexes it).
	unindexed string
}

// put writes a new version of a key and its event, and returns its revision.
// It fails with errExists (expectRV == 0 and the key exists) or errConflict
// (the key is not at expectRV).
func (db *DB) put(ctx context.Context, req putRequest) (int64, error) {
	var rv int64
	err := db.write(ctx, func(ctx context.Context, t *writeTx) (err error) {
		rv, err = putTx(ctx, t, req)
		return err
	})
	return rv, err
}

// putTx is put inside a write transaction.
func putTx(ctx context.Context, t *writeTx, req putRequest) (int64, error) {
	rv := t.nextRV()
	var expires any
	if req.ttl > 0 {
		expires = time.Now().Add(time.Duration(req.ttl) * time.Second).UnixMilli()
	}
	size := int64(len(req.value))
	eventType, prev := eventModified, any(req.expectRV)
	// Without attrs the rows of the key are not maintained: attrs_rv moves
	// with every write (no historical page trusts them).
	var attrsRV any
	if req.attrs == nil {
		attrsRV = rv
	}
	if req.expectRV == 0 {
		n, err := t.r.execAffected(ctx, stmtInsertObject, req.key, rv, size, expires, rv)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errExists
		}
		eventType, prev = eventCreated, nil
	} else {
		n, err := t.r.execAffected(ctx, stmtUpdateObject, rv, size, expires, attrsRV, req.key, req.expectRV)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errConflict
		}
	}
	if _, err := t.r.exec(ctx, stmtInsertEvent, rv, req.key, eventType, req.value, prev); err != nil {
		return 0, err
	}
	if req.attrs == nil {
		if req.unindexed != "" {
			if _, err := t.r.exec(ctx, stmtDropAttrIndex, req.unindexed); err != nil {
				return 0, err
			}
		}
		return rv, nil
	}
	fresh := req.expectRV == 0
	changed, err := syncAllAttrs(ctx, t, req.key, req.attrs, fresh)
	if err != nil {
		return 0, err
	}
	if changed && !fresh {
		if _, err := t.r.exec(ctx, stmtSetAttrsRV, rv, req.key); err != nil {
			return 0, err
		}
	}
	return rv, nil
}

// syncAllAttrs brings both side tables of key to a and reports whether a row
// changed.
func syncAllAttrs(ctx context.Context, t *writeTx, key string, a *attrs, fresh bool) (bool, error) {
	labelsChanged, err := syncAttrs(ctx, t, labelTable, key, a.labels, fresh)
	if err != nil {
		return false, err
	}
	fieldsChanged, err := syncAttrs(ctx, t, fieldTable, key, a.fields, fresh)
	return labelsChanged || fieldsChanged, err
}

// deleteKey removes a key at expectRV, records a tombstone pointing to the
// last version and returns the revision of the deletion.
func (db *DB) deleteKey(ctx context.Context, key string, expectRV int64) (int64, error) {
	var rv int64
	err := db.write(ctx, func(ctx context.Context, t *writeTx) error {
		rv = t.nextRV()
		n, err := t.r.execAffected(ctx, stmtDeleteObject, key, expectRV)
		if err != nil {
			return err
		}
		if n == 0 {
			return errConflict
		}
		if _, err := t.r.exec(ctx, stmtInsertEvent, rv, key, eventDeleted, nil, expectRV); err != nil {
			return err
		}
		if _, err := t.r.exec(ctx, stmtDeleteLabelsOfKey, key); err != nil {
			return err
		}
		_, err = t.r.exec(ctx, stmtDeleteFieldsOfKey, key)
		return err
	})
	return rv, err
}

// attrTable is one of the side tables.
type attrTable struct {
	sel, upsert, del stmtID
}

var (
	labelTable = attrTable{sel: stmtSelectLabels, upsert: stmtUpsertLabel, del: stmtDeleteLabel}
	fieldTable = attrTable{sel: stmtSelectFields, upsert: stmtUpsertField, del: stmtDeleteField}
)

// syncAttrs makes the rows of key in a side table equal to want, touching
// only the rows that change (an update that keeps its labels writes nothing
// there), and reports whether one changed. fresh skips reading the current
// rows of a newly created key.
func syncAttrs(ctx context.Context, t *writeTx, tbl attrTable, key string, want map[string]string, fresh bool) (bool, error) {
	have := map[string]string{}
	if !fresh {
		rows, err := t.r.query(ctx, tbl.sel, key)
		if err != nil {
			return false, err
		}
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				_ = rows.Close()
				return false, err
			}
			have[name] = value
		}
		if err := rows.Close(); err != nil {
			return false, err
		}
		if err := rows.Err(); err != nil {
			return false, err
		}
	}
	changed := false
	for name := range have {
		if _, ok := want[name]; !ok {
			if _, err := t.r.exec(ctx, tbl.del, key, name); err != nil {
				return false, err
			}
			changed = true
		}
	}
	for name, value := range want {
		if old, ok := have[name]; ok && old == value {
			continue
		}
		if _, err := t.r.exec(ctx, tbl.upsert, key, name, value); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}
