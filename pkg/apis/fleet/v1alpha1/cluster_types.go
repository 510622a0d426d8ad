package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Cluster is a Kubernetes cluster Fleet deploys bundles to (a downstream cluster), running a Fleet
// agent. Its namespace is a workspace; its BundleDeployments live in a separate cluster namespace
// named in status.namespace. In the single-cluster setup the Fleet management cluster is also the
// downstream cluster "local".
type Cluster struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. The labels are what targets' clusterSelector match.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec configures the cluster's registration and agent.
	// +optional
	Spec ClusterSpec `json:"spec,omitempty"`
	// Status is partly reported by the agent (agent) and partly computed from BundleDeployments.
	// +optional
	Status ClusterStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterList is a list of Clusters.
type ClusterList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Clusters.
	Items []Cluster `json:"items"`
}

// ClusterSpec configures a cluster's registration and agent.
type ClusterSpec struct {
	// Paused stops updating the cluster's BundleDeployments; they become OutOfSync.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// ClientID uniquely identifies the cluster's agent. Predefine it to match an agent installed with
	// the same clientID, or let registration generate it.
	// +optional
	ClientID string `json:"clientID,omitempty"`
	// KubeConfigSecret is the Secret with a kubeconfig for the downstream cluster, used to deploy the
	// agent (manager-initiated registration). It may also hold apiServerURL and apiServerCA to
	// override the controller's configuration.
	// +optional
	KubeConfigSecret string `json:"kubeConfigSecret,omitempty"`
	// KubeConfigSecretNamespace is the namespace of kubeConfigSecret. Defaults to the Cluster's
	// namespace.
	// +optional
	KubeConfigSecretNamespace string `json:"kubeConfigSecretNamespace,omitempty"`
	// RedeployAgentGeneration forces a redeployment of the agent whenever it changes.
	// +optional
	RedeployAgentGeneration int64 `json:"redeployAgentGeneration,omitempty"`
	// AgentEnvVars are extra environment variables of the agent deployment.
	// +optional
	// +listType=atomic
	AgentEnvVars []corev1.EnvVar `json:"agentEnvVars,omitempty"`
	// AgentNamespace is the namespace of the agent in the downstream cluster. Defaults to the system
	// namespace, e.g. cattle-fleet-system.
	// +optional
	AgentNamespace string `json:"agentNamespace,omitempty"`
	// PrivateRepoURL prefixes the agent image name, overriding the global private registry.
	// +optional
	PrivateRepoURL string `json:"privateRepoURL,omitempty"`
	// TemplateValues are cluster-specific values for fleet.yaml values templating (.ClusterValues).
	// +optional
	TemplateValues *GenericMap `json:"templateValues,omitempty"`
	// AgentTolerations are extra tolerations of the agent deployment.
	// +optional
	// +listType=atomic
	AgentTolerations []corev1.Toleration `json:"agentTolerations,omitempty"`
	// AgentAffinity replaces the default affinity of the agent deployment.
	// +optional
	AgentAffinity *corev1.Affinity `json:"agentAffinity,omitempty"`
	// AgentResources sets the resources of the agent deployment.
	// +optional
	AgentResources *corev1.ResourceRequirements `json:"agentResources,omitempty"`
	// HostNetwork runs the agent with hostNetwork: true, e.g. to deploy CNI configuration.
	// +optional
	HostNetwork *bool `json:"hostNetwork,omitempty"`
	// AgentSchedulingCustomization adds a PriorityClass and a PodDisruptionBudget for the agent.
	// +optional
	AgentSchedulingCustomization *AgentSchedulingCustomization `json:"agentSchedulingCustomization,omitempty"`
	// AgentPullSecrets are the image pull secrets of the agent deployment. When set (even empty) they
	// replace the global pull secrets of the Fleet chart, which are then not copied.
	// +optional
	// +listType=atomic
	AgentPullSecrets *[]corev1.LocalObjectReference `json:"agentPullSecrets,omitempty"`
}

// AgentSchedulingCustomization configures how the agent is scheduled.
type AgentSchedulingCustomization struct {
	// PriorityClass, if set, creates a PriorityClass for the agent.
	// +optional
	PriorityClass *PriorityClassSpec `json:"priorityClass,omitempty"`
	// PodDisruptionBudget, if set, creates a PodDisruptionBudget for the agent.
	// +optional
	PodDisruptionBudget *PodDisruptionBudgetSpec `json:"podDisruptionBudget,omitempty"`
}

// PriorityClassSpec configures the agent's PriorityClass.
type PriorityClassSpec struct {
	// Value is the priority.
	// +optional
	Value int `json:"value,omitempty"`
	// PreemptionPolicy is Never or PreemptLowerPriority (the default).
	// +optional
	PreemptionPolicy *corev1.PreemptionPolicy `json:"preemptionPolicy,omitempty"`
}

// PodDisruptionBudgetSpec configures the agent's PodDisruptionBudget.
type PodDisruptionBudgetSpec struct {
	// MinAvailable is a number or percentage of agent pods that must stay available.
	// +optional
	MinAvailable string `json:"minAvailable,omitempty"`
	// MaxUnavailable is a number or percentage of agent pods that may be unavailable.
	// +optional
	MaxUnavailable string `json:"maxUnavailable,omitempty"`
}
