package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// GitRepo describes a git repository watched by Fleet. Every new commit is scanned: each directory
// with a fleet.yaml or manifests becomes a Bundle, deployed to the clusters selected by targets.
type GitRepo struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the repository, what to deploy from it and where.
	// +optional
	Spec GitRepoSpec `json:"spec,omitempty"`
	// Status is computed from the git job and the BundleDeployments of the repository's bundles.
	// +optional
	Status GitRepoStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// GitRepoList is a list of GitRepos.
type GitRepoList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the GitRepos.
	Items []GitRepo `json:"items"`
}

// GitRepoSpec is the desired state of a GitRepo.
type GitRepoSpec struct {
	// Repo is the URL of the git repository: https://..., ssh://... or git@host:path. Required.
	// +required
	Repo string `json:"repo"`
	// Branch to follow. When neither branch nor revision is set, "master" is used.
	// +optional
	Branch string `json:"branch,omitempty"`
	// Revision is a commit or tag to deploy instead of following a branch.
	// +optional
	Revision string `json:"revision,omitempty"`
	// TargetNamespace forces every deployed resource into this namespace, which is created on
	// demand; cluster-scoped resources are rejected.
	// +optional
	TargetNamespace string `json:"targetNamespace,omitempty"`
	// ClientSecretName is the Secret used to access the repository, of type
	// kubernetes.io/basic-auth or kubernetes.io/ssh-auth (or holding GitHub App keys).
	// +optional
	ClientSecretName string `json:"clientSecretName,omitempty"`
	// HelmSecretName is the auth Secret for private Helm repositories.
	// +optional
	HelmSecretName string `json:"helmSecretName,omitempty"`
	// HelmSecretNameForPaths is a Secret with Helm credentials per bundle path.
	// +optional
	HelmSecretNameForPaths string `json:"helmSecretNameForPaths,omitempty"`
	// HelmRepoURLRegex restricts Helm credentials to chart repositories whose URL this regex matches
	// from its first character through the host and port. It is required with
	// helmSecretName(ForPaths): a GitRepo with Helm credentials and no regex is not accepted (Fleet
	// sends the credentials to every chart URL then).
	// +optional
	HelmRepoURLRegex string `json:"helmRepoURLRegex,omitempty"`
	// CABundle is a PEM encoded CA bundle to validate the git server's certificate.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`
	// InsecureSkipTLSverify (JSON "insecureSkipTLSVerify") skips TLS verification of the git server.
	// +optional
	InsecureSkipTLSverify bool `json:"insecureSkipTLSVerify,omitempty"`
	// Paths are the directories, relative to the repository root, scanned for bundles. Globs are
	// supported, e.g. "charts/*". Defaults to the root ("/").
	// +optional
	// +listType=atomic
	Paths []string `json:"paths,omitempty"`
	// Paused stops propagating changes to clusters; BundleDeployments become OutOfSync instead.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// ServiceAccount is the service account in the downstream clusters used to deploy.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// Targets select the clusters to deploy to. Defaults to the ClusterGroup named "default".
	// +optional
	// +listType=atomic
	Targets []GitTarget `json:"targets,omitempty"`
	// PollingInterval is how often the repository is checked for new commits, a Go duration such as
	// "15s" or "1m". Unset means 15s; ignored when disablePolling is true.
	// +optional
	PollingInterval *metav1.Duration `json:"pollingInterval,omitempty"`
	// ForceSyncGeneration forces a redeployment of the repository's contents whenever it changes.
	// +optional
	ForceSyncGeneration int64 `json:"forceSyncGeneration,omitempty"`
	// ImageSyncInterval (JSON "imageScanInterval") is how often scanned images are written back to
	// the repository. Unset means 15m.
	// +optional
	ImageSyncInterval *metav1.Duration `json:"imageScanInterval,omitempty"`
	// ImageScanCommit configures the commits made when writing scanned images back.
	// +optional
	ImageScanCommit *CommitSpec `json:"imageScanCommit,omitempty"`
	// KeepResources keeps the deployed resources when the GitRepo is deleted; only the Helm release
	// secrets are removed.
	// +optional
	KeepResources bool `json:"keepResources,omitempty"`
	// DeleteNamespace deletes the target namespace when the GitRepo is deleted.
	// +optional
	DeleteNamespace bool `json:"deleteNamespace,omitempty"`
	// CorrectDrift specifies whether and how drift is corrected.
	// +optional
	CorrectDrift *CorrectDrift `json:"correctDrift,omitempty"`
	// DisablePolling disables git polling; only webhooks trigger updates.
	// +optional
	DisablePolling bool `json:"disablePolling,omitempty"`
	// OCIRegistrySecret is the Secret (type fleet.cattle.io/bundle-oci-storage/v1alpha1) with the
	// OCI registry that stores the bundle contents instead of etcd. Falls back to a Secret named
	// "ocistorage" when unset.
	// +optional
	OCIRegistrySecret string `json:"ociRegistrySecret,omitempty"`
	// WebhookSecret is the Secret used to validate webhook payloads.
	// +optional
	WebhookSecret string `json:"webhookSecret,omitempty"`
	// Bundles lists the bundles to read explicitly ("driven scan"): one bundle per entry, no
	// recursive scan of paths.
	// +optional
	// +listType=atomic
	Bundles []BundlePath `json:"bundles,omitempty"`
}

// BundlePath is one bundle of a driven scan.
type BundlePath struct {
	// Base is the directory of the bundle's resources, relative to the repository root.
	// +optional
	Base string `json:"base,omitempty"`
	// Options is the path, relative to base, of the fleet.yaml configuring the bundle.
	// +optional
	Options string `json:"options,omitempty"`
}

// CommitSpec configures the git commits made when scanned images are written back.
type CommitSpec struct {
	// AuthorName is the commit author's name.
	// +optional
	AuthorName string `json:"authorName"`
	// AuthorEmail is the commit author's email.
	// +optional
	AuthorEmail string `json:"authorEmail"`
	// MessageTemplate is the template of the commit message, into which the change is interpolated.
	// +optional
	MessageTemplate string `json:"messageTemplate,omitempty"`
}

// GitRepoStatus is the observed state of a GitRepo.
type GitRepoStatus struct {
	StatusBase `json:",inline"`
	// ObservedGeneration is the generation of the spec last processed. Always serialized.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration"`
	// UpdateGeneration is the spec.forceSyncGeneration last processed.
	// +optional
	UpdateGeneration int64 `json:"updateGeneration,omitempty"`
	// Commit is the git commit of the last git job run.
	// +optional
	Commit string `json:"commit,omitempty"`
	// WebhookCommit is the latest commit received from a webhook.
	// +optional
	WebhookCommit string `json:"webhookCommit,omitempty"`
	// PollingCommit is the latest commit found by polling.
	// +optional
	PollingCommit string `json:"pollingCommit,omitempty"`
	// GitJobStatus is the status of the last git job, e.g. "Current" when it succeeded.
	// +optional
	GitJobStatus string `json:"gitJobStatus,omitempty"`
	// LastSyncedImageScanTime is the time of the last image scan write-back.
	// +optional
	LastSyncedImageScanTime metav1.Time `json:"lastSyncedImageScanTime,omitempty"`
	// LastPollingTime (JSON "lastPollingTriggered") is the last time polling was triggered.
	// +optional
	LastPollingTime metav1.Time `json:"lastPollingTriggered,omitempty"`
	// LastWebhookTime is the time of the last received webhook notification.
	// +optional
	LastWebhookTime metav1.Time `json:"lastWebhookTime,omitempty"`
}
