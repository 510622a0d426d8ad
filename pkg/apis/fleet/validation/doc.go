// Package validation validates the objects of the fleet.cattle.io/v1alpha1 API.
//
// The rules are the ones Rancher Fleet's CRDs enforce (required fields, minimum lengths, the Helm
// release name pattern, enums, Go duration strings that must not be negative) plus the few the Fleet
// tooling checks before writing objects (dependsOn entries, HelmOp chart references, label selectors
// and labels that would otherwise only fail later in a controller). Nothing stricter: an object
// Fleet accepts should be accepted here, so existing YAML keeps working.
//
// Every function returns all errors it finds, each with the exact field path, so a client sees every
// problem of an object at once. Validate<Kind> checks a new object, Validate<Kind>Update an update
// of its spec and metadata, and Validate<Kind>StatusUpdate a write to the status subresource.
//
// Object names follow the rules kube-apiserver applies to custom resources: DNS-1123 subdomains of
// at most 253 characters.
package validation
