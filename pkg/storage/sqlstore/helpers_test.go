package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value"
)

var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme)
)

// testPrefix is the prefix the test transformer adds to stored values.
const testPrefix = "test!"

func init() {
	metav1.AddToGroupVersion(scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(example.AddToScheme(scheme))
	utilruntime.Must(examplev1.AddToScheme(scheme))
}

type setupOptions struct {
	cfg   Config
	store StoreConfig
	// registryAttrs, when set, builds the store as production does: the
	// Decorator of RESTOptionsGetter, given this AttrFunc by the registry.
	registryAttrs storage.AttrFunc
}

type setupOption func(*setupOptions)

func withCodec(c runtime.Codec) setupOption {
	return func(o *setupOptions) { o.store.Codec = c }
}

func withTransformer(t value.Transformer) setupOption {
	return func(o *setupOptions) { o.store.Transformer = t }
}

func withConfig(fn func(*Config)) setupOption {
	return func(o *setupOptions) { fn(&o.cfg) }
}

func withAttrFunc(fn storage.AttrFunc) setupOption {
	return func(o *setupOptions) { o.store.AttrFunc = fn }
}

func withRegistryDecorator(fn storage.AttrFunc) setupOption {
	return func(o *setupOptions) { o.registryAttrs = fn }
}

// openTestDB opens a fresh database in t.TempDir(), closed at cleanup.
func openTestDB(t testing.TB, cfg Config) *DB {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "fleet.db")
	}
	db, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// testSetup returns a store of example pods under "/pods/", as etcd3's
// store_test.go builds it: JSON codec, a prefix transformer.
func testSetup(t testing.TB, opts ...setupOption) (context.Context, *store, *DB) {
	t.Helper()
	o := setupOptions{store: podStoreConfig()}
	for _, opt := range opts {
		opt(&o)
	}
	db := openTestDB(t, o.cfg)
	if o.registryAttrs != nil {
		return context.Background(), decoratedStore(t, db, o.store, o.registryAttrs), db
	}
	s, err := db.newStore(o.store)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return context.Background(), s, db
}

// decoratedStore builds the store of cfg through RESTOptionsGetter and its
// Decorator, as genericregistry.Store does, with the registry's AttrFunc.
func decoratedStore(t testing.TB, db *DB, cfg StoreConfig, attrFunc storage.AttrFunc) *store {
	t.Helper()
	opts, err := db.RESTOptionsGetter(cfg.Codec).GetRESTOptions(cfg.GroupResource, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := opts.StorageConfig
	sc.Codec, sc.Transformer = cfg.Codec, cfg.Transformer
	iface, destroy, err := opts.Decorator(sc, cfg.ResourcePrefix, nil, cfg.NewFunc, cfg.NewListFunc, attrFunc, nil, nil)
	if err != nil {
		t.Fatalf("Decorator: %v", err)
	}
	t.Cleanup(destroy)
	s := iface.(*store)
	// The Decorator reports unreadable objects as corrupt when
	// AllowUnsafeMalformedObjectDeletion is on (its default), as etcd3's
	// factory wraps its store in NewStoreWithUnsafeCorruptObjectDeletion.
	// The suite expects the errors of the unwrapped store (etcd3 runs it
	// without the wrapper too): keep the suite's setting.
	s.corruptErrors = cfg.CorruptReadErrors
	return s
}

// podStoreConfig is the store of the suite: example pods under "/pods/", JSON
// codec, a prefix transformer.
func podStoreConfig() StoreConfig {
	return StoreConfig{
		Codec:          apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
		Transformer:    storagetesting.NewPrefixTransformer([]byte(testPrefix), false),
		NewFunc:        func() runtime.Object { return &example.Pod{} },
		NewListFunc:    func() runtime.Object { return &example.PodList{} },
		ResourcePrefix: "/pods/",
		GroupResource:  schema.GroupResource{Resource: "pods"},
	}
}

// checkStorageInvariants reads the stored bytes of a key and checks that
// they carry no resource version or selfLink.
func checkStorageInvariants(s *store) storagetesting.KeyValidation {
	return func(ctx context.Context, t *testing.T, key string) {
		_, value, found, err := s.readCurrent(ctx, key)
		if err != nil || !found {
			t.Fatalf("reading %s: found=%v err=%v", key, found, err)
		}
		decoded, err := runtime.Decode(s.codec, value[len(testPrefix):])
		if err != nil {
			t.Fatalf("expecting successful decode of object from %v\n%v", err, string(value))
		}
		obj := decoded.(*example.Pod)
		if obj.ResourceVersion != "" {
			t.Errorf("stored object should have empty resource version")
		}
		if obj.SelfLink != "" {
			t.Errorf("stored output should have empty selfLink")
		}
	}
}

// compactStorage is the suite's Compaction hook.
func compactStorage(db *DB) storagetesting.Compaction {
	return func(ctx context.Context, t *testing.T, resourceVersion string) {
		rv, err := strconv.ParseInt(resourceVersion, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Compact(ctx, rv); err != nil {
			t.Fatal(err)
		}
	}
}

// increaseRV writes a key outside every resource, as etcd3's test writes
// "increaseRV", and returns the new revision.
func increaseRV(db *DB) storagetesting.IncreaseRVFunc {
	return func(ctx context.Context, t *testing.T) int64 {
		rv, err := db.writeRaw(ctx, "increaseRV", []byte("ok"))
		if err != nil {
			t.Fatalf("Could not update increaseRV: %v", err)
		}
		return rv
	}
}

// writeRaw writes a value at a key whatever its current revision.
func (db *DB) writeRaw(ctx context.Context, key string, value []byte) (int64, error) {
	var rv int64
	err := db.write(ctx, func(ctx context.Context, t *writeTx) error {
		var prev int64
		if _, err := t.r.queryRow(ctx, stmtObjectRV, []any{&prev}, key); err != nil {
			return err
		}
		var err error
		rv, err = putTx(ctx, t, putRequest{key: key, value: value, expectRV: prev})
		return err
	})
	return rv, err
}

// storeWithPrefixTransformer lets the suite rotate the prefix transformer.
type storeWithPrefixTransformer struct {
	*store
}

func (s *storeWithPrefixTransformer) UpdatePrefixTransformer(modifier storagetesting.PrefixTransformerModifier) func() {
	orig := s.getTransformer()
	copied := *orig.(*storagetesting.PrefixTransformer)
	s.setTransformer(modifier(&copied))
	return func() { s.setTransformer(orig) }
}

// storeWithTransformerOverride lets the suite wrap the transformer.
type storeWithTransformerOverride struct {
	storage.Interface
	store *store
}

func (s *storeWithTransformerOverride) UpdateTransformer(modifier storagetesting.TransformerModifier) func() {
	orig := s.store.getTransformer()
	s.store.setTransformer(modifier(orig))
	return func() { s.store.setTransformer(orig) }
}

// checkTransformerReads is the suite's CallsValidation: the number of values
// read through the transformer (objects processed). The SQL store issues one
// query per batch, so etcd's per-request counts do not apply.
func checkTransformerReads(s *store) storagetesting.CallsValidation {
	transformer := s.getTransformer().(*storagetesting.PrefixTransformer)
	return func(t *testing.T, _, estimatedProcessedObjects uint64) {
		if reads := transformer.GetReadsAndReset(); reads != estimatedProcessedObjects {
			t.Errorf("unexpected reads: %d, expected: %d", reads, estimatedProcessedObjects)
		}
	}
}

// failingTransformer fails reads on demand.
type failingTransformer struct {
	value.Transformer
	fail atomic.Bool
}

func (ft *failingTransformer) setFailing(c bool) { ft.fail.Store(c) }

func (ft *failingTransformer) TransformFromStorage(ctx context.Context, data []byte, dataCtx value.Context) ([]byte, bool, error) {
	if ft.fail.Load() {
		return nil, false, errors.New("synthetic error")
	}
	return ft.Transformer.TransformFromStorage(ctx, data, dataCtx)
}

// failingCodec fails decodes on demand.
type failingCodec struct {
	runtime.Codec
	fail atomic.Bool
}

func (fc *failingCodec) setFailing(c bool) { fc.fail.Store(c) }

func (fc *failingCodec) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if fc.fail.Load() {
		return nil, nil, errors.New("synthetic error")
	}
	return fc.Codec.Decode(data, defaults, into)
}

func expectNoDiff(t *testing.T, msg string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", msg, diff)
	}
}
