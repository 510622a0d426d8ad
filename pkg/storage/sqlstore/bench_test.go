package sqlstore

// Side-by-side benchmarks of this store (SQLite) and the stock etcd3 store on
// an embedded etcd, using the upstream benchmark bodies
// (k8s.io/apiserver/pkg/storage/testing/store_benchmarks.go) the way
// etcd3/store_test.go runs them. Results and the command line are in
// docs/benchmarks.md.

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"testing"

	"github.com/go-logr/logr"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/api/apitesting"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3"
	"k8s.io/apiserver/pkg/storage/etcd3/testserver"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	"k8s.io/component-base/metrics/testutil"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// benchBackend builds one store for a benchmark.
type benchBackend struct {
	name string
	open func(b *testing.B) storage.Interface
}

var benchBackends = []benchBackend{
	{name: "sqlite", open: openBenchSQLite},
	{name: "etcd", open: openBenchEtcd},
}

// benchAttrs is the AttrFunc of the SQLite benchmark store: labels and the
// pod fields of the upstream benchmarks, as a registry would declare them.
func benchAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pod, ok := obj.(*example.Pod)
	if !ok {
		return nil, nil, fmt.Errorf("not a pod: %T", obj)
	}
	return labels.Set(pod.Labels), fields.Set{
		"metadata.name":      pod.Name,
		"metadata.namespace": pod.Namespace,
		"spec.nodeName":      pod.Spec.NodeName,
	}, nil
}

func benchCodec() runtime.Codec { return apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion) }

// openBenchSQLite: the production configuration (WAL, synchronous=NORMAL,
// group commit, label/field push-down), no transformer, no compaction
// during the run.
func openBenchSQLite(b *testing.B) storage.Interface {
	db := openTestDB(b, Config{CompactInterval: -1})
	s, err := db.NewStore(StoreConfig{
		Codec:          benchCodec(),
		NewFunc:        func() runtime.Object { return &example.Pod{} },
		NewListFunc:    func() runtime.Object { return &example.PodList{} },
		ResourcePrefix: "/pods/",
		GroupResource:  schema.GroupResource{Resource: "pods"},
		AttrFunc:       benchAttrs,
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// openBenchEtcd: the etcd3 store on an embedded etcd configured as
// upstream's testserver.NewTestConfig (UnsafeNoFsync), listening on
// 127.0.0.1 only.
func openBenchEtcd(b *testing.B) storage.Interface {
	cfg := embed.NewConfig()
	cfg.UnsafeNoFsync = true
	client, peer := freeLoopbackURL(b), freeLoopbackURL(b)
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// Shutdown logs "use of closed network connection" errors: keep quiet.
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.Dir = b.TempDir()
	c := testserver.RunEtcd(b, cfg)
	versioner := storage.APIObjectVersioner{}
	compactor := etcd3.NewCompactor(c.Client, 0, clock.RealClock{}, nil)
	b.Cleanup(compactor.Stop)
	codec := benchCodec()
	s, err := etcd3.New(c, compactor, codec,
		func() runtime.Object { return &example.Pod{} },
		func() runtime.Object { return &example.PodList{} },
		"", "/pods/", schema.GroupResource{Resource: "pods"},
		identity.NewEncryptCheckTransformer(), etcd3.NewDefaultLeaseManagerConfig(),
		etcd3.NewDefaultDecoder(codec, versioner), versioner)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func freeLoopbackURL(b *testing.B) url.URL {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Addr().(*net.TCPAddr).Port))}
}

// BenchmarkWriteThroughput is upstream's RunBenchmarkWriteThroughput:
// 25 parallel writers (delete+create, or patch) under background watchers,
// listers and watch-listers.
func BenchmarkWriteThroughput(b *testing.B) {
	klog.SetLogger(logr.Discard())
	data := storagetesting.PrepareBenchmarkData(10, 500, 100)
	for _, be := range benchBackends {
		b.Run("Store="+be.name, func(b *testing.B) {
			s := be.open(b)
			before := watchCatchUps()
			storagetesting.RunBenchmarkWriteThroughput(context.Background(), b, s, data, false, nil)
			if n := watchCatchUps() - before; n > 0 {
				b.Logf("slow background watchers caught up from the history %.0f times", n)
			}
		})
	}
}

// BenchmarkStoreList is upstream's RunBenchmarkStoreList (cluster, node and
// namespace scopes; latest, Exact and NotOlderThan revisions; paginated).
func BenchmarkStoreList(b *testing.B) {
	klog.SetLogger(logr.Discard())
	data := storagetesting.PrepareBenchmarkData(100, 100, 100)
	for _, be := range benchBackends {
		b.Run("Store="+be.name, func(b *testing.B) {
			s := be.open(b)
			if err := storagetesting.PrecreateBenchmarkPods(context.Background(), s, data); err != nil {
				b.Fatal(err)
			}
			storagetesting.RunBenchmarkStoreList(context.Background(), b, s, data, false)
		})
	}
}

// BenchmarkStoreStats is upstream's RunBenchmarkStoreStats.
func BenchmarkStoreStats(b *testing.B) {
	klog.SetLogger(logr.Discard())
	data := storagetesting.PrepareBenchmarkData(100, 100, 100)
	for _, be := range benchBackends {
		b.Run("Store="+be.name, func(b *testing.B) {
			s := be.open(b)
			if err := storagetesting.PrecreateBenchmarkPods(context.Background(), s, data); err != nil {
				b.Fatal(err)
			}
			storagetesting.RunBenchmarkStoreStats(context.Background(), b, s)
		})
	}
}

// BenchmarkLabelSelectedList lists, with a label selector, the 1 % of
// 10,000 pods that match: SQLite reads only the matches through the labels
// index; etcd reads and decodes all 10,000.
func BenchmarkLabelSelectedList(b *testing.B) {
	klog.SetLogger(logr.Discard())
	const total, every = 10000, 100
	data := storagetesting.PrepareBenchmarkData(100, total/100, 100)
	for i, pod := range data.Pods {
		if i%every == 0 {
			if pod.Labels == nil {
				pod.Labels = map[string]string{}
			}
			pod.Labels["selected"] = "yes"
		}
	}
	selector := labels.SelectorFromSet(labels.Set{"selected": "yes"})
	for _, be := range benchBackends {
		b.Run("Store="+be.name, func(b *testing.B) {
			ctx := context.Background()
			s := be.open(b)
			if err := storagetesting.PrecreateBenchmarkPods(ctx, s, data); err != nil {
				b.Fatal(err)
			}
			for _, limit := range []int64{0, 500} {
				b.Run(fmt.Sprintf("Limit=%d", limit), func(b *testing.B) {
					pred := storage.SelectionPredicate{Label: selector, Field: fields.Everything(), GetAttrs: benchAttrs, Limit: limit}
					b.ResetTimer()
					for b.Loop() {
						out := &example.PodList{}
						if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: pred}, out); err != nil {
							b.Fatal(err)
						}
						if len(out.Items) != total/every {
							b.Fatalf("got %d pods, want %d", len(out.Items), total/every)
						}
					}
				})
			}
		})
	}
}

// watchCatchUps reads the slow-watcher counter.
func watchCatchUps() float64 {
	v, err := testutil.GetCounterMetricValue(watchCatchUpsTotal)
	if err != nil {
		return 0
	}
	return v
}
