package helmops

import (
	"sync"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

var (
	resolveDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "fleet", Subsystem: "helmops", Name: "chart_resolve_duration_seconds",
		Help:    "Latency of reading a Helm repository's versions (index.yaml, OCI tag list) by source (repository, oci) and result.",
		Buckets: metrics.ExponentialBuckets(0.005, 3, 10), StabilityLevel: metrics.ALPHA,
	}, []string{"source", "result"})
	bundleWrites = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "fleet", Subsystem: "helmops", Name: "bundle_writes_total",
		Help: "Bundle writes by the HelmOp controller, by operation (create, update, delete, unchanged).", StabilityLevel: metrics.ALPHA,
	}, []string{"operation"})
	registerOnce sync.Once
)

func registerMetrics() {
	registerOnce.Do(func() { legacyregistry.MustRegister(resolveDuration, bundleWrites) })
}

func observeResolve(source string, d time.Duration, err error) {
	result := "success"
	if err != nil {
		result = "error"
	}
	resolveDuration.WithLabelValues(source, result).Observe(d.Seconds())
}

func countWrite(err error, op string) {
	if err == nil {
		bundleWrites.WithLabelValues(op).Inc()
	}
}
