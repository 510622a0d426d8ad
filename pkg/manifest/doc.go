// Package manifest computes the identities Fleet derives from a bundle: the manifest ID of its
// resources, the deployment ID of a (manifest, options) pair, content digests and Fleet's
// DNS-safe names (bundle and Helm release names of at most 53 characters).
//
// The formulas are Fleet's (reference/fleet.md §4.5, internal/manifest and internal/names):
//
//	manifestID   = ("s-" + hex(sha256(json({"resources": resources}))))[:63]
//	deploymentID = manifestID + ":" + hex(sha256(json(options with diff and correctDrift cleared)))
//
// Resources are hashed exactly as they appear in the Bundle (name, content, encoding), so two
// bundles with the same files share one manifest, whatever their names or targets. Content
// digests ("sha256:<hex>") address individual files so the same file is stored once.
//
// Not supported: Fleet's OCI-storage contents IDs and the git-commit chart version form
// ("v0.0.0+git-<commit>"); the chart version is always derived from the manifest ID.
package manifest
