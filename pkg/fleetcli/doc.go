// Package fleetcli implements the `fleet` command line: apply (directories to Bundles), target
// (Bundle and clusters to BundleDeployments), deploy --dry-run (BundleDeployments to the objects
// an agent would install) and test (all three for one directory and a synthetic cluster), with
// the flags of Fleet's CLI where they exist (reference/fleet.md §5.1).
//
// Every command writes YAML documents in a stable order and writes nothing to its output when it
// fails: output is built in memory first. Warnings (unknown fleet.yaml keys) go to stderr.
//
// Not supported yet: deploying to a cluster (`fleet deploy` without --dry-run), pruning stale
// bundles of a repository, values Secrets, ImageScan objects, OCI storage of bundle contents,
// BundleNamespaceMappings in `fleet target`, and Fleet's monitor/analyze/dump/bundlediff/cleanup
// commands.
package fleetcli
