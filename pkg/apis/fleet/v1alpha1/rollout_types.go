package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// RolloutStrategy controls how a bundle change is rolled out across clusters. Targets are split into
// partitions, processed in order; a staged deployment is promoted to a cluster only while the number
// of unavailable clusters (not yet on the new deployment, or not ready) stays below maxUnavailable,
// globally and in its partition.
type RolloutStrategy struct {
	// MaxUnavailable is the number or percentage of clusters that may be unavailable during an
	// update; once reached, the rollout pauses. Defaults to 100%, i.e. no limit.
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// MaxUnavailablePartitions is the number or percentage of partitions that may be unavailable
	// before later partitions wait. Defaults to 0.
	// +optional
	MaxUnavailablePartitions *intstr.IntOrString `json:"maxUnavailablePartitions,omitempty"`
	// AutoPartitionSize is the number or percentage of clusters per automatic partition, used when no
	// partitions are defined. Defaults to 25%.
	// +optional
	AutoPartitionSize *intstr.IntOrString `json:"autoPartitionSize,omitempty"`
	// Partitions are manually defined partitions, in rollout order. Clusters matching no partition
	// are not rolled out.
	// +optional
	// +listType=atomic
	Partitions []Partition `json:"partitions,omitempty"`
	// AutoPartitionThreshold is the minimum number of target clusters before automatic partitioning
	// applies; below it all clusters form one partition. Defaults to 200.
	// +optional
	AutoPartitionThreshold *int `json:"autoPartitionThreshold,omitempty"`
	// MaxNew is the maximum number of BundleDeployments created per reconcile, which limits how fast
	// a bundle is first staged to many clusters. Defaults to 50.
	// +optional
	MaxNew *int `json:"maxNew,omitempty"`
}

// Partition defines a set of clusters rolled out together, with its own maxUnavailable.
type Partition struct {
	// Name of the partition, for display.
	// +optional
	Name string `json:"name,omitempty"`
	// MaxUnavailable is the number or percentage of clusters in this partition that may be
	// unavailable before the partition is considered unavailable. Defaults to 10%.
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// ClusterName includes the cluster with this name.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ClusterSelector includes clusters with these labels.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// ClusterGroup includes the clusters of the ClusterGroup with this name.
	// +optional
	ClusterGroup string `json:"clusterGroup,omitempty"`
	// ClusterGroupSelector includes the clusters of ClusterGroups with these labels.
	// +optional
	ClusterGroupSelector *metav1.LabelSelector `json:"clusterGroupSelector,omitempty"`
}

// PartitionStatus is the status of one rollout partition of a Bundle.
type PartitionStatus struct {
	// Name of the partition, e.g. "All" or "Partition 0 - 56".
	// +optional
	Name string `json:"name,omitempty"`
	// Count is the number of clusters in the partition.
	// +optional
	Count int `json:"count,omitempty"`
	// MaxUnavailable is the resolved maximum number of unavailable clusters in the partition.
	// +optional
	MaxUnavailable int `json:"maxUnavailable,omitempty"`
	// Unavailable is the number of unavailable clusters in the partition.
	// +optional
	Unavailable int `json:"unavailable,omitempty"`
	// Summary counts the partition's BundleDeployments per state.
	// +optional
	Summary BundleSummary `json:"summary,omitempty"`
}
