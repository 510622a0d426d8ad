// Package bundles is the Bundle reconciler of issue 11 (docs/bundledeployments.md §9): it matches
// Bundles against Clusters with pkg/target, plans their rollout with pkg/rollout and hands the
// desired BundleDeployments to the pair store. This file set holds what exists so far: the index
// that decides which Bundles a Cluster change can affect, so that a change of one Cluster costs
// work for that Cluster only.
package bundles
