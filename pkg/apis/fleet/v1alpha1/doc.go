// Package v1alpha1 holds the fleet.cattle.io/v1alpha1 API: the same kinds, JSON field names and shapes as
// Rancher Fleet, so that Fleet users, kubectl muscle memory and Fleet's tools carry over.
//
// The server is versioned-only: these types are registered under both v1alpha1 and the internal version,
// so storage, tables and OpenAPI all see the external JSON shape. A later v1 will bring an internal hub.
//
// +k8s:deepcopy-gen=package
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-gen=true
// +k8s:openapi-model-package=com.github.fleetapi.fleet.pkg.apis.fleet.v1alpha1
// +groupName=fleet.cattle.io
package v1alpha1
