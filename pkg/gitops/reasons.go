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
	// ReasonChartUnavailable: a remote chart of a bundle could not be downloaded (the chart server is
	// unreachable, refuses the credentials, or lacks the version); retried with backoff from the polling interval.
	ReasonChartUnavailable = "ChartUnavailable"
	// ReasonRepositoryTooLarge: the clone of the commit would write more than maxCheckoutBytes, or
	// fetches an object over maxObjectSize, a pack of more than maxPackObjects objects, or trees
	// over maxTreeBytes (Stalled until the commit or the spec changes).
	ReasonRepositoryTooLarge = "RepositoryTooLarge"
	// ReasonBundleTooLarge: a bundle of the commit is over a byte budget of the bundle reader (a file,
	// the files of a bundle, a chart, the Bundle's encoding, the bundles of the commit; the message
	// names it, its size and the budget). Stalled until the commit or the spec changes, also across
	// restarts (stall.go); a chart that the bundle does not pin to one release is retried with
	// backoff instead (readError).
	ReasonBundleTooLarge = "BundleTooLarge"
	// ReasonReadFailed: reading the checkout failed for a reason of the server, not of the commit
	// (its temporary directory full or read-only, out of file descriptors or memory, an I/O error, a
	// shutdown); retried at the polling interval, never recorded as a stall.
	ReasonReadFailed = "ReadFailed"
	// ReasonUnsafeContent: the checkout holds a symlink that leaves the repository, or a tree entry
	// that would be written outside its directory (.git, "..", a name twice in one tree).
	ReasonUnsafeContent = "UnsafeContent"
	// ReasonBundleWriteFailed: creating, updating or deleting a Bundle failed.
	ReasonBundleWriteFailed = "BundleWriteFailed"
	// ReasonCredentialsUnavailable: the credentials cannot be had: the Secret of spec.clientSecretName
	// is missing, unreadable (standalone mode has no Secrets API), of the wrong type, or lacks a key;
	// or an SSH URL has no clientSecretName (Accepted=False, Stalled).
	ReasonCredentialsUnavailable = "CredentialsUnavailable"
	// ReasonHostKeyMismatch: the SSH server presented a host key that the known_hosts of the
	// credentials do not list for it (or list as revoked). The key is never sent to such a server.
	ReasonHostKeyMismatch = "HostKeyMismatch"
	// ReasonHostKeyUnknown: the known_hosts of the credentials have no entry for the SSH server.
	ReasonHostKeyUnknown = "HostKeyUnknown"
	// ReasonInvalidSpec: the spec cannot be acted on (e.g. a path leaving the repository).
	ReasonInvalidSpec = "InvalidSpec"
)
