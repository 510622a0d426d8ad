package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	endpointsrequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	storagemetrics "k8s.io/apiserver/pkg/storage/metrics"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// maxListBatch caps the rows one list query returns; a LIST over more rows
// runs several keyset queries inside the same snapshot.
const maxListBatch = 10000

// GetList implements storage.Interface.
//
// The whole LIST runs in one read transaction (a snapshot). At the latest
// revision it scans the objects table in key order, with the indexable part
// of the selector pushed into SQL when the store has an AttrFunc; at an older
// revision (ResourceVersionMatch=Exact, or a continue token whose revision
// is no longer the latest) it rebuilds that revision from the event history,
// without push-down. Items are always checked with Predicate.Matches.
func (s *store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil {
		return fmt.Errorf("need ptr to slice: %w", err)
	}
	if v.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice, got %s", v.Kind())
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}
	l := &listing{
		s:           s,
		pred:        opts.Predicate,
		v:           v,
		newItemFunc: getNewItemFunc(listObj, v),
		aggregator:  newListItemErrors(),
	}
	defer func() {
		storagemetrics.RecordStorageListMetrics(s.groupResource, s.db.dialect.name(), l.index, l.fetched, l.evaluated, v.Len())
	}()

	var rev int64
	var continueValue string
	var remaining *int64
	err = s.db.readTx(ctx, func(r runner) error {
		var current, compacted int64
		if _, err := r.queryRow(ctx, stmtRevisions, []any{&current, &compacted}); err != nil {
			return err
		}
		switch {
		case withRev == 0:
			if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(current)); err != nil {
				return err
			}
			rev = current
		case withRev > current:
			return storage.NewTooLargeResourceVersionError(uint64(withRev), uint64(current), 0)
		case withRev < compacted:
			return listCompactedError(len(opts.Predicate.Continue) > 0, continueKey, keyPrefix)
		default:
			rev = withRev
		}
		l.r, l.rev, l.historical = r, rev, rev < current
		if !opts.Recursive {
			return l.single(ctx, keyPrefix)
		}
		if err := l.scan(ctx, keyPrefix, continueKey); err != nil {
			return err
		}
		var count int64
		if l.hasMore && opts.Predicate.Empty() {
			n, err := l.countAfter(ctx, l.lastKey)
			if err != nil {
				return err
			}
			count = n + opts.Predicate.Limit
		}
		continueValue, remaining, err = storage.PrepareContinueToken(l.lastKey, keyPrefix, rev, count, l.hasMore, opts)
		return err
	})
	if err != nil {
		return err
	}
	if err := l.aggregator.Aggregate(); err != nil {
		var agg *aggregatedStorageError
		if errors.As(err, &agg) {
			return agg.apiStatus(s.groupResource)
		}
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if err := s.versioner.UpdateList(listObj, uint64(rev), continueValue, remaining); err != nil {
		return err
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ShardedListAndWatch) {
		opts.Predicate.SetShardInfoOnList(listObj)
	}
	return nil
}

// listing is the state of one GetList.
type listing struct {
	s           *store
	r           runner
	rev         int64
	historical  bool
	pred        storage.SelectionPredicate
	v           reflect.Value
	newItemFunc func() runtime.Object
	aggregator  listItemErrors

	// hi is the exclusive upper bound of the listed key range.
	hi        string
	lastKey   string
	hasMore   bool
	fetched   int
	evaluated int
	index     string
}

// errStopList ends a scan early; the reason is in the aggregator.
var errStopList = errors.New("list stopped")

// single lists one key (a non-recursive list).
func (l *listing) single(ctx context.Context, key string) error {
	var rv int64
	var value []byte
	var found bool
	var err error
	if l.historical {
		found, err = l.r.queryRow(ctx, stmtGetObjectAt, []any{&rv, &value}, key, l.rev, l.rev, key, l.rev)
	} else {
		found, err = l.r.queryRow(ctx, stmtGetObject, []any{&rv, &value}, key)
	}
	if err != nil || !found {
		return err
	}
	l.fetched++
	if err := l.item(ctx, key, rv, value); err != nil && !errors.Is(err, errStopList) {
		return err
	}
	return nil
}

// scan reads the keys of a prefix in key order, in keyset-paginated
// batches, until the predicate's limit is filled or the range is exhausted.
func (l *listing) scan(ctx context.Context, keyPrefix, continueKey string) error {
	_, hi := prefixRange(keyPrefix)
	l.hi = hi
	start, inclusive := keyPrefix, true
	if continueKey != "" {
		// A continue key is "<last key>\x00": resume strictly after the
		// last key.
		start, inclusive = continueKey, true
		if trimmed, ok := strings.CutSuffix(continueKey, "\x00"); ok {
			start, inclusive = trimmed, false
		}
	}
	var pd *pushdown
	if !l.historical && l.s.attrFunc != nil && !l.pred.Empty() {
		if pd = buildPushdown(l.pred); pd != nil {
			l.index = pd.index
		}
	}
	limit := l.pred.Limit
	paging := limit > 0
	batch := int64(maxListBatch)
	if paging && limit < maxListBatch {
		batch = limit + 1
	}
	for {
		rows, err := l.page(ctx, pd, start, hi, inclusive, batch)
		if err != nil {
			return err
		}
		n, err := l.consume(ctx, rows, paging)
		if err != nil || l.hasMore || n < batch {
			if errors.Is(err, errStopList) {
				return nil
			}
			return err
		}
		start, inclusive = l.lastKey, false
		batch = min(batch*2, maxListBatch)
	}
}

// consume processes the rows of one batch and returns how many it read.
func (l *listing) consume(ctx context.Context, rows *sql.Rows, paging bool) (int64, error) {
	defer func() { _ = rows.Close() }()
	var n int64
	for rows.Next() {
		var key string
		var rv int64
		var value []byte
		if err := rows.Scan(&key, &rv, &value); err != nil {
			return n, err
		}
		n++
		if paging && int64(l.v.Len()) >= l.pred.Limit {
			l.hasMore = true
			return n, nil
		}
		l.fetched++
		l.lastKey = key
		if err := l.item(ctx, key, rv, value); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// page runs the query of one batch.
func (l *listing) page(ctx context.Context, pd *pushdown, start, hi string, inclusive bool, batch int64) (*sql.Rows, error) {
	switch {
	case l.historical && inclusive:
		return l.r.query(ctx, stmtListHistoryFrom, start, hi, l.rev, l.rev, start, hi, l.rev, batch)
	case l.historical:
		return l.r.query(ctx, stmtListHistoryAfter, start, hi, l.rev, l.rev, start, hi, l.rev, batch)
	case pd != nil:
		text, args := pd.query(start, hi, inclusive, batch)
		return l.r.queryDynamic(ctx, "list_pushdown_"+pd.index, text, args...)
	case inclusive:
		return l.r.query(ctx, stmtListCurrentFrom, start, hi, batch)
	default:
		return l.r.query(ctx, stmtListCurrentAfter, start, hi, batch)
	}
}

// countAfter counts the keys after key in the listed range (for
// RemainingItemCount, only computed for unfiltered paged lists).
func (l *listing) countAfter(ctx context.Context, key string) (int64, error) {
	hi := l.hi
	var n int64
	var err error
	if l.historical {
		_, err = l.r.queryRow(ctx, stmtCountHistoryAfter, []any{&n}, key, hi, l.rev, l.rev, key, hi, l.rev)
	} else {
		_, err = l.r.queryRow(ctx, stmtCountCurrentAfter, []any{&n}, key, hi)
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
