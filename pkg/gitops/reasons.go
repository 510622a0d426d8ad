package gitops

// Reasons of GitRepo conditions and events. They belong next to the API types; they live here until
// pkg/apis grows a place for controller reasons.
const (
	// ReasonSynced: the bundles of the current commit are saved (Ready=True).
	ReasonSynced = "Synced"
	// ReasonPolled: the last ls-remote succeeded (GitPolling=True).
	ReasonPolled = "Polled"
	// ReasonPollingDisabled: spec.disablePolling is set; the commit is read once per spec change.
	ReasonPollingDisabled = "PollingDisabled"
	// ReasonAccepted: the GitRepo passed the checks that gate it (Accepted=True).
	ReasonAccepted = "Accepted"
	// ReasonAuthenticationFailed: the git server rejected the credentials, or asked for some.
	ReasonAuthenticationFailed = "AuthenticationFailed"
	// ReasonRepositoryNotFound: the git server says the repository does not exist.
	ReasonRepositoryNotFound = "RepositoryNotFound"
	// ReasonRepositoryUnreachable: the git server could not be reached or answered with an error.
	ReasonRepositoryUnreachable = "RepositoryUnreachable"
	// ReasonRepositoryEmpty: the repository has no commits.
	ReasonRepositoryEmpty = "RepositoryEmpty"
	// ReasonBranchNotFound: spec.branch (default master) does not exist in the repository.
	ReasonBranchNotFound = "BranchNotFound"
	// ReasonRevisionNotFound: spec.revision is neither a tag, a branch nor a commit id.
	ReasonRevisionNotFound = "RevisionNotFound"
	// ReasonCloneFailed: the shallow clone of a known commit failed.
	ReasonCloneFailed = "CloneFailed"
	// ReasonInvalidBundle: a fleet.yaml or a resource of the commit is invalid (Stalled until a new commit).
	ReasonInvalidBundle = "InvalidBundle"
	// ReasonNoResources: the paths of the commit hold no bundle.
	ReasonNoResources = "NoResources"
	// ReasonUnsafeContent: the checkout holds a symlink that leaves the repository.
	ReasonUnsafeContent = "UnsafeContent"
	// ReasonBundleWriteFailed: creating, updating or deleting a Bundle failed.
	ReasonBundleWriteFailed = "BundleWriteFailed"
	// ReasonCredentialsUnavailable: spec.clientSecretName is set but this server cannot read Secrets.
	ReasonCredentialsUnavailable = "CredentialsUnavailable"
	// ReasonInvalidSpec: the spec cannot be acted on (e.g. a path leaving the repository).
	ReasonInvalidSpec = "InvalidSpec"
)
