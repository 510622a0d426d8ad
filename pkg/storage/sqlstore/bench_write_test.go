package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/klog/v2"
)

// cpuMicros is the CPU time (user + system) the process has used, in µs.
func cpuMicros(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
}

// BenchmarkWriteCPU reports the CPU time per write (cpu-µs/write), which
// load from other processes distorts much less than writes per second: one
// writer creating then patching pods, and 24 concurrent creators (group
// commit). It prices what the store maintains per write (events, objects,
// the events (key, rv) index, the side tables).
func BenchmarkWriteCPU(b *testing.B) {
	klog.SetLogger(logr.Discard())
	ctx := context.Background()
	newPod := func(i int64) (string, *example.Pod) {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%100), Name: fmt.Sprintf("pod-%d", i), Labels: map[string]string{"a": "b", "c": "d"}}}
		return "/pods/" + pod.Namespace + "/" + pod.Name, pod
	}
	b.Run("Writers=1", func(b *testing.B) {
		s := openBenchSQLite(b)
		start := cpuMicros(b)
		var i int64
		for b.Loop() {
			key, pod := newPod(i)
			i++
			if err := s.Create(ctx, key, pod, nil, 0); err != nil {
				b.Fatal(err)
			}
			if err := s.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
				obj.(*example.Pod).Annotations = map[string]string{"x": "y"}
				return obj, nil
			}), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cpuMicros(b)-start)/float64(2*b.N), "cpu-µs/write")
	})
	b.Run("Writers=24", func(b *testing.B) {
		s := openBenchSQLite(b)
		start := cpuMicros(b)
		var next atomic.Int64
		b.SetParallelism(12)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				key, pod := newPod(next.Add(1))
				if err := s.Create(ctx, key, pod, nil, 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric((cpuMicros(b)-start)/float64(b.N), "cpu-µs/write")
	})
}
