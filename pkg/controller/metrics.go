package controller

import (
	"sync"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	// Registers client-go's workqueue metrics (workqueue_depth, …) in legacyregistry.
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
)

var (
	reconcileTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "fleet", Subsystem: "controller", Name: "reconcile_total",
		Help: "Reconciles per controller and result (success, error, requeue).", StabilityLevel: metrics.ALPHA,
	}, []string{"controller", "result"})
	reconcileErrors = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "fleet", Subsystem: "controller", Name: "reconcile_errors_total",
		Help: "Reconcile errors per controller and reason.", StabilityLevel: metrics.ALPHA,
	}, []string{"controller", "reason"})
	reconcileDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "fleet", Subsystem: "controller", Name: "reconcile_duration_seconds",
		Help: "Duration of reconciles per controller.", StabilityLevel: metrics.ALPHA,
		Buckets: metrics.ExponentialBuckets(0.001, 4, 10),
	}, []string{"controller"})
	registerOnce sync.Once
)

func registerMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(reconcileTotal, reconcileErrors, reconcileDuration)
	})
}
