package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
)

// BenchmarkSyncMode measures what --storage-sync=full costs: creates of small pods by 1 and by 25
// concurrent writers (group commit shares one fsync between the writes of a transaction), with
// synchronous=NORMAL and FULL, on a database in the test's temporary directory.
func BenchmarkSyncMode(b *testing.B) {
	for _, mode := range SyncModes {
		for _, writers := range []int{1, 25} {
			b.Run(fmt.Sprintf("Sync=%s/Writers=%d", mode, writers), func(b *testing.B) {
				db := openTestDB(b, Config{CompactInterval: -1, Sync: mode})
				cfg := podStoreConfig()
				cfg.Transformer = nil
				s, err := db.newStore(cfg)
				if err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
							name := "pod-" + strconv.FormatInt(i, 10)
							pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
							if err := s.Create(context.Background(), "/pods/ns/"+name, pod, nil, 0); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			})
		}
	}
}
