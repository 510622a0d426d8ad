package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Bundle contains the resources of an application and its deployment options. It is the unit of
// deployment: a GitRepo scan produces one Bundle per fleet.yaml or manifest directory, a HelmOp
// produces one Bundle of the same name. The contents (manifests, kustomize configuration or a Helm
// chart) are rendered by the agent into a Helm chart and installed in every targeted cluster, as
// described by one BundleDeployment per cluster.
type Bundle struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. The name is at most 253 characters (DNS-1123 subdomain).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the resources, deployment options and targets of the bundle.
	// +optional
	Spec BundleSpec `json:"spec,omitempty"`
	// Status is computed from the bundle's BundleDeployments.
	// +optional
	Status BundleStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BundleList is a list of Bundles.
type BundleList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Bundles.
	Items []Bundle `json:"items"`
}

// BundleSpec is the desired state of a Bundle: the deployment options at its root, plus resources,
// targets and rollout settings.
type BundleSpec struct {
	BundleDeploymentOptions `json:",inline"`

	// Paused stops updating BundleDeployments; changes are staged and they become OutOfSync.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// RolloutStrategy controls the rollout across clusters: partitions and availability limits.
	// +optional
	RolloutStrategy *RolloutStrategy `json:"rolloutStrategy,omitempty"`
	// Resources are the files of the bundle, including downloaded Helm charts (under
	// ".chart/<hash>/"). Empty for HelmOp bundles, whose chart is downloaded by the agent.
	// +optional
	// +listType=atomic
	Resources []BundleResource `json:"resources,omitempty"`
	// Targets select the clusters to deploy to and customize options per cluster. They are
	// evaluated in order; see targetCustomizationMode and targetRestrictions.
	// +optional
	// +listType=atomic
	Targets []BundleTarget `json:"targets,omitempty"`
	// TargetRestrictions is an allow-list set internally by Fleet (a copy of the GitRepo targets).
	// When non-empty, the first len(targets)-len(targetRestrictions) targets only customize, and a
	// BundleDeployment is only created for clusters matching a restriction.
	// +optional
	// +listType=atomic
	TargetRestrictions []BundleTargetRestriction `json:"targetRestrictions,omitempty"`
	// DependsOn lists bundles that must be in an accepted state before this bundle is deployed.
	// +optional
	// +listType=atomic
	DependsOn []BundleRef `json:"dependsOn,omitempty"`
	// ContentsID is the manifest ID of the contents when they are stored in an OCI registry.
	// +optional
	ContentsID string `json:"contentsId,omitempty"`
	// HelmOpOptions is set for bundles produced by a HelmOp: the chart is downloaded by the agent
	// from the HelmOp's repository instead of being stored in the bundle.
	// +optional
	HelmOpOptions *BundleHelmOptions `json:"helmOpOptions,omitempty"`
	// ValuesHash is the hash of the Helm values, which are stored in a Secret named like the bundle
	// rather than in the bundle itself.
	// +optional
	ValuesHash string `json:"valuesHash,omitempty"`
	// TargetCustomizationMode controls how targetCustomizations apply: "FirstMatch" (default) merges
	// the first matching entry, "AllMatches" merges all matching entries in order.
	// +optional
	TargetCustomizationMode TargetCustomizationMode `json:"targetCustomizationMode,omitempty"`
}

// BundleRef references bundles this bundle depends on, by name or by label selector.
type BundleRef struct {
	// Name of the bundle, in the same namespace.
	// +optional
	Name string `json:"name,omitempty"`
	// Selector matches bundles by their labels.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// AcceptedStates are the bundle states that satisfy the dependency, e.g. [Ready, Modified].
	// Valid values are the bundle states. When empty, only Ready is accepted.
	// +optional
	// +listType=atomic
	AcceptedStates []BundleState `json:"acceptedStates,omitempty"`
}

// EffectiveAcceptedStates returns AcceptedStates, or [Ready] when it is empty. The default is applied
// when the dependency is evaluated, never stored, as in Fleet.
func (in BundleRef) EffectiveAcceptedStates() []BundleState {
	if len(in.AcceptedStates) == 0 {
		return []BundleState{Ready}
	}
	return in.AcceptedStates
}

// BundleResource is one file of a bundle, e.g. a YAML manifest or a chart file.
type BundleResource struct {
	// Name is the path of the file inside the bundle.
	// +optional
	Name string `json:"name,omitempty"`
	// Content of the file, encoded as given by encoding.
	// +optional
	Content string `json:"content,omitempty"`
	// Encoding is empty (plain text) or "base64+gz" (gzipped, then base64-encoded).
	// +optional
	Encoding string `json:"encoding,omitempty"`
}

// BundleHelmOptions tell the agent where to download the chart of a HelmOp bundle.
type BundleHelmOptions struct {
	// SecretName is the Secret with credentials for the Helm repository.
	// +optional
	SecretName string `json:"helmOpSecretName,omitempty"`
	// InsecureSkipTLSverify skips TLS verification when downloading the chart.
	// +optional
	InsecureSkipTLSverify bool `json:"helmOpInsecureSkipTLSVerify,omitempty"`
	// CABundle is a PEM encoded CA bundle to validate the Helm repository's certificate, resolved by
	// the controller so the agent needs no access to the CA secrets.
	// +optional
	CABundle []byte `json:"helmOpCABundle,omitempty"`
}

// BundleStatus is computed from the bundle's BundleDeployments and the rollout state.
type BundleStatus struct {
	// Conditions describe the state of the bundle; Ready is True when all BundleDeployments are
	// ready and dependencies are fulfilled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// Summary counts the BundleDeployments per state and lists up to 10 non-ready ones.
	// +optional
	Summary BundleSummary `json:"summary,omitempty"`
	// NewlyCreated is the number of BundleDeployments created (not updated) by the last reconcile.
	// +optional
	NewlyCreated int `json:"newlyCreated,omitempty"`
	// Unavailable is the number of BundleDeployments not ready or not on their current deployment
	// ID. Always serialized.
	// +optional
	Unavailable int `json:"unavailable"`
	// UnavailablePartitions is the number of unavailable partitions. Always serialized.
	// +optional
	UnavailablePartitions int `json:"unavailablePartitions"`
	// MaxUnavailable is the resolved maximum number of unavailable BundleDeployments. Always
	// serialized.
	// +optional
	MaxUnavailable int `json:"maxUnavailable"`
	// MaxUnavailablePartitions is the resolved maximum number of unavailable partitions. Always
	// serialized.
	// +optional
	MaxUnavailablePartitions int `json:"maxUnavailablePartitions"`
	// PartitionStatus (JSON "partitions") is the status of each rollout partition.
	// +optional
	// +listType=atomic
	PartitionStatus []PartitionStatus `json:"partitions,omitempty"`
	// Display summarizes the status for kubectl.
	// +optional
	Display BundleDisplay `json:"display,omitempty"`
	// ResourceKey is deprecated and always empty.
	// +optional
	// +listType=atomic
	ResourceKey []ResourceKey `json:"resourceKey,omitempty"`
	// OCIReference is the OCI reference the contents are stored at, for information.
	// +optional
	OCIReference string `json:"ociReference,omitempty"`
	// ObservedGeneration is the generation of the spec this status was computed from. Always
	// serialized.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration"`
	// ResourcesSHA256Sum is the SHA-256 of the JSON serialization of spec.resources.
	// +optional
	ResourcesSHA256Sum string `json:"resourcesSha256Sum,omitempty"`
}

// BundleDisplay summarizes a Bundle status for kubectl.
type BundleDisplay struct {
	// ReadyClusters is "<ready>/<desired ready>" BundleDeployments.
	// +optional
	ReadyClusters string `json:"readyClusters,omitempty"`
	// State is the worst state among the non-ready BundleDeployments; empty when all are ready.
	// +optional
	State string `json:"state,omitempty"`
}

// ResourceKey identifies a resource of a bundle. Deprecated: no longer populated.
type ResourceKey struct {
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
}
