// Package controller is the small in-process controller framework of fleet-apiserver's sync loop.
//
// A Controller feeds a rate-limited workqueue from client-go informers (the generated informers of
// package generated/informers, running over the server's loopback client) and runs a Reconciler per
// key. We chose plain client-go over controller-runtime: the server already links client-go and the
// generated clientset, informers and listers for its own API; controller-runtime would add a second
// cache, a second scheme registration and a manager with its own metrics server and leader election,
// none of which an in-process loop against our own storage needs.
//
// Every reconciler follows one skeleton (Run): get the object → defer the status summary and patch →
// deletion and finalizer → ordered steps. Steps return typed errors (Stalling, Waiting, Generic) that
// carry a reason; the deferred summarizer is the one place that turns them into conditions, and
// RequeueFor turns them into requeue decisions:
//
//   - Stalling: the object cannot progress until it changes (a bad fleet.yaml); no retry, but a
//     Result.RequeueAfter (polling) is still honoured.
//   - Waiting: a dependency is not there yet; retry after the error's delay, without backoff.
//   - Generic (and any untyped error): transient; retry with the queue's exponential backoff.
//
// Events: fleet-apiserver serves no core API in standalone mode, so there is nowhere to store
// Kubernetes Event objects. The EventRecorder of this package writes events to the structured log
// (klog) with the object, type and reason; an implementation backed by a core events client can be
// plugged in where one exists (behind kube-apiserver).
//
// Health: Start fails, and says why, when an informer's list or watch fails before the caches are
// synced; once running, CacheErr reports an informer that can no longer list (its cache falls
// behind). The server turns both into its /readyz check fleet-controllers.
//
// Secrets: SecretGetter reads the Secrets a spec names; behind kube-apiserver the server gives the
// controllers CachedSecrets over KubeSecrets (at most one read per Secret per SecretCacheTTL), and
// its clients are unthrottled (UnthrottledConfig says why).
//
// Metrics are registered in k8s.io/component-base's legacyregistry and so appear on the server's
// /metrics: fleet_controller_reconcile_total, fleet_controller_reconcile_errors_total,
// fleet_controller_reconcile_duration_seconds, and client-go's workqueue_* metrics (queue depth,
// latency, retries) labelled with the controller name.
package controller
