package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"time"

	endpointsrequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/storage"
)

// page runs the query of one batch: keys in (start, hi) or [start, hi) in
// key order, at most batch rows, at the listing's revision.
func (l *listing) page(ctx context.Context, pd *pushdown, start, hi string, inclusive bool, batch int64) (*sql.Rows, error) {
	rev := l.rev
	switch {
	case pd != nil && l.historical:
		text, args := pd.historyQuery(start, hi, inclusive, rev, batch)
		return l.r.queryDynamic(ctx, "list_history_pushdown_"+pd.index, text, args...)
	case pd != nil:
		text, args := pd.query(start, hi, inclusive, batch)
		return l.r.queryDynamic(ctx, "list_pushdown_"+pd.index, text, args...)
	case l.historical && inclusive:
		return l.r.query(ctx, stmtListHistoryFrom, rev, rev, start, hi, rev, start, hi, batch)
	case l.historical:
		return l.r.query(ctx, stmtListHistoryAfter, rev, rev, start, hi, rev, start, hi, batch)
	case inclusive:
		return l.r.query(ctx, stmtListCurrentFrom, start, hi, batch)
	default:
		return l.r.query(ctx, stmtListCurrentAfter, start, hi, batch)
	}
}

// remaining returns the number of items after the last key of this page
// (remainingItemCount of an unfiltered page). When the page continued a
// page of the same list, the count handed out with it, minus the items of
// this page, is exact (the state at a revision does not change); otherwise
// the rest of the range is counted.
func (l *listing) remaining(ctx context.Context, keyPrefix, continueKey string) (int64, error) {
	next := remainingKey{prefix: keyPrefix, rev: l.rev, after: l.lastKey + "\x00"}
	if continueKey != "" {
		if n, ok := l.s.remaining.get(remainingKey{prefix: keyPrefix, rev: l.rev, after: continueKey}); ok {
			n -= int64(l.fetched)
			l.s.remaining.put(next, n)
			return n, nil
		}
	}
	n, err := l.countAfter(ctx, l.lastKey)
	if err != nil {
		return 0, err
	}
	l.s.remaining.put(next, n)
	return n, nil
}

// countAfter counts the keys after key in the listed range.
func (l *listing) countAfter(ctx context.Context, key string) (int64, error) {
	var n int64
	var err error
	if l.historical {
		_, err = l.r.queryRow(ctx, stmtCountHistoryAfter, []any{&n}, l.rev, l.rev, key, l.hi, l.rev, key, l.hi)
	} else {
		_, err = l.r.queryRow(ctx, stmtCountCurrentAfter, []any{&n}, key, l.hi)
	}
	return n, err
}

// item decodes one stored value and appends it when it matches.
func (l *listing) item(ctx context.Context, key string, rv int64, value []byte) error {
	s := l.s
	data, _, err := s.fromStorage(ctx, key, value)
	if err != nil {
		if l.aggregator.Append(key, storage.NewInternalError(fmt.Errorf("unable to transform key %q: %w", key, err))) {
			return errStopList
		}
		return nil
	}
	select {
	case <-ctx.Done():
		return storage.NewTimeoutError(key, "request did not complete within requested timeout")
	default:
	}
	start := time.Now()
	obj := l.newItemFunc()
	err = s.decodeInto(data, obj, rv)
	endpointsrequest.TrackDecodeLatency(ctx, time.Since(start))
	if err != nil {
		if l.aggregator.Append(key, err) {
			return errStopList
		}
		return nil
	}
	l.evaluated++
	if matched, err := l.pred.Matches(obj); err == nil && matched {
		l.v.Set(reflect.Append(l.v, reflect.ValueOf(obj).Elem()))
	}
	return nil
}
