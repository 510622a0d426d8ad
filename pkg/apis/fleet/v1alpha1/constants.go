package v1alpha1

import "time"

// BundleState is the state of a BundleDeployment, and by aggregation of a Bundle, GitRepo, HelmOp,
// Cluster or ClusterGroup. The values and their ranking are Fleet's.
//
// +enum
type BundleState string

// The seven bundle states. A BundleDeployment's state is a pure function of its deployment IDs, its
// readiness and its Deployed condition; see StateRank for the worst-first order.
const (
	// Ready: deployed and every resource is ready.
	Ready BundleState = "Ready"
	// NotReady: deployed, but some resources are not ready.
	NotReady BundleState = "NotReady"
	// WaitApplied: the agent has not yet applied the current deployment ID.
	WaitApplied BundleState = "WaitApplied"
	// ErrApplied: the agent failed to apply the current deployment ID (Deployed condition is False).
	ErrApplied BundleState = "ErrApplied"
	// OutOfSync: a newer deployment is staged but not yet promoted (paused, off schedule or held back
	// by the rollout strategy).
	OutOfSync BundleState = "OutOfSync"
	// Pending: the target has no BundleDeployment yet.
	Pending BundleState = "Pending"
	// Modified: deployed and ready, but resources differ from the desired state (drift).
	Modified BundleState = "Modified"
)

// StateRank ranks the states worst-first, so the highest ranked non-ready state can be reported in a
// summary: ErrApplied 7 > WaitApplied 6 > Modified 5 > OutOfSync 4 > Pending 3 > NotReady 2 > Ready 1.
// It is also the set of values allowed in BundleRef.AcceptedStates.
var StateRank = map[BundleState]int{
	ErrApplied:  7,
	WaitApplied: 6,
	Modified:    5,
	OutOfSync:   4,
	Pending:     3,
	NotReady:    2,
	Ready:       1,
}

// Display states that are not bundle states.
const (
	// StateGitUpdating is GitRepo status.display.state while the git job is not "Current".
	StateGitUpdating = "GitUpdating"
	// StateWaitCheckIn is Cluster status.display.state until the agent has checked in once.
	StateWaitCheckIn = "WaitCheckIn"
	// GitJobStatusCurrent is the GitRepo status.gitJobStatus of a finished, successful git job.
	GitJobStatusCurrent = "Current"
)

// Condition types (GenericCondition.Type) used by the kinds of this group.
const (
	// ConditionReady: the object and everything it produced is ready (all kinds with status).
	ConditionReady = "Ready"
	// ConditionAccepted: GitRepo/HelmOp passed GitRepoRestriction/Policy checks and its secrets exist.
	ConditionAccepted = "Accepted"
	// ConditionGitPolling: the last git polling attempt of a GitRepo succeeded.
	ConditionGitPolling = "GitPolling"
	// ConditionStalled: the GitRepo cannot make progress without a change (kstatus semantics).
	ConditionStalled = "Stalled"
	// ConditionReconciling: the GitRepo is being reconciled (kstatus semantics).
	ConditionReconciling = "Reconciling"
	// ConditionProcessed: a Cluster or ClusterGroup was processed by its controller.
	ConditionProcessed = "Processed"
	// ConditionDeployed: the agent applied the BundleDeployment without error.
	ConditionDeployed = "Deployed"
	// ConditionInstalled: the BundleDeployment's Helm release is installed.
	ConditionInstalled = "Installed"
	// ConditionMonitored: the agent computed readiness and drift of the deployed resources.
	ConditionMonitored = "Monitored"
	// ConditionPolled: the last Helm repository poll of a HelmOp succeeded.
	ConditionPolled = "Polled"
	// ConditionImported: the Cluster's agent was deployed by the manager (manager-initiated registration).
	ConditionImported = "Imported"
	// ConditionImageScanned: the ImageScan listed the image repository's tags.
	ConditionImageScanned = "ImageScanned"
	// ConditionImageSynced: the ImageScan committed the latest tag back to git.
	ConditionImageSynced = "ImageSynced"
)

// Condition reasons set by this implementation. Fleet itself mostly leaves the reason empty or uses
// "Error"; the others are additive and only ever appear together with a human-readable message.
const (
	// ReasonError: the step failed; the message carries the error.
	ReasonError = "Error"
	// ReasonRestricted: a GitRepoRestriction or Policy rejected the object.
	ReasonRestricted = "Restricted"
	// ReasonSecretNotFound: a referenced secret does not exist.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonPaused: the object is paused, changes are not propagated.
	ReasonPaused = "Paused"
	// ReasonOffSchedule: the target cluster is outside its Schedule window.
	ReasonOffSchedule = "OffSchedule"
	// ReasonDependenciesNotReady: a dependsOn bundle is not in an accepted state.
	ReasonDependenciesNotReady = "DependenciesNotReady"
	// ReasonSucceeded: the step completed.
	ReasonSucceeded = "Succeeded"
)

// TargetCustomizationMode controls how a Bundle's targetCustomizations are applied to a cluster.
//
// +enum
type TargetCustomizationMode string

const (
	// TargetCustomizationFirstMatch merges only the first matching customization (the default).
	TargetCustomizationFirstMatch TargetCustomizationMode = "FirstMatch"
	// TargetCustomizationAllMatches merges every matching customization, in order.
	TargetCustomizationAllMatches TargetCustomizationMode = "AllMatches"
)

// Finalizers put on objects by the controllers.
const (
	GitRepoFinalizer          = "fleet.cattle.io/gitrepo-finalizer"
	HelmOpFinalizer           = "fleet.cattle.io/helmop-finalizer"
	BundleFinalizer           = "fleet.cattle.io/bundle-finalizer"
	BundleDeploymentFinalizer = "fleet.cattle.io/bundle-deployment-finalizer"
	ClusterFinalizer          = "fleet.cattle.io/cluster-finalizer"
	ScheduleFinalizer         = "fleet.cattle.io/schedule-finalizer"
)

// GitRepoBundleDigestAnnotation marks a Bundle written by the GitRepo controller (the digest of what
// it wrote, so that an unchanged bundle is not rewritten); `fleet apply` does not prune such Bundles.
const GitRepoBundleDigestAnnotation = "fleet.cattle.io/gitrepo-bundle-digest"

// Label prefixes and labels (Fleet Appendix A).
const (
	// FleetLabelPrefix is the reserved label namespace managed by Fleet.
	FleetLabelPrefix = "fleet.cattle.io/"
	// ManagementLabelPrefix is the reserved label namespace managed by Rancher.
	ManagementLabelPrefix = "management.cattle.io/"

	RepoLabel                 = "fleet.cattle.io/repo-name"
	CommitLabel               = "fleet.cattle.io/commit"
	BundleLabel               = "fleet.cattle.io/bundle-name"
	BundleNamespaceLabel      = "fleet.cattle.io/bundle-namespace"
	ClusterLabel              = "fleet.cattle.io/cluster"
	ClusterNamespaceLabel     = "fleet.cattle.io/cluster-namespace"
	ManagedLabel              = "fleet.cattle.io/managed"
	ContentNameLabel          = "fleet.cattle.io/content-name"
	BundleDeploymentLabel     = "fleet.cattle.io/bundledeployment"
	HelmOpLabel               = "fleet.cattle.io/fleet-helm-name"
	CreatedByUserIDLabel      = "fleet.cattle.io/created-by-user-id"
	CreatedByAgentPodLabel    = "fleet.cattle.io/created-by-agent-pod"
	RegistrationTokenLabel    = "fleet.cattle.io/registration-token"
	BundleInternalSecretLabel = "fleet.cattle.io/bundle-internal-secret"
	ClusterManagementLabel    = "fleet.cattle.io/cluster-management"
	NonManagedAgentLabel      = "fleet.cattle.io/non-managed-agent"
	AgentNodeLabel            = "fleet.cattle.io/agent"
	ShardIDLabel              = "fleet.cattle.io/shard-id"
	ShardRefLabel             = "fleet.cattle.io/shard-ref"
	ShardDefaultLabel         = "fleet.cattle.io/shard-default"
	BenchmarkLabel            = "fleet.cattle.io/benchmark"
	// LocalClusterNameLabel is the label ("name=local") the bootstrap puts on the local Cluster.
	LocalClusterNameLabel = "name"
	// ClusterDisplayNameLabel is also matched by a target's clusterName (Rancher compatibility).
	ClusterDisplayNameLabel = "management.cattle.io/cluster-display-name"
	// ObjectSetHashLabel marks every object deployed by the agent.
	ObjectSetHashLabel = "objectset.rio.cattle.io/hash"
)

// Annotations (Fleet Appendix A).
const (
	ObjectSetIDAnnotation                  = "objectset.rio.cattle.io/id"
	ObjectSetAppliedAnnotation             = "objectset.rio.cattle.io/applied"
	BundleIDAnnotation                     = "fleet.cattle.io/bundle-id"
	CommitAnnotation                       = "fleet.cattle.io/commit"
	ServiceAccountAnnotation               = "fleet.cattle.io/service-account"
	AgentNamespaceAnnotation               = "fleet.cattle.io/agent-namespace"
	KeepResourcesAnnotation                = "fleet.cattle.io/keep-resources"
	ClusterAnnotation                      = "fleet.cattle.io/cluster"
	ClusterNamespaceAnnotation             = "fleet.cattle.io/cluster-namespace"
	ClusterRegistrationAnnotation          = "fleet.cattle.io/cluster-registration"
	ClusterRegistrationNamespaceAnnotation = "fleet.cattle.io/cluster-registration-namespace"
	// HelmResourcePolicyAnnotation with value HelmResourcePolicyKeep keeps CRDs on uninstall.
	HelmResourcePolicyAnnotation = "helm.sh/resource-policy"
	HelmResourcePolicyKeep       = "keep"
	// ManageAgentObjectSetID is the objectset ID of the agent's self-management bundle.
	ManageAgentObjectSetID = "fleet-manage-agent"
)

// Secret types.
const (
	SecretTypeBundleValues      = "fleet.cattle.io/bundle-values/v1alpha1"
	SecretTypeBundleDeployment  = "fleet.cattle.io/bundle-deployment/v1alpha1"
	SecretTypeOCIStorage        = "fleet.cattle.io/bundle-oci-storage/v1alpha1"
	SecretTypeHelmOpsAccess     = "fleet.cattle.io/bundle-helmops-access/v1alpha1"
	DefaultOCIStorageSecretName = "ocistorage"
)

// BundleResource encodings.
const (
	// ContentEncodingNone: the resource content is stored as-is.
	ContentEncodingNone = ""
	// ContentEncodingBase64Gzip: the resource content is gzipped, then base64-encoded.
	ContentEncodingBase64Gzip = "base64+gz"
)

// Limits and defaults. The defaults below are applied by the controllers at runtime, as Fleet does;
// they are never written into stored objects (see defaults.go for the few API-level defaults).
const (
	// MaxHelmReleaseNameLen is the maximum length of a Helm release name.
	MaxHelmReleaseNameLen = 53
	// MaxStatusListEntries caps nonReadyResources, nonReadyStatus and modifiedStatus lists.
	MaxStatusListEntries = 10
	// DefaultTargetName and DefaultClusterGroup form the target used when none is given.
	DefaultTargetName   = "default"
	DefaultClusterGroup = "default"
	// DefaultMaxNew is the number of new BundleDeployments created per reconcile.
	DefaultMaxNew = 50
	// DefaultAutoPartitionThreshold is the number of targets from which auto-partitioning starts.
	DefaultAutoPartitionThreshold = 200
	// DefaultAutoPartitionSize, DefaultMaxUnavailable and DefaultPartitionMaxUnavailable are
	// rolloutStrategy defaults, as int-or-percent strings.
	DefaultAutoPartitionSize       = "25%"
	DefaultMaxUnavailable          = "100%"
	DefaultPartitionMaxUnavailable = "10%"
	// DefaultMaxUnavailablePartitions is the default rolloutStrategy.maxUnavailablePartitions.
	DefaultMaxUnavailablePartitions = 0
)

// Timer defaults applied by the controllers when the corresponding field is unset.
const (
	// DefaultGitRepoPollingInterval applies when GitRepo spec.pollingInterval is unset.
	DefaultGitRepoPollingInterval = 15 * time.Second
	// DefaultClusterCheckInterval is how often agents report to their Cluster status.
	DefaultClusterCheckInterval = 15 * time.Minute
	// DefaultGarbageCollectionInterval is how often agents clean up obsolete Helm releases.
	DefaultGarbageCollectionInterval = 15 * time.Minute
	// DefaultImageScanInterval applies when GitRepo spec.imageScanInterval is unset.
	DefaultImageScanInterval = 15 * time.Minute
)
