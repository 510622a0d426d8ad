package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BundleDeploymentOptions are the options of a deployment: the root of a Bundle spec and of
// fleet.yaml, each target customization, and a BundleDeployment's options and stagedOptions.
//
// The JSON of the merged options (minus diff and correctDrift) is hashed into the deployment ID, so
// field order and omitempty choices are part of the contract.
type BundleDeploymentOptions struct {
	// DefaultNamespace is the namespace for resources that do not specify one (also the Helm release
	// namespace). It does not lock the deployment into that namespace.
	// +optional
	DefaultNamespace string `json:"defaultNamespace,omitempty"`
	// TargetNamespace (JSON "namespace"), if set, forces every resource into this namespace; the
	// deployment fails if it contains cluster-scoped resources.
	// +optional
	TargetNamespace string `json:"namespace,omitempty"`
	// Kustomize options, like the directory containing the kustomization.yaml file.
	// +optional
	Kustomize *KustomizeOptions `json:"kustomize,omitempty"`
	// Helm options: chart, repository, version, release name and values.
	// +optional
	Helm *HelmOptions `json:"helm,omitempty"`
	// ServiceAccount is the service account in the downstream cluster that the agent impersonates to
	// deploy. Defaults, at deploy time, to "fleet-default" if it exists.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// ForceSyncGeneration forces a redeployment whenever it changes.
	// +optional
	ForceSyncGeneration int64 `json:"forceSyncGeneration,omitempty"`
	// YAML options for raw YAML bundles: overlays that replace or patch resources.
	// +optional
	YAML *YAMLOptions `json:"yaml,omitempty"`
	// Diff ignores fields, or whole objects, that are changed at runtime when detecting drift.
	// +optional
	Diff *DiffOptions `json:"diff,omitempty"`
	// KeepResources keeps the deployed resources when the bundle is removed; only the Helm release
	// secrets are deleted.
	// +optional
	KeepResources bool `json:"keepResources,omitempty"`
	// IgnoreOptions (JSON "ignore") lists resource conditions ignored when computing readiness.
	// +optional
	IgnoreOptions `json:"ignore,omitempty"`
	// CorrectDrift specifies whether and how drift is corrected (by a Helm rollback).
	// +optional
	CorrectDrift *CorrectDrift `json:"correctDrift,omitempty"`
	// NamespaceLabels are added to the namespace created by Fleet.
	// +optional
	// +mapType=granular
	NamespaceLabels *map[string]string `json:"namespaceLabels,omitempty"`
	// NamespaceAnnotations are added to the namespace created by Fleet.
	// +optional
	// +mapType=granular
	NamespaceAnnotations *map[string]string `json:"namespaceAnnotations,omitempty"`
	// DeleteCRDResources deletes CRDs when the bundle is removed. Warning: this also deletes all
	// custom resources of those CRDs. By default CRDs are kept (helm.sh/resource-policy: keep).
	// +optional
	DeleteCRDResources bool `json:"deleteCRDResources,omitempty"`
	// DeleteNamespace deletes the deployed namespace when the bundle is removed.
	// +optional
	DeleteNamespace bool `json:"deleteNamespace,omitempty"`
	// DownstreamResources are Secrets and ConfigMaps copied from the bundle's namespace into each
	// downstream cluster (experimental).
	// +optional
	// +listType=atomic
	DownstreamResources []DownstreamResource `json:"downstreamResources,omitempty"`
	// Overwrites lists resources this bundle takes over from another bundle. Set internally by Fleet;
	// do not edit.
	// +optional
	// +listType=atomic
	Overwrites []OverwrittenResource `json:"overwrites,omitempty"`
	// AllowedTargetNamespaceSelector restricts deployments to downstream namespaces matching this
	// selector. Propagated from GitRepoRestriction and checked by the agent; set internally.
	// +optional
	AllowedTargetNamespaceSelector *metav1.LabelSelector `json:"allowedTargetNamespaceSelector,omitempty"`
	// CreateNamespace controls whether the target namespace is created during Helm installs.
	// Unset means create. Set to false by the controller when a Policy requires a service account
	// and does not allow namespace creation.
	// +optional
	CreateNamespace *bool `json:"createNamespace,omitempty"`
	// AllowPodSecurityNamespaceLabels controls whether namespaceLabels with the
	// "pod-security.kubernetes.io/" prefix are applied. Unset or false drops them. Set by the
	// controller from Policy; values from fleet.yaml or a Bundle are discarded.
	// +optional
	AllowPodSecurityNamespaceLabels *bool `json:"allowPodSecurityNamespaceLabels,omitempty"`
}

// KustomizeOptions configures kustomize for a deployment.
type KustomizeOptions struct {
	// Dir is the folder, relative to the bundle, containing kustomization.yaml.
	// +optional
	Dir string `json:"dir,omitempty"`
}

// YAMLOptions configures raw YAML deployments.
type YAMLOptions struct {
	// Overlays are names of folders under "overlays/". A file overlays/<name>/sub/x.yaml replaces
	// sub/x.yaml; overlays/<name>/sub/x_patch.yaml patches it; an empty file deletes it.
	// +optional
	// +listType=atomic
	Overlays []string `json:"overlays,omitempty"`
}

// DiffOptions configures drift detection.
type DiffOptions struct {
	// ComparePatches match resources and remove fields, or whole resources, from the drift check.
	// +optional
	// +listType=atomic
	ComparePatches []ComparePatch `json:"comparePatches,omitempty"`
}

// ComparePatch matches a resource and removes fields from the check for modifications.
type ComparePatch struct {
	// Kind of the resources to match.
	// +optional
	Kind string `json:"kind,omitempty"`
	// APIVersion of the resources to match.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Namespace of the resources to match.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the resources to match.
	// +optional
	Name string `json:"name,omitempty"`
	// Operations are applied before comparing: "remove" drops a path, "ignore" ignores the object.
	// +optional
	// +listType=atomic
	Operations []Operation `json:"operations,omitempty"`
	// JsonPointers (JSON "jsonPointers") are JSON pointers whose differences are ignored.
	// +optional
	// +listType=atomic
	JsonPointers []string `json:"jsonPointers,omitempty"` //nolint:revive // Fleet's Go name.
}

// Operation of a ComparePatch.
type Operation struct {
	// Op is "remove" (drop Path before comparing) or "ignore" (skip the whole resource).
	// +optional
	Op string `json:"op,omitempty"`
	// Path is the JSON path to remove. Not needed if op is "ignore".
	// +optional
	Path string `json:"path,omitempty"`
	// Value is usually empty.
	// +optional
	Value string `json:"value,omitempty"`
}

// IgnoreOptions lists what is ignored when monitoring a bundle.
type IgnoreOptions struct {
	// Conditions are resource conditions to ignore when computing readiness; an entry matches a
	// condition whose fields all equal the entry's values, e.g. {type: Active, status: "False"}.
	// +optional
	// +listType=atomic
	Conditions []map[string]string `json:"conditions,omitempty"`
}

// CorrectDrift configures drift correction.
type CorrectDrift struct {
	// Enabled turns drift correction on.
	// +optional
	Enabled bool `json:"enabled,omitempty"`
	// Force runs the Helm rollback with --force, recreating resources in the release.
	// +optional
	Force bool `json:"force,omitempty"`
	// KeepFailHistory keeps failed rollbacks in the Helm history.
	// +optional
	KeepFailHistory bool `json:"keepFailHistory,omitempty"`
}

// DownstreamResource identifies a Secret or ConfigMap copied from the bundle's namespace to each
// downstream cluster.
type DownstreamResource struct {
	// Kind is "Secret" or "ConfigMap".
	// +optional
	Kind string `json:"kind,omitempty"`
	// Name of the resource in the bundle's namespace.
	// +optional
	Name string `json:"name,omitempty"`
}

// OverwrittenResource identifies a resource taken over from another bundle.
type OverwrittenResource struct {
	// Kind of the resource.
	// +optional
	Kind string `json:"kind,omitempty"`
	// Name of the resource.
	// +optional
	Name string `json:"name,omitempty"`
	// Namespace of the resource.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}
