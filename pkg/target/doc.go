// Package target decides which clusters a Bundle deploys to and with which options, as Fleet's
// bundle controller does (reference/fleet.md §2.3, §2.4, §3): it matches clusters against the
// bundle's targets, picks and merges target customizations (FirstMatch or AllMatches), applies
// doNotDeploy and targetRestrictions, pre-processes Helm values per cluster (cluster-label
// references and ${ } templating) and computes the deployment ID of each (bundle, cluster) pair.
//
// Matching: a target's criteria are the fields it sets (clusterName, clusterSelector,
// clusterGroup, clusterGroupSelector); a target matches when all of them do, and a target with no
// criteria matches nothing. clusterName also matches the management.cattle.io/cluster-display-name
// label. A cluster belongs to every ClusterGroup of its namespace whose selector matches its
// labels; group criteria must hold for one and the same group.
//
// Deviations from Fleet, on purpose:
//   - Fleet iterates a cluster's groups in map order, so with several groups the chosen target can
//     change between runs; here targets are tried in order, each against every group (sorted by
//     name), so the result is deterministic.
//   - Fleet copies the namespaceLabels/namespaceAnnotations of every target into every
//     BundleDeployment; here only the matched target's and customizations' values are merged.
//   - Fleet skips ${ } templating for clusters without labels, leaving "${ … }" in the values;
//     here templating always runs (unless helm.disablePreProcess).
//   - Helm values stay in the BundleDeployment options (Fleet moves them to a Secret).
//
// This package does not import Helm: it is the pure, cheap part of the pipeline.
package target
