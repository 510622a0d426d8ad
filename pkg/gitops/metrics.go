package gitops

import (
	"sync"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

var (
	fetchDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "fleet", Subsystem: "gitops", Name: "git_fetch_duration_seconds",
		Help:    "Latency of git network operations (ls-remote, clone) by operation and result.",
		Buckets: metrics.ExponentialBuckets(0.005, 3, 10), StabilityLevel: metrics.ALPHA,
	}, []string{"operation", "result"})
	bundleWrites = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "fleet", Subsystem: "gitops", Name: "bundle_writes_total",
		Help: "Bundle writes by the GitRepo controller, by operation (create, update, delete, unchanged).", StabilityLevel: metrics.ALPHA,
	}, []string{"operation"})
	registerOnce sync.Once
)

func registerMetrics() {
	registerOnce.Do(func() { legacyregistry.MustRegister(fetchDuration, bundleWrites) })
}

func observeFetch(op string, d time.Duration, err error) {
	result := "success"
	if err != nil {
		result = "error"
	}
	fetchDuration.WithLabelValues(op, result).Observe(d.Seconds())
}
