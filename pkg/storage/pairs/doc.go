// Package pairs is the compact storage of BundleDeployments (issue 11, docs/bundledeployments.md):
// one row of integers per (Bundle, Cluster) pair, and what pairs share stored once. What exists so
// far is the status codec: an agent-reported status split into a body shared by every pair that
// reports the same, and the few pair-local values (timestamps, the Helm release revision) that
// differ from cluster to cluster.
package pairs
