package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
)

// GenericCondition is a wrangler-style condition, the condition shape of every Fleet kind. Unlike
// metav1.Condition it has lastUpdateTime and keeps both timestamps as RFC 3339 strings.
type GenericCondition struct {
	// Type of the condition, e.g. "Ready". Unique within a conditions list.
	// +required
	Type string `json:"type"`
	// Status of the condition, one of True, False, Unknown.
	// +required
	Status corev1.ConditionStatus `json:"status"`
	// LastUpdateTime is the last time this condition was updated (RFC 3339).
	// +optional
	LastUpdateTime string `json:"lastUpdateTime,omitempty"`
	// LastTransitionTime is the last time the condition changed status (RFC 3339).
	// +optional
	LastTransitionTime string `json:"lastTransitionTime,omitempty"`
	// Reason is a one-word CamelCase reason for the condition's last transition.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message is a human-readable message with details about the last transition.
	// +optional
	Message string `json:"message,omitempty"`
}

// StatusBase is the status shared by GitRepo and HelmOp: an aggregation over the BundleDeployments of
// the bundles they produced.
type StatusBase struct {
	// ReadyClusters is the number of clusters where all bundles of this resource are ready.
	// Always serialized.
	// +optional
	ReadyClusters int `json:"readyClusters"`
	// DesiredReadyClusters is the number of distinct clusters with a BundleDeployment of this
	// resource. Always serialized.
	// +optional
	DesiredReadyClusters int `json:"desiredReadyClusters"`
	// Summary counts the BundleDeployments of this resource per state and lists up to 10 non-ready
	// ones.
	// +optional
	Summary BundleSummary `json:"summary,omitempty"`
	// Display contains a human readable summary of the status.
	// +optional
	Display StatusDisplay `json:"display,omitempty"`
	// Conditions describe the state of the resource (wrangler conditions).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// Resources lists the resources deployed by the bundles of this resource and their per-cluster
	// state.
	// +optional
	// +listType=atomic
	Resources []ResourceStatus `json:"resources,omitempty"`
	// ResourceCounts counts the deployed resources per state over all bundles.
	// +optional
	ResourceCounts ResourceCounts `json:"resourceCounts,omitempty"`
	// PerClusterResourceCounts counts the deployed resources per state, keyed by
	// "<cluster namespace>/<cluster name>".
	// +optional
	// +mapType=granular
	PerClusterResourceCounts map[string]*ResourceCounts `json:"perClusterResourceCounts,omitempty"`
}

// StatusDisplay is a human readable summary of a GitRepo or HelmOp status.
type StatusDisplay struct {
	// ReadyBundleDeployments is "<ready>/<total>" over the BundleDeployments of this resource.
	// +optional
	ReadyBundleDeployments string `json:"readyBundleDeployments,omitempty"`
	// State is "GitUpdating" while the git job runs, otherwise the worst bundle state according to
	// StateRank; empty when everything is ready.
	// +optional
	State string `json:"state,omitempty"`
	// Message contains the relevant message from the deployment conditions.
	// +optional
	Message string `json:"message,omitempty"`
	// Error is true if the message describes an error.
	// +optional
	Error bool `json:"error,omitempty"`
}

// ResourceStatus describes one resource deployed by the bundles of a GitRepo or HelmOp. (Fleet's Go
// name is Resource, which here is taken by the register.go helper.)
type ResourceStatus struct {
	// APIVersion of the resource.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind of the resource.
	// +optional
	Kind string `json:"kind,omitempty"`
	// Type is the lower-cased "<group>.<kind>" of the resource, e.g.
	// "apiextensions.k8s.io.customresourcedefinition" or "configmap".
	// +optional
	Type string `json:"type,omitempty"`
	// ID is "<namespace>/<name>", or the name of a cluster-scoped resource.
	// +optional
	ID string `json:"id,omitempty"`
	// Namespace of the resource.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the resource.
	// +optional
	Name string `json:"name,omitempty"`
	// IncompleteState is true when a bundle summary was truncated (10 or more non-ready resources),
	// so the state of this resource may be incomplete.
	// +optional
	IncompleteState bool `json:"incompleteState,omitempty"`
	// State is the state of the resource, e.g. "Unknown", "WaitApplied", "ErrApplied" or "Ready".
	// +optional
	State string `json:"state,omitempty"`
	// Error is true if the resource is in an error state on any cluster.
	// +optional
	Error bool `json:"error,omitempty"`
	// Transitioning is true if the resource is transitioning on any cluster.
	// +optional
	Transitioning bool `json:"transitioning,omitempty"`
	// Message is the first message reported for this resource.
	// +optional
	Message string `json:"message,omitempty"`
	// PerClusterState lists, for each state, the IDs ("<namespace>/<name>") of the clusters where the
	// resource is in that state.
	// +required
	PerClusterState PerClusterState `json:"perClusterState"`
}

// PerClusterState lists cluster IDs per resource state.
type PerClusterState struct {
	// Ready lists the clusters where the resource is ready.
	// +optional
	// +listType=atomic
	Ready []string `json:"ready,omitempty"`
	// WaitApplied lists the clusters where the resource waits to be applied.
	// +optional
	// +listType=atomic
	WaitApplied []string `json:"waitApplied,omitempty"`
	// Pending lists the clusters where the resource is pending.
	// +optional
	// +listType=atomic
	Pending []string `json:"pending,omitempty"`
	// Modified lists the clusters where the resource was modified.
	// +optional
	// +listType=atomic
	Modified []string `json:"modified,omitempty"`
	// Orphaned lists the clusters where the resource is orphaned.
	// +optional
	// +listType=atomic
	Orphaned []string `json:"orphaned,omitempty"`
	// Missing lists the clusters where the resource is missing.
	// +optional
	// +listType=atomic
	Missing []string `json:"missing,omitempty"`
	// Unknown lists the clusters where the state of the resource is unknown.
	// +optional
	// +listType=atomic
	Unknown []string `json:"unknown,omitempty"`
	// NotReady lists the clusters where the resource is not ready.
	// +optional
	// +listType=atomic
	NotReady []string `json:"notReady,omitempty"`
}

// ResourceCounts counts deployed resources per state. All counters are always serialized.
type ResourceCounts struct {
	// Ready is the number of ready resources.
	// +optional
	Ready int `json:"ready"`
	// DesiredReady is the number of resources that should be ready.
	// +optional
	DesiredReady int `json:"desiredReady"`
	// WaitApplied is the number of resources waiting to be applied.
	// +optional
	WaitApplied int `json:"waitApplied"`
	// Modified is the number of modified resources.
	// +optional
	Modified int `json:"modified"`
	// Orphaned is the number of orphaned resources.
	// +optional
	Orphaned int `json:"orphaned"`
	// Missing is the number of missing resources.
	// +optional
	Missing int `json:"missing"`
	// Unknown is the number of resources in an unknown state.
	// +optional
	Unknown int `json:"unknown"`
	// NotReady is the number of resources in none of the other states.
	// +optional
	NotReady int `json:"notReady"`
}
