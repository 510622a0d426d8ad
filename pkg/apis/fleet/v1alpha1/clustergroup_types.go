package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterGroup is a reusable, named selection of the Clusters in its namespace, usable as a target
// (clusterGroup, clusterGroupSelector).
type ClusterGroup struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec selects the clusters of the group.
	// +optional
	Spec ClusterGroupSpec `json:"spec,omitempty"`
	// Status aggregates the status of the group's clusters.
	// +optional
	Status ClusterGroupStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterGroupList is a list of ClusterGroups.
type ClusterGroupList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ClusterGroups.
	Items []ClusterGroup `json:"items"`
}

// ClusterGroupSpec selects the clusters of a group.
type ClusterGroupSpec struct {
	// Selector matches Clusters of the same namespace by label. An empty selector ({}) selects all
	// of them; an unset selector selects none.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// ClusterGroupStatus aggregates the status of a group's clusters.
type ClusterGroupStatus struct {
	// ClusterCount is the number of clusters in the group. Always serialized.
	// +optional
	ClusterCount int `json:"clusterCount"`
	// NonReadyClusterCount is the number of clusters that are not ready. Always serialized.
	// +optional
	NonReadyClusterCount int `json:"nonReadyClusterCount"`
	// NonReadyClusters lists the names of (at most 10) non-ready clusters.
	// +optional
	// +listType=atomic
	NonReadyClusters []string `json:"nonReadyClusters,omitempty"`
	// Conditions are Processed and Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// Summary is the sum of the clusters' bundle summaries.
	// +optional
	Summary BundleSummary `json:"summary,omitempty"`
	// Display summarizes the status for kubectl.
	// +optional
	Display ClusterGroupDisplay `json:"display,omitempty"`
	// ResourceCounts counts the resources per state over the clusters' bundles.
	// +optional
	ResourceCounts ResourceCounts `json:"resourceCounts,omitempty"`
}

// ClusterGroupDisplay summarizes a ClusterGroup status for kubectl.
type ClusterGroupDisplay struct {
	// ReadyClusters is "<ready>/<total>" clusters, followed by the names of non-ready ones.
	// +optional
	ReadyClusters string `json:"readyClusters,omitempty"`
	// ReadyBundles is "<ready>/<desired ready>" bundles over all clusters.
	// +optional
	ReadyBundles string `json:"readyBundles,omitempty"`
	// State is the worst bundle state in the group; empty when everything is ready.
	// +optional
	State string `json:"state,omitempty"`
}
