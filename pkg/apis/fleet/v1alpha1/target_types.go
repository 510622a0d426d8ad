package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Targets select clusters in the namespace of the GitRepo, HelmOp or Bundle (plus namespaces mapped
// by a BundleNamespaceMapping). A target matches a cluster when every criterion it sets matches (AND);
// a target that sets no criterion matches nothing. A selector of {} matches everything.

// GitTarget selects clusters a GitRepo deploys to.
type GitTarget struct {
	// Name of the target, for display and logging.
	// +optional
	Name string `json:"name,omitempty"`
	// ClusterName matches a Cluster by name, or by its management.cattle.io/cluster-display-name
	// label.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ClusterSelector matches clusters by their labels.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// ClusterGroup matches clusters of the ClusterGroup with this name.
	// +optional
	ClusterGroup string `json:"clusterGroup,omitempty"`
	// ClusterGroupSelector matches clusters of ClusterGroups with these labels.
	// +optional
	ClusterGroupSelector *metav1.LabelSelector `json:"clusterGroupSelector,omitempty"`
}

// BundleTarget selects clusters and customizes the deployment options for them. In a Bundle produced
// from a GitRepo, the first entries are fleet.yaml targetCustomizations (which only customize or
// exclude) and the last ones are the GitRepo targets (which select); see targetRestrictions.
type BundleTarget struct {
	BundleDeploymentOptions `json:",inline"`
	// Name of the target, for display and logging. Defaults to "target000", "target001", ...
	// +optional
	Name string `json:"name,omitempty"`
	// ClusterName matches a Cluster by name, or by its management.cattle.io/cluster-display-name
	// label.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ClusterSelector matches clusters by their labels.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// ClusterGroup matches clusters of the ClusterGroup with this name.
	// +optional
	ClusterGroup string `json:"clusterGroup,omitempty"`
	// ClusterGroupSelector matches clusters of ClusterGroups with these labels.
	// +optional
	ClusterGroupSelector *metav1.LabelSelector `json:"clusterGroupSelector,omitempty"`
	// DoNotDeploy excludes the matching clusters.
	// +optional
	DoNotDeploy bool `json:"doNotDeploy,omitempty"`
}

// BundleTargetRestriction is an allow-list entry, a copy of a GitRepo target. Set internally by
// Fleet; when a Bundle has restrictions, a BundleDeployment is only created for clusters matching
// one of them.
type BundleTargetRestriction struct {
	// Name of the restriction.
	// +optional
	Name string `json:"name,omitempty"`
	// ClusterName matches a Cluster by name.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ClusterSelector matches clusters by their labels.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// ClusterGroup matches clusters of the ClusterGroup with this name.
	// +optional
	ClusterGroup string `json:"clusterGroup,omitempty"`
	// ClusterGroupSelector matches clusters of ClusterGroups with these labels.
	// +optional
	ClusterGroupSelector *metav1.LabelSelector `json:"clusterGroupSelector,omitempty"`
}
