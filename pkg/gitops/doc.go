// Package gitops is the GitRepo controller: it turns the commits of a git repository into Bundles,
// in process, without a Kubernetes Job per commit.
//
// One reconcile (controller.Run) is: restrict (GitRepoRestrictions and Policies of the namespace,
// package policy) → accept (credentials from spec.clientSecretName) → poll (ls-remote) →
// sync (shallow clone, scan with package bundlereader, save Bundles) → summarize (the one place
// that writes conditions Ready, GitPolling, Accepted, Stalled, status.commit and status.display).
//
// Polling: every GitRepo is requeued after spec.pollingInterval (default 15s) plus up to 10%
// jitter. The ls-remote goes through a Fetcher shared by every GitRepo with the same repository URL
// and credentials, which answers from a result younger than half the interval, so N GitRepos on
// one repository cost one ls-remote per period. A failing repository backs off exponentially from
// the polling interval, doubling per consecutive failure up to DefaultMaxBackoff; no attempt is
// made before the backoff ends, whichever GitRepo asks, and the GitPolling and Ready messages say
// how many attempts failed and when the next one is due.
//
// Sync: a new commit, a new spec generation or a new forceSyncGeneration clones the commit (depth
// 1, single branch; a bare commit id in spec.revision is cloned in full) into a temporary directory
// and reads it as `fleet apply` does: spec.paths are globs under the repository root (default the
// root), spec.targets are appended to each bundle's targets and copied into targetRestrictions.
// Bundles are labelled fleet.cattle.io/repo-name and fleet.cattle.io/commit; a digest annotation
// lets unchanged bundles be skipped, so their commit label says when they last changed. Bundles
// of the GitRepo that the commit no longer produces are deleted; the finalizer
// fleet.cattle.io/gitrepo-finalizer deletes all of them when the GitRepo goes.
//
// A bad commit (invalid fleet.yaml, no bundle, a symlink leaving the repository) is Stalled: Ready
// is False with the file and line, the Bundles of the last good commit stay, the commit is not
// cloned again, and polling goes on so that the next commit can fix it.
//
// Webhooks (webhook*.go): Webhook is the handler of fleet-apiserver's /webhooks/git. It parses push
// events of GitHub, GitLab, Bitbucket Cloud and Server, Gitea, Gogs and Azure DevOps, finds the GitRepos of the
// repository through an informer index on the normalized URL, verifies the request with each one's
// spec.webhookSecret, and hands the push to the reconciler and the queue; summarize records
// status.webhookCommit and lastWebhookTime.
//
// Credentials (credentials.go, ssh.go): basic-auth and ssh-auth Secrets read through a
// controller.SecretGetter (the core API behind kube-apiserver; none in standalone mode, where such
// GitRepos are Accepted=False); SSH needs known_hosts. Remote charts and chart dependencies are
// fetched, local ones only from inside the checkout, with the credentials of helmSecretName or
// helmSecretNameForPaths (helmauth.go) sent only to URLs that helmRepoURLRegex matches; a chart
// that cannot be downloaded is retried (ChartUnavailable), not held against the commit.
//
// Not supported yet: OCI storage, credentials for chart dependencies, and aggregating
// BundleDeployment states into the GitRepo's status. docs/gitops.md has the details.
package gitops
