package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/klog/v2"
)

// StoreConfig configures the store of one resource.
type StoreConfig struct {
	// Codec encodes objects for storage and decodes them back.
	Codec runtime.Codec
	// Transformer transforms values on their way to and from the database
	// (e.g. encryption at rest); nil means identity.
	Transformer value.Transformer
	// NewFunc returns an empty object of the resource (used for bookmarks).
	NewFunc func() runtime.Object
	// NewListFunc returns an empty list of the resource.
	NewListFunc func() runtime.Object
	// ResourcePrefix is the key prefix of the resource, e.g.
	// "/fleet.cattle.io/gitrepos"; every key must start with it.
	ResourcePrefix string
	// GroupResource names the resource in metrics and errors.
	GroupResource schema.GroupResource
	// AttrFunc computes the labels and fields of an object. When set, they
	// are stored at write time and list selectors are pushed into SQL; the
	// predicates given to GetList must then use the same AttrFunc (as
	// genericregistry.Store does). nil disables push-down.
	AttrFunc storage.AttrFunc
	// Sealed is set for a resource whose values are encrypted: its labels
	// and selectable fields are not written to the side tables, where they
	// would be plaintext, rows left there from before are deleted when the
	// store opens, and selectors are filtered in Go. AttrFunc is then
	// ignored.
	Sealed bool
	// CorruptReadErrors classifies every transform and decode failure as a
	// corrupt object, so that AllowUnsafeMalformedObjectDeletion can delete
	// it (set by the Decorator when the feature gate is on).
	CorruptReadErrors bool
}

// transformerBox lets the transformer be swapped atomically (tests rotate it).
type transformerBox struct{ value.Transformer }

// store is a storage.Interface for one resource on a DB.
type store struct {
	db             *DB
	codec          runtime.Codec
	versioner      storage.Versioner
	transformer    atomic.Pointer[transformerBox]
	newFunc        func() runtime.Object
	newListFunc    func() runtime.Object
	resourcePrefix string
	groupResource  schema.GroupResource
	attrFunc       storage.AttrFunc
	corruptErrors  bool
	sizeEstimation atomic.Bool

	// indexKey names the resource in attr_index (the prefix with "/").
	indexKey string
	// want is what this store's AttrFunc indexes (attrindex.go).
	want attrSet
	// reindexed is closed once stored objects are indexed with want.
	reindexed chan struct{}
	// remaining caches the remaining item counts of paged lists.
	remaining remainingCache

	// Benchmarks only: serve historical pages without push-down and replay
	// key ranges by revision range, as before the (key, rv) index.
	legacyHistory, legacyReplay bool
}

var _ storage.Interface = (*store)(nil)

// NewStore builds the storage.Interface of one resource on db.
func (db *DB) NewStore(cfg StoreConfig) (storage.Interface, error) {
	return db.newStore(cfg)
}

func (db *DB) newStore(cfg StoreConfig) (*store, error) {
	switch {
	case cfg.Codec == nil:
		return nil, errors.New("new store: codec is required")
	case cfg.ResourcePrefix == "" || cfg.ResourcePrefix == "/":
		return nil, fmt.Errorf("new store: invalid resource prefix %q", cfg.ResourcePrefix)
	case !strings.HasPrefix(cfg.ResourcePrefix, "/"):
		return nil, fmt.Errorf("new store: resource prefix %q must start with /", cfg.ResourcePrefix)
	}
	t := cfg.Transformer
	if t == nil {
		t = identity.NewEncryptCheckTransformer()
	}
	s := &store{
		db:             db,
		codec:          cfg.Codec,
		versioner:      storage.APIObjectVersioner{},
		newFunc:        cfg.NewFunc,
		newListFunc:    cfg.NewListFunc,
		resourcePrefix: cfg.ResourcePrefix,
		groupResource:  cfg.GroupResource,
		attrFunc:       cfg.AttrFunc,
		corruptErrors:  cfg.CorruptReadErrors,
		indexKey:       withSlash(cfg.ResourcePrefix),
		reindexed:      make(chan struct{}),
	}
	s.setTransformer(t)
	if cfg.Sealed {
		s.attrFunc = nil
		if err := s.clearSideTables(context.Background()); err != nil {
			return nil, fmt.Errorf("new store %s: clearing the labels and fields of an encrypted resource: %w", cfg.ResourcePrefix, err)
		}
	}
	if s.attrFunc == nil {
		close(s.reindexed)
		return s, nil
	}
	if db.closed() {
		return nil, ErrClosed
	}
	s.want = s.wantedAttrs()
	needed, err := s.openIndex(context.Background())
	if err != nil {
		return nil, fmt.Errorf("new store %s: recording its indexed labels and fields: %w", cfg.ResourcePrefix, err)
	}
	s.startReindex(needed)
	return s, nil
}

func (s *store) getTransformer() value.Transformer { return s.transformer.Load().Transformer }

func (s *store) setTransformer(t value.Transformer) { s.transformer.Store(&transformerBox{t}) }

// Versioner implements storage.Interface.
func (s *store) Versioner() storage.Versioner { return s.versioner }

// prepareKey validates a key against the resource prefix.
func (s *store) prepareKey(key string, recursive bool) (string, error) {
	return storage.PrepareKey(s.resourcePrefix, key, recursive)
}

// authenticatedDataString binds a stored value to its key for transformers.
type authenticatedDataString string

// AuthenticatedData implements value.Context.
func (d authenticatedDataString) AuthenticatedData() []byte { return []byte(d) }

var _ value.Context = authenticatedDataString("")

// fromStorage untransforms a stored value.
func (s *store) fromStorage(ctx context.Context, key string, data []byte) ([]byte, bool, error) {
	out, stale, err := s.getTransformer().TransformFromStorage(ctx, data, authenticatedDataString(key))
	if err != nil && s.corruptErrors {
		err = &corruptObjectError{err: err, errType: untransformable}
	}
	return out, stale, err
}

// toStorage transforms a value for storage.
func (s *store) toStorage(ctx context.Context, key string, data []byte) ([]byte, error) {
	return s.getTransformer().TransformToStorage(ctx, data, authenticatedDataString(key))
}

// decodeInto decodes data into obj and sets its resource version.
func (s *store) decodeInto(data []byte, obj runtime.Object, rv int64) error {
	if _, _, err := s.codec.Decode(data, nil, obj); err != nil {
		if s.corruptErrors {
			return &corruptObjectError{err: err, errType: undecodable, revision: rv}
		}
		return err
	}
	if err := s.versioner.UpdateObject(obj, uint64(rv)); err != nil {
		klog.ErrorS(err, "Failed to set the resource version of a decoded object")
	}
	return nil
}

// decodeNew decodes data into a new object.
func (s *store) decodeNew(data []byte, rv int64) (runtime.Object, error) {
	obj, err := runtime.Decode(s.codec, data)
	if err != nil {
		if s.corruptErrors {
			return nil, &corruptObjectError{err: err, errType: undecodable, revision: rv}
		}
		return nil, err
	}
	if err := s.versioner.UpdateObject(obj, uint64(rv)); err != nil {
		return nil, fmt.Errorf("failure to version api object (%d): %w", rv, err)
	}
	return obj, nil
}

// Stats implements storage.Interface.
func (s *store) Stats(ctx context.Context) (storage.Stats, error) {
	lo, hi := prefixRange(withSlash(s.resourcePrefix))
	var count, size int64
	if _, err := s.db.read().queryRow(ctx, stmtStats, []any{&count, &size}, lo, hi); err != nil {
		return storage.Stats{}, err
	}
	st := storage.Stats{ObjectCount: count}
	if s.sizeEstimation.Load() && count > 0 {
		st.EstimatedAverageObjectSizeBytes = size / count
	}
	return st, nil
}

// EnableResourceSizeEstimation implements storage.Interface. Sizes are kept
// in the objects table, so the keys function is not needed.
func (s *store) EnableResourceSizeEstimation(getKeys storage.KeysFunc) error {
	if getKeys == nil {
		return errors.New("KeysFunc cannot be nil")
	}
	if !s.sizeEstimation.CompareAndSwap(false, true) {
		return errors.New("resourceSizeEstimator already enabled")
	}
	return nil
}

// ReadinessCheck implements storage.Interface: the database answers.
func (s *store) ReadinessCheck() error {
	ctx, cancel := context.WithTimeout(context.Background(), readinessTimeout)
	defer cancel()
	return s.db.Ping(ctx)
}

// GetCurrentResourceVersion implements storage.Interface.
func (s *store) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	return s.db.CurrentResourceVersion(ctx)
}

// CompactRevision implements storage.Interface.
func (s *store) CompactRevision() int64 { return s.db.CompactedResourceVersion() }

// RequestWatchProgress implements storage.Interface: every progress-notify
// watcher of this store sends a bookmark as soon as it has delivered all
// events dispatched so far.
func (s *store) RequestWatchProgress(ctx context.Context) error {
	s.db.poller.wake()
	for _, w := range s.db.hub.storeWatchers(s) {
		if w.progressNotify {
			w.requestProgress()
		}
	}
	return nil
}

// clearSideTables deletes the resource's label and field rows and its
// attr_index record, so that nothing of an encrypted resource stays
// readable next to its values (a later store with push-down re-indexes).
func (s *store) clearSideTables(ctx context.Context) error {
	lo, hi := prefixRange(s.indexKey)
	return s.db.write(ctx, func(ctx context.Context, t *writeTx) error {
		for _, id := range []stmtID{stmtDeleteLabelsInRange, stmtDeleteFieldsInRange} {
			if _, err := t.r.exec(ctx, id, lo, hi); err != nil {
				return err
			}
		}
		_, err := t.r.exec(ctx, stmtDropAttrIndex, s.indexKey)
		return err
	})
}

// withSlash appends "/" to a prefix that lacks it.
func withSlash(prefix string) string {
	if strings.HasSuffix(prefix, "/") {
		return prefix
	}
	return prefix + "/"
}

// prefixRange returns the key range [lo, hi) of the keys starting with
// prefix. Recursive prefixes end with "/", so hi is prefix with "/" -> "0".
func prefixRange(prefix string) (string, string) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return prefix, string(b[:i+1])
		}
	}
	// All 0xff: no upper bound; 0xff bytes sort after every valid key.
	return prefix, prefix + "\xff"
}

// getNewItemFunc returns a constructor of list items (unstructured lists keep
// their group/version).
func getNewItemFunc(listObj runtime.Object, v reflect.Value) func() runtime.Object {
	if ul, ok := listObj.(*unstructured.UnstructuredList); ok {
		if apiVersion := ul.GetAPIVersion(); apiVersion != "" {
			return func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion}}
			}
		}
	}
	elem := v.Type().Elem()
	return func() runtime.Object {
		return reflect.New(elem).Interface().(runtime.Object)
	}
}

// unsafeDeletionEnabled reports whether corrupt objects may be deleted.
func unsafeDeletionEnabled() bool {
	return utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion)
}
