// Package helmchart fetches Helm charts and chart dependencies for the bundle reader with the
// Helm SDK (helm.sh/helm/v3): charts from a chart repository (helm.repo + helm.chart +
// helm.version, a semver constraint), from a .tgz URL, from an OCI registry (oci://) and from
// local directories or archives outside the bundle. Chart dependencies declared in Chart.yaml
// are resolved automatically (as `helm dependency update`) when charts/ does not already hold
// them, unless helm.disableDependencyUpdate is set.
//
// Helm's repository configuration and cache live in a private temporary directory per fetch, so
// nothing is read from or written to the user's Helm home. Registries on 127.0.0.1 or localhost
// are spoken to over plain HTTP. Not supported: credentials (basic auth, registry logins, CA
// bundles) and go-getter URLs (git::, s3::).
package helmchart
