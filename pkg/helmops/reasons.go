package helmops

// Reasons of HelmOp conditions and events. They belong next to the API types; like the GitRepo
// reasons (package gitops) they live here until pkg/apis grows a place for controller reasons.
const (
	// ReasonSynced: the Bundle holds the resolved version (Ready=True).
	ReasonSynced = "Synced"
	// ReasonPolled: the last look at the repository succeeded (Polled=True).
	ReasonPolled = "Polled"
	// ReasonPollingDisabled: spec.pollingInterval is unset or 0; the version is resolved when the
	// spec changes, never polled (Polled=False).
	ReasonPollingDisabled = "PollingDisabled"
	// ReasonAccepted: the HelmOp passed the checks that gate it (Accepted=True).
	ReasonAccepted = "Accepted"
	// ReasonChartNotFound: the repository has no chart of that name (or the OCI repository does
	// not exist).
	ReasonChartNotFound = "ChartNotFound"
	// ReasonNoVersionMatches: the chart exists, but none of its versions satisfies spec.helm.version.
	ReasonNoVersionMatches = "NoVersionMatches"
	// ReasonRepositoryUnreachable: the repository could not be reached, or answered with an error.
	ReasonRepositoryUnreachable = "RepositoryUnreachable"
	// ReasonAuthenticationFailed: the repository rejected the credentials, or asked for some.
	ReasonAuthenticationFailed = "AuthenticationFailed"
	// ReasonCredentialsUnavailable: spec.helmSecretName names a Secret that cannot be used (standalone
	// mode has no Secrets API; or it does not exist, is not of type kubernetes.io/basic-auth, or
	// has no username, password or cacerts) (Accepted=False).
	ReasonCredentialsUnavailable = "CredentialsUnavailable"
	// ReasonRestricted: a Policy of the namespace does not allow the HelmOp (Accepted=False,
	// Stalled); the repository is not contacted and no Bundle is written.
	ReasonRestricted = "Restricted"
	// ReasonInvalidSpec: the spec cannot be acted on (no chart, a version constraint that does not
	// parse).
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonBundleConflict: a Bundle of the HelmOp's name exists that this HelmOp did not create.
	ReasonBundleConflict = "BundleConflict"
	// ReasonBundleTooLarge: the Bundle would be over bundlereader.MaxBundleSize (the API server's
	// request limit, less headroom); the message names its size and the budget. Stalled until the
	// HelmOp (or its Secret's cacerts) changes.
	ReasonBundleTooLarge = "BundleTooLarge"
	// ReasonBundleWriteFailed: creating or updating the Bundle failed.
	ReasonBundleWriteFailed = "BundleWriteFailed"
)
