// Package fleet holds the REST storage of every fleet.cattle.io kind.
//
// The kinds that are stored as written (GitRepo, HelmOp, Bundle, Cluster, …) share one policy, so it is
// written once: a Definition says what differs per kind (names, scope, validation, printer columns,
// whether it has a status), and the generic strategies in strategy.go apply the rules every kind follows:
//
//   - create clears status and sets metadata.generation to 1;
//   - an update of the main resource keeps the stored status, and bumps generation when anything but
//     metadata and status changed (as CRDs do);
//   - an update of the status subresource keeps everything but status (and managedFields);
//   - server-side apply resets status on the main resource and everything but status on /status.
//
// The storage underneath is genericregistry.Store over our SQL storage.Interface, so dry-run, finalizers,
// generateName, server-side apply, watch and WatchList come from k8s.io/apiserver.
//
// Kinds whose server logic goes beyond this (BundleDeployment rows materialized by the API, computed status
// of Bundle, GitRepo, Cluster and ClusterGroup) will get their own packages; they are served here, as
// stored objects, until then.
package fleet
