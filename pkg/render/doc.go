// Package render turns a bundle's resources and one cluster's options into the Kubernetes objects
// an agent would install, as Fleet's agent does before calling Helm (reference/fleet.md §2.5,
// §4.6 steps 5–6):
//
//  1. YAML overlays (yaml.overlays) are applied to the bundle files: a file under
//     overlays/<name>/ replaces the base file of the same path, an empty one deletes it, and
//     <file>_patch.<ext> patches <file>.<ext> with a JSON patch (a list), a strategic merge patch
//     (kinds known to client-go) or a JSON merge patch (other kinds).
//  2. The bundle style is chosen: a Helm chart (Chart.yaml at helm.chart, at the root, or a chart
//     fetched at apply time under .chart/<hash>/), kustomize (a kustomization at kustomize.dir),
//     or raw YAML (every *.yaml, *.yml and *.json file outside overlays/, not Helm-templated).
//  3. Charts are rendered with the Helm SDK (client-only, with a fixed Kubernetes version so
//     templates do not see Helm's v1.20 default); kustomize runs as a post-render step over the
//     Helm output, or alone.
//  4. Post-processing: namespaced objects without a namespace get defaultNamespace; namespace
//     forces every namespaced object into that namespace and rejects cluster-scoped objects;
//     CRDs get helm.sh/resource-policy: keep unless deleteCRDResources; every object gets
//     Fleet's objectset.rio.cattle.io/hash label and objectset.rio.cattle.io/id annotation.
//
// Rendering is a pure function of (resources, options): callers that render for many clusters
// should render once per distinct deployment ID (see Cache).
//
// Not supported: Helm valuesFrom (read from the downstream cluster by the agent), lookup() and
// other functions that need a live cluster, and scope discovery from a live cluster: whether a
// kind is cluster-scoped is decided from a built-in list of Kubernetes kinds plus the CRDs of the
// bundle itself; other kinds are taken to be namespaced.
package render
