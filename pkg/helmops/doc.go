// Package helmops is the HelmOp controller: it turns a HelmOp (a chart in a Helm repository or an
// OCI registry, plus the options of a Bundle) into a Bundle of the same name whose
// spec.helm.version is a strict chart version, and moves that version when the repository
// publishes a newer one that spec.helm.version allows. The chart itself is not downloaded: the
// agent downloads it (reference §1.3); the Bundle carries no resources.
//
// One reconcile (controller.Run) is: accept (the chart reference; the credentials of
// spec.helmSecretName) → resolve (list the chart's published versions, pick the highest that
// satisfies the constraint) → save (create or update the Bundle if its digest changed) →
// summarize (the one place that writes conditions Ready, Accepted and Polled, status.version,
// status.lastPollingTriggered and status.display).
//
// Versions: spec.helm.version is a Masterminds semver constraint ("^1.2.0", "~1", ">=1 <2") or a
// version, empty for the latest stable one; a "v" prefix is tolerated (Fleet #3953), pre-releases
// count only when the constraint names one, and the version is written as the repository
// publishes it (ResolveVersion). A chart repository's versions come from its index.yaml; an OCI
// repository's (repo: oci://host/path/chart) from its tag list. A .tgz URL in spec.helm.chart has
// no version to resolve and is copied as it is.
//
// Polling: with spec.pollingInterval > 0 a HelmOp is requeued after the interval plus up to 10%
// jitter. Without it (Fleet's default) the version is resolved whenever the HelmOp is reconciled:
// when its spec, labels or finalizers change, when its Bundle changes or is deleted, and when the
// server starts. Repository reads go through a Source shared by every HelmOp with the same
// repository and credentials, which answers from a result younger than half the interval (a new
// generation of the HelmOp reads afresh), never holds a lock across a request (reads are
// single-flight under their own deadline, DefaultFetchTimeout; each waiter gives up when its own
// context ends), bounds what a repository may send (index.yaml size, OCI tags and pages), and
// backs off exponentially (interval·2^(n-1), at most DefaultMaxBackoff) while the repository
// fails; the Polled and Ready messages say how many attempts failed and when the next one is due.
// Resolving the same version again writes nothing: neither the Bundle (its digest annotation
// matches) nor the status (lastPollingTriggered moves only when the version changes).
//
// The produced Bundle is labelled fleet.cattle.io/fleet-helm-name=<helmop> plus spec.labels, has
// the default target {name: default, clusterGroup: default} when spec.targets is empty, and
// spec.helmOpOptions {helmOpSecretName, helmOpInsecureSkipTLSVerify, helmOpCABundle (the Secret's
// cacerts)}. The finalizer fleet.cattle.io/helmop-finalizer deletes it with the HelmOp — a
// finalizer rather than an owner reference because standalone mode has no garbage collector. A
// Bundle of that name which the HelmOp did not create is never overwritten or deleted
// (BundleConflict).
//
// Credentials: spec.helmSecretName names a Secret of type kubernetes.io/basic-auth (any other
// type is refused, unlike Fleet, so that a HelmOp cannot send an arbitrary credential of its
// namespace to a repository of its choosing) with username and password and optionally cacerts,
// read through controller.SecretGetter. Standalone mode has none, so such a
// HelmOp is Accepted=False (CredentialsUnavailable) there. Secret values never reach logs,
// status, events or errors.
//
// Policies (restrict.go, package policy): the namespace's Policies default the service account
// and the Helm secret and refuse repositories, charts, secrets and service accounts they do not
// allow, before anything is read (Accepted=False, Restricted).
//
// Not supported yet: cloning the access Secret to the downstream cluster namespaces, aggregating BundleDeployment states into
// the HelmOp's status (readyClusters, summary, display.state), webhooks, and OCI tags that are
// not semver.
package helmops
