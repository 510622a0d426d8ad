package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BundleDeployment is used internally by Fleet and should not be used directly. It is the state of a
// Bundle on one cluster, with that cluster's customizations: its name is the bundle name and its
// namespace is the cluster's namespace (Cluster status.namespace). The agent of a cluster only sees
// the BundleDeployments of its own cluster namespace and reports their status.
type BundleDeployment struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is written by the bundle controller: what to deploy now, and what is staged next.
	// +optional
	Spec BundleDeploymentSpec `json:"spec,omitempty"`
	// Status is written by the agent, except display which is computed upstream.
	// +optional
	Status BundleDeploymentStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BundleDeploymentList is a list of BundleDeployments.
type BundleDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the BundleDeployments.
	Items []BundleDeployment `json:"items"`
}

// BundleDeploymentSpec is the desired state of a bundle on one cluster. The controller always writes
// the staged options and ID; it copies them to options and deploymentID when the rollout allows.
type BundleDeploymentSpec struct {
	// Paused stops the agent from deploying; set when the Bundle or the Cluster is paused.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// StagedOptions are the options of the next deployment.
	// +optional
	StagedOptions BundleDeploymentOptions `json:"stagedOptions,omitempty"`
	// StagedDeploymentID is the ID of the next deployment, "<manifest ID>:<options hash>".
	// +optional
	StagedDeploymentID string `json:"stagedDeploymentID,omitempty"`
	// Options are the options the agent must apply now.
	// +optional
	Options BundleDeploymentOptions `json:"options,omitempty"`
	// DeploymentID is the ID of the deployment the agent must apply now.
	// +optional
	DeploymentID string `json:"deploymentID,omitempty"`
	// DependsOn is copied from the Bundle.
	// +optional
	// +listType=atomic
	DependsOn []BundleRef `json:"dependsOn,omitempty"`
	// CorrectDrift is copied from the merged options.
	// +optional
	CorrectDrift *CorrectDrift `json:"correctDrift,omitempty"`
	// OCIContents is true when the contents are stored in an OCI registry instead of a Content.
	// +optional
	OCIContents bool `json:"ociContents,omitempty"`
	// HelmChartOptions is set for HelmOp bundles: the agent downloads the chart itself.
	// +optional
	HelmChartOptions *BundleHelmOptions `json:"helmChartOptions,omitempty"`
	// ValuesHash is the SHA-256 of the values and stagedValues of the options Secret (named like the
	// BundleDeployment); Helm values are not stored in the BundleDeployment.
	// +optional
	ValuesHash string `json:"valuesHash,omitempty"`
	// DownstreamResourcesGeneration is incremented whenever a referenced downstream Secret or
	// ConfigMap changes.
	// +optional
	DownstreamResourcesGeneration int64 `json:"downstreamResourcesGeneration,omitempty"`
	// OffSchedule is true while the cluster is scheduled but outside its Schedule window; the agent
	// then skips the deployment.
	// +optional
	OffSchedule bool `json:"offSchedule,omitempty"`
	// WaitingForValues is true while the options Secret could not be read; the agent skips the
	// deployment to avoid deploying without values.
	// +optional
	WaitingForValues bool `json:"waitingForValues,omitempty"`
}

// BundleDeploymentStatus is reported by the agent.
type BundleDeploymentStatus struct {
	// Conditions are Ready, Installed, Deployed and Monitored.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// AppliedDeploymentID is the deployment ID the agent last applied.
	// +optional
	AppliedDeploymentID string `json:"appliedDeploymentID,omitempty"`
	// Release is the Helm release, "<namespace>/<release name>:<revision>".
	// +optional
	Release string `json:"release,omitempty"`
	// Ready is true when all deployed resources are ready.
	// +optional
	Ready bool `json:"ready,omitempty"`
	// NonModified is true when no deployed resource drifted from the desired state.
	// +optional
	NonModified bool `json:"nonModified,omitempty"`
	// NonReadyStatus lists up to 10 non-ready resources.
	// +optional
	// +listType=atomic
	NonReadyStatus []NonReadyStatus `json:"nonReadyStatus,omitempty"`
	// ModifiedStatus lists up to 10 modified resources.
	// +optional
	// +listType=atomic
	ModifiedStatus []ModifiedStatus `json:"modifiedStatus,omitempty"`
	// IncompleteState is true when nonReadyStatus or modifiedStatus was truncated to 10 entries.
	// +optional
	IncompleteState bool `json:"incompleteState,omitempty"`
	// Display summarizes the status for kubectl; computed upstream from the conditions.
	// +optional
	Display BundleDeploymentDisplay `json:"display,omitempty"`
	// SyncGeneration is the forceSyncGeneration of the last applied deployment.
	// +optional
	SyncGeneration *int64 `json:"syncGeneration,omitempty"`
	// Resources lists the resources deployed according to the Helm release history.
	// +optional
	// +listType=atomic
	Resources []BundleDeploymentResource `json:"resources,omitempty"`
	// ResourceCounts counts the deployed resources per state.
	// +optional
	ResourceCounts ResourceCounts `json:"resourceCounts,omitempty"`
	// DownstreamResourcesGeneration is the spec.downstreamResourcesGeneration the agent processed.
	// +optional
	DownstreamResourcesGeneration int64 `json:"downstreamResourcesGeneration,omitempty"`
}

// BundleDeploymentDisplay summarizes a BundleDeployment status for kubectl.
type BundleDeploymentDisplay struct {
	// Deployed is "True", "False" or "Error: <message>" from the Deployed condition.
	// +optional
	Deployed string `json:"deployed,omitempty"`
	// Monitored is "True", "False" or "Error: <message>" from the Monitored condition.
	// +optional
	Monitored string `json:"monitored,omitempty"`
	// State is the bundle state of this BundleDeployment.
	// +optional
	State string `json:"state,omitempty"`
}

// BundleDeploymentResource identifies a deployed resource.
type BundleDeploymentResource struct {
	// Kind of the resource.
	// +optional
	Kind string `json:"kind,omitempty"`
	// APIVersion of the resource.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Namespace of the resource.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the resource.
	// +optional
	Name string `json:"name,omitempty"`
	// CreatedAt is when the resource was created.
	// +optional
	CreatedAt metav1.Time `json:"createdAt,omitempty"`
}
