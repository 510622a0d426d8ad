package sqlstore

import (
	"sync"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

var (
	sqlDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace:      "fleet",
		Subsystem:      "storage",
		Name:           "sql_duration_seconds",
		Help:           "Latency of SQL statements, by statement name.",
		Buckets:        []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		StabilityLevel: metrics.ALPHA,
	}, []string{"statement"})

	sqlErrors = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      "fleet",
		Subsystem:      "storage",
		Name:           "sql_errors_total",
		Help:           "SQL statement failures, by statement name and error class.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"statement", "class"})

	writeBatchSize = metrics.NewHistogram(&metrics.HistogramOpts{
		Namespace:      "fleet",
		Subsystem:      "storage",
		Name:           "write_batch_size",
		Help:           "Number of writes committed together by one write transaction (group commit).",
		Buckets:        []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		StabilityLevel: metrics.ALPHA,
	})

	watchersGauge = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace:      "fleet",
		Subsystem:      "storage",
		Name:           "watchers",
		Help:           "Number of open storage watchers.",
		StabilityLevel: metrics.ALPHA,
	})

	watchCatchUpsTotal = metrics.NewCounter(&metrics.CounterOpts{
		Namespace:      "fleet",
		Subsystem:      "storage",
		Name:           "watch_catchups_total",
		Help:           "Times a watcher fell too far behind and caught up from the event history.",
		StabilityLevel: metrics.ALPHA,
	})

	registerMetricsOnce sync.Once
)

// registerMetrics registers the package metrics in the legacy registry once.
func registerMetrics() {
	registerMetricsOnce.Do(func() {
		legacyregistry.MustRegister(sqlDuration, sqlErrors, writeBatchSize, watchersGauge, watchCatchUpsTotal)
	})
}
