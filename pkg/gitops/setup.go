package gitops

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/pkg/generated/informers/externalversions"
)

// ControllerName names the GitRepo controller in logs, metrics and the workqueue.
const ControllerName = "gitrepo"

// Options configure the GitRepo controller.
type Options struct {
	// Client writes Bundles and GitRepo status.
	Client versioned.Interface
	// Factory provides the GitRepo informer; the caller starts it.
	Factory externalversions.SharedInformerFactory
	// Fetchers is the shared ls-remote pool (default: a new one).
	Fetchers *Fetchers
	// Recorder records events (default: the log).
	Recorder controller.EventRecorder
	// Secrets reads the Secrets a GitRepo names (default: none, as in standalone mode).
	Secrets controller.SecretGetter
	// Workers is the number of GitRepos synced at once (default 2).
	Workers int
	// TempDir is where commits are checked out (default: the system temporary directory).
	TempDir string
	// Webhook, when set, is connected to this controller: its verified push notifications trigger
	// the GitRepos they name (webhook.go).
	Webhook *Webhook
}

// NewController returns the GitRepo controller, watching GitRepos through opts.Factory.
func NewController(opts Options) (*controller.Controller, error) {
	if opts.Client == nil || opts.Factory == nil {
		return nil, fmt.Errorf("gitops: client and informer factory are required")
	}
	registerMetrics()
	if opts.Fetchers == nil {
		opts.Fetchers = NewFetchers()
	}
	if opts.Recorder == nil {
		opts.Recorder = controller.LogRecorder{Component: ControllerName}
	}
	if opts.Secrets == nil {
		opts.Secrets = controller.NoSecrets{}
	}
	informer := opts.Factory.Fleet().V1alpha1().GitRepos()
	r := &Reconciler{
		client: opts.Client, lister: informer.Lister(), fetchers: opts.Fetchers, recorder: opts.Recorder, secrets: opts.Secrets,
		writer: bundleWriter{client: opts.Client, recorder: opts.Recorder},
		clock:  clock.RealClock{}, tmpDir: opts.TempDir, failed: map[types.NamespacedName]failedSync{},
	}
	r.webhooks = newWebhookInbox()
	c, err := controller.New(controller.Config{Name: ControllerName, Reconciler: r, Workers: opts.Workers})
	if err != nil {
		return nil, err
	}
	if err := c.Watch(informer.Informer(), controller.GenerationOrMetadataChanged); err != nil {
		return nil, err
	}
	if opts.Webhook != nil {
		if err := informer.Informer().AddIndexers(cache.Indexers{repoURLIndex: indexByRepoURL}); err != nil {
			return nil, fmt.Errorf("gitops: webhook index: %w", err)
		}
		opts.Webhook.connect(&webhookDeps{indexer: informer.Informer().GetIndexer(), secrets: opts.Secrets,
			inbox: r.webhooks, enqueue: c.Enqueue, clock: r.clock})
	}
	// A GitRepoRestriction or Policy that appears, changes or goes re-checks the GitRepos it gates.
	restrictions := opts.Factory.Fleet().V1alpha1().GitRepoRestrictions()
	policies := opts.Factory.Fleet().V1alpha1().Policies()
	r.restrictions, r.policies = restrictions.Lister(), policies.Lister()
	gitReposOf := controller.AllInNamespace(func(ns string) ([]*v1alpha1.GitRepo, error) {
		return r.lister.GitRepos(ns).List(labels.Everything())
	})
	if err := c.WatchMapped(restrictions.Informer(), gitReposOf); err != nil {
		return nil, err
	}
	if err := c.WatchMapped(policies.Informer(), gitReposOf); err != nil {
		return nil, err
	}
	return c, nil
}

// checkWorkDir fails unless a directory can be made in dir, where every sync checks out its commit
// and pulls its charts: without one every GitRepo would fail the same way, one by one.
func checkWorkDir(dir string) error {
	d, err := os.MkdirTemp(dir, "fleet-check-")
	if err != nil {
		return fmt.Errorf("gitops: commits cannot be checked out in the temporary directory (TMPDIR): %w", err)
	}
	return os.Remove(d)
}

// resyncPeriod is the informers' resync: a safety net only, polling is driven by the queue.
const resyncPeriod = 10 * time.Hour

// Start runs the sync-loop controllers of this package against the API at cfg (the server's
// loopback configuration) until ctx is done, reading Secrets with secrets (nil: none). It returns
// once the caches are synced, with the controller (its CacheErr says whether its caches keep up)
// and the handler of the git webhook endpoint (Webhook). It fails when commits and charts cannot be
// written to the system's temporary directory (TMPDIR), or when the caches do not sync
// (controller.Controller.Start says why).
func Start(ctx context.Context, cfg *rest.Config, secrets controller.SecretGetter, recorder controller.EventRecorder) (*controller.Controller, http.Handler, error) {
	if err := checkWorkDir(os.TempDir()); err != nil {
		return nil, nil, err
	}
	cs, err := controller.LoopbackClientset(cfg)
	if err != nil {
		return nil, nil, err
	}
	factory := externalversions.NewSharedInformerFactory(cs, resyncPeriod)
	webhook := &Webhook{}
	c, err := NewController(Options{Client: cs, Factory: factory, Secrets: secrets, Recorder: recorder, Webhook: webhook})
	if err != nil {
		return nil, nil, err
	}
	factory.Start(ctx.Done())
	if err := c.Start(ctx); err != nil {
		return nil, nil, err
	}
	return c, webhook, nil
}
