package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterStatus is the observed state of a Cluster.
type ClusterStatus struct {
	// Conditions are Ready, Processed and Imported.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// Namespace is the cluster namespace holding the cluster's BundleDeployments and agent service
	// account, e.g. "cluster-fleet-local-local-1a3d67d0a899".
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Summary counts the cluster's BundleDeployments per state.
	// +optional
	Summary BundleSummary `json:"summary,omitempty"`
	// ResourceCounts counts the resources deployed to the cluster per state.
	// +optional
	ResourceCounts ResourceCounts `json:"resourceCounts,omitempty"`
	// ReadyGitRepos is the number of GitRepos ready on this cluster. Always serialized.
	// +optional
	ReadyGitRepos int `json:"readyGitRepos"`
	// DesiredReadyGitRepos is the number of GitRepos targeting this cluster. Always serialized.
	// +optional
	DesiredReadyGitRepos int `json:"desiredReadyGitRepos"`
	// ReadyHelmOps is the number of HelmOps ready on this cluster. Always serialized.
	// +optional
	ReadyHelmOps int `json:"readyHelmOps"`
	// DesiredReadyHelmOps is the number of HelmOps targeting this cluster. Always serialized.
	// +optional
	DesiredReadyHelmOps int `json:"desiredReadyHelmOps"`

	// AgentEnvVarsHash is a hash of the deployed agent's environment variables.
	// +optional
	AgentEnvVarsHash string `json:"agentEnvVarsHash,omitempty"`
	// AgentPrivateRepoURL is the private registry of the deployed agent.
	// +optional
	AgentPrivateRepoURL string `json:"agentPrivateRepoURL,omitempty"`
	// AgentHostNetwork is the hostNetwork setting of the deployed agent.
	// +optional
	AgentHostNetwork *bool `json:"agentHostNetwork,omitempty"`
	// AgentDeployedGeneration is the redeployAgentGeneration of the deployed agent.
	// +optional
	AgentDeployedGeneration *int64 `json:"agentDeployedGeneration,omitempty"`
	// AgentMigrated is set after import; false triggers a migration of old agents.
	// +optional
	AgentMigrated bool `json:"agentMigrated,omitempty"`
	// AgentNamespaceMigrated is set after import; false triggers a migration of old agents.
	// +optional
	AgentNamespaceMigrated bool `json:"agentNamespaceMigrated,omitempty"`
	// CattleNamespaceMigrated is set after import; false triggers a migration of old agents.
	// +optional
	CattleNamespaceMigrated bool `json:"cattleNamespaceMigrated,omitempty"`
	// AgentAffinityHash is a hash of the deployed agent's affinity.
	// +optional
	AgentAffinityHash string `json:"agentAffinityHash,omitempty"`
	// AgentResourcesHash is a hash of the deployed agent's resources.
	// +optional
	AgentResourcesHash string `json:"agentResourcesHash,omitempty"`
	// AgentTolerationsHash is a hash of the deployed agent's tolerations.
	// +optional
	AgentTolerationsHash string `json:"agentTolerationsHash,omitempty"`
	// AgentSchedulingCustomizationHash is a hash of the deployed agent's scheduling customization.
	// +optional
	AgentSchedulingCustomizationHash string `json:"agentSchedulingCustomizationHash,omitempty"`
	// AgentConfigChanged is true when the agent configuration (e.g. API server URL or CA) changed;
	// it triggers a re-import.
	// +optional
	AgentConfigChanged bool `json:"agentConfigChanged,omitempty"`
	// APIServerURL is the upstream API server URL the agent uses.
	// +optional
	APIServerURL string `json:"apiServerURL,omitempty"`
	// APIServerCAHash is a hash of the upstream API server CA the agent uses.
	// +optional
	APIServerCAHash string `json:"apiServerCAHash,omitempty"`
	// AgentTLSMode is "system-store" (also trust the OS CA store) or "strict" (only the configured
	// CA).
	// +optional
	AgentTLSMode string `json:"agentTLSMode,omitempty"`

	// Display summarizes the status for kubectl.
	// +optional
	Display ClusterDisplay `json:"display,omitempty"`
	// Agent is reported by the agent when it checks in.
	// +optional
	Agent AgentStatus `json:"agent,omitempty"`
	// GarbageCollectionInterval is how often the agent cleans up obsolete Helm releases.
	// +optional
	GarbageCollectionInterval *metav1.Duration `json:"garbageCollectionInterval,omitempty"`
	// Scheduled is true when the cluster is targeted by a Schedule; deployments then only happen
	// while activeSchedule is true.
	// +optional
	Scheduled bool `json:"scheduled,omitempty"`
	// ActiveSchedule is true while a Schedule of the cluster is in its active window.
	// +optional
	ActiveSchedule bool `json:"activeSchedule,omitempty"`
}

// ClusterDisplay summarizes a Cluster status for kubectl.
type ClusterDisplay struct {
	// ReadyBundles is "<ready>/<desired ready>" bundles on the cluster.
	// +optional
	ReadyBundles string `json:"readyBundles,omitempty"`
	// State is the worst bundle state on the cluster, or "WaitCheckIn" until the agent checked in.
	// +optional
	State string `json:"state,omitempty"`
}

// AgentStatus is reported by the agent.
type AgentStatus struct {
	// LastSeen is the last time the agent checked in. Always serialized (null until then).
	// +optional
	LastSeen metav1.Time `json:"lastSeen"`
	// Namespace is the namespace of the agent deployment, e.g. "cattle-fleet-system". Always
	// serialized.
	// +optional
	Namespace string `json:"namespace"`
}
