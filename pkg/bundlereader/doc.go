// Package bundlereader turns directories into Fleet Bundles, as `fleet apply` does
// (reference/fleet.md §2): it discovers bundle directories under the given paths, reads and
// checks fleet.yaml, loads every file of a bundle as a resource, merges helm.values with
// helm.valuesFiles, and assembles targets (fleet.yaml targets, then targetCustomizations, then
// the GitRepo targets, or overrideTargets, or the default target).
//
// Discovery follows Fleet: each path is globbed and walked; the path itself becomes a bundle when
// it has a fleet.yaml (or fleet.yml) or when it, or a sub-directory without its own fleet.yaml,
// holds *.yaml/*.yml files; every sub-directory with a fleet.yaml becomes a bundle of its own and
// its files are not part of the parent bundle. Hidden files and directories, fleet.yaml itself,
// the values files it references and paths matched by .fleetignore are not resources. A driven
// scan ("base:options.yaml") builds exactly one bundle per entry, without nested discovery.
//
// Unlike Fleet, unknown fleet.yaml keys are reported as warnings (Fleet ignores them silently) and
// every error names the file and, for YAML, the line. Bundle names follow Fleet's
// names.HelmReleaseName (package manifest).
//
// Helm charts that are not plain directories of the bundle (chart repositories, .tgz URLs, oci://
// references, charts outside the bundle directory) and chart dependencies are fetched through
// the ChartFetcher interface, so this package does not depend on Helm; package
// bundlereader/helmchart implements it with the Helm SDK. Not supported: go-getter URLs
// (git::, s3::), per-path Helm credentials and OCI storage of bundle contents.
package bundlereader
