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
//     or raw YAML. Raw YAML is what Fleet packs into a chart: the root templates/ folder is a
//     chart with a generated Chart.yaml, every other *.yaml, *.yml and *.json file holds objects
//     as written (not Helm-templated; documents without a kind are skipped).
//  3. Charts are rendered with the Helm SDK (client-only, with a fixed Kubernetes version so
//     templates do not see Helm's v1.20 default); kustomize runs as a post-render step over the
//     Helm output, or alone.
//  4. Post-processing: namespace forces every object into that namespace (with the target
//     cluster's REST mapping, Config.Mapper, cluster-scoped objects are refused instead);
//     defaultNamespace is only the release namespace and is not written into objects; CRDs get
//     helm.sh/resource-policy: keep unless deleteCRDResources; every object gets Fleet's
//     objectset.rio.cattle.io/hash label and objectset.rio.cattle.io/id annotation.
//
// Rendering is a pure function of (resources, options, mapper): callers that render for many
// clusters should render once per distinct deployment ID (see Cache).
//
// Not supported: Helm valuesFrom (read from the downstream cluster by the agent), lookup() and
// other functions that need a live cluster.
package render
