package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
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
// The whole LIST runs in one read transaction (a snapshot). It scans the
// keys in order with the indexable part of the selector pushed into SQL when
// the store has an AttrFunc, at the latest revision or at an older one
// (ResourceVersionMatch=Exact, or a continue token whose revision is no
// longer the latest: see pushdown.historyQuery). Items are always checked
// with Predicate.Matches.
func (s *store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	l, err := s.newListing(opts.Predicate, listObj)
	if err != nil {
		return err
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}
	defer l.recordMetrics()
	err = l.run(ctx, listRequest{
		keyPrefix:   keyPrefix,
		recursive:   opts.Recursive,
		rev:         withRev,
		minimumRV:   opts.ResourceVersion,
		continueKey: continueKey,
		paging:      len(opts.Predicate.Continue) > 0,
		count:       true,
	})
	if err != nil {
		return err
	}
	if err := l.finish(); err != nil {
		return err
	}
	count := l.remainingAfter + opts.Predicate.Limit
	continueValue, remaining, err := storage.PrepareContinueToken(l.lastKey, keyPrefix, l.rev, count, l.hasMore, opts)
	if err != nil {
		return err
	}
	if err := s.versioner.UpdateList(listObj, uint64(l.rev), continueValue, remaining); err != nil {
		return err
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ShardedListAndWatch) {
		opts.Predicate.SetShardInfoOnList(listObj)
	}
	return nil
}

// listRequest is one LIST, or one page of the initial state of a watch.
type listRequest struct {
	keyPrefix string
	recursive bool
	// rev is the revision to list at; 0 is the latest (no older than
	// minimumRV).
	rev       int64
	minimumRV string
	// continueKey is where the page starts ("<last key>\x00" after a page).
	continueKey string
	// paging: the request came with a continue token (410 errors then
	// carry a token to continue at the latest revision).
	paging bool
	// count computes remainingAfter for unfiltered pages that have more
	// (remainingItemCount of client pages; internal pages skip it).
	count bool
}

// newListing prepares a list into listObj.
func (s *store) newListing(pred storage.SelectionPredicate, listObj runtime.Object) (*listing, error) {
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return nil, err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil {
		return nil, fmt.Errorf("need ptr to slice: %w", err)
	}
	if v.Kind() != reflect.Slice {
		return nil, fmt.Errorf("need ptr to slice, got %s", v.Kind())
	}
	return &listing{s: s, pred: pred, v: v, newItemFunc: getNewItemFunc(listObj, v), aggregator: newListItemErrors()}, nil
}

// run reads the items in one read transaction.
func (l *listing) run(ctx context.Context, req listRequest) error {
	s := l.s
	return s.db.readTx(ctx, func(r runner) error {
		var current, compacted int64
		if _, err := r.queryRow(ctx, stmtRevisions, []any{&current, &compacted}); err != nil {
			return err
		}
		rev := req.rev
		switch {
		case rev == 0:
			if err := s.validateMinimumResourceVersion(req.minimumRV, uint64(current)); err != nil {
				return err
			}
			rev = current
		case rev > current:
			return storage.NewTooLargeResourceVersionError(uint64(rev), uint64(current), 0)
		case rev < compacted:
			return listCompactedError(req.paging, req.continueKey, req.keyPrefix)
		}
		l.r, l.rev, l.historical = r, rev, rev < current
		if !req.recursive {
			return l.single(ctx, req.keyPrefix)
		}
		if !l.pred.Empty() {
			idx, err := s.indexState(ctx, r)
			if err != nil {
				return err
			}
			l.idx = idx
		}
		if err := l.scan(ctx, req.keyPrefix, req.continueKey); err != nil {
			return err
		}
		if req.count && l.hasMore && l.pred.Empty() {
			n, err := l.remaining(ctx, req.keyPrefix, req.continueKey)
			if err != nil {
				return err
			}
			l.remainingAfter = n
		}
		return nil
	})
}

// finish reports the items that could not be read, and makes a nil list
// empty.
func (l *listing) finish() error {
	if err := l.aggregator.Aggregate(); err != nil {
		var agg *aggregatedStorageError
		if errors.As(err, &agg) {
			return agg.apiStatus(l.s.groupResource)
		}
		return err
	}
	if l.v.IsNil() {
		l.v.Set(reflect.MakeSlice(l.v.Type(), 0, 0))
	}
	return nil
}

func (l *listing) recordMetrics() {
	storagemetrics.RecordStorageListMetrics(l.s.groupResource, l.s.db.dialect.name(), l.index, l.fetched, l.evaluated, l.v.Len())
}

// listing is the state of one GetList.
type listing struct {
	s          *store
	r          runner
	rev        int64
	historical bool
	// idx is what the side tables index for every stored object.
	idx         attrSet
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
	// remainingAfter is the number of items after lastKey (request.count).
	remainingAfter int64
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
	if l.s.attrFunc != nil && !l.pred.Empty() && !(l.historical && l.s.legacyHistory) {
		if pd = buildPushdown(l.pred, l.idx); pd != nil {
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
