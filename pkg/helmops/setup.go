package helmops

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/pkg/generated/informers/externalversions"
)

// ControllerName names the HelmOp controller in logs, metrics and the workqueue.
const ControllerName = "helmop"

// Options configure the HelmOp controller.
type Options struct {
	// Client writes Bundles and HelmOp status.
	Client versioned.Interface
	// Factory provides the HelmOp informer; the caller starts it.
	Factory externalversions.SharedInformerFactory
	// BundleFactory provides the Bundle informer; it should list only Bundles labelled
	// fleet.cattle.io/fleet-helm-name (BundleInformerOptions). The caller starts it.
	BundleFactory externalversions.SharedInformerFactory
	// Sources is the shared pool of repository readers (default: a new one).
	Sources *Sources
	// Recorder records events (default: the log).
	Recorder controller.EventRecorder
	// Secrets reads the Secret a HelmOp names (default: none, as in standalone mode).
	Secrets controller.SecretGetter
	// Workers is the number of HelmOps reconciled at once (default 2).
	Workers int
}

// BundleInformerOptions restrict a Bundle informer factory to the Bundles of HelmOps, which are
// small (no resources): the controller does not cache every Bundle of the server.
func BundleInformerOptions() []externalversions.SharedInformerOption {
	return []externalversions.SharedInformerOption{externalversions.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.LabelSelector = v1alpha1.HelmOpLabel
	})}
}

// NewController returns the HelmOp controller. It reconciles a HelmOp when it changes and when
// its Bundle changes or goes (the Bundle has the HelmOp's name), and polls by requeueing.
func NewController(opts Options) (*controller.Controller, error) {
	if opts.Client == nil || opts.Factory == nil || opts.BundleFactory == nil {
		return nil, fmt.Errorf("helmops: client and informer factories are required")
	}
	registerMetrics()
	if opts.Sources == nil {
		opts.Sources = NewSources()
	}
	if opts.Recorder == nil {
		opts.Recorder = controller.LogRecorder{Component: ControllerName}
	}
	if opts.Secrets == nil {
		opts.Secrets = controller.NoSecrets{}
	}
	ops := opts.Factory.Fleet().V1alpha1().HelmOps()
	bundles := opts.BundleFactory.Fleet().V1alpha1().Bundles()
	r := &Reconciler{
		client: opts.Client, lister: ops.Lister(), sources: opts.Sources, secrets: opts.Secrets, recorder: opts.Recorder,
		writer: bundleWriter{client: opts.Client, lister: bundles.Lister()}, clock: clock.RealClock{},
		resolved: map[types.NamespacedName]int64{},
	}
	c, err := controller.New(controller.Config{Name: ControllerName, Reconciler: r, Workers: opts.Workers})
	if err != nil {
		return nil, err
	}
	if err := c.Watch(ops.Informer(), controller.GenerationOrMetadataChanged); err != nil {
		return nil, err
	}
	// A HelmOp's Bundle has its name: a Bundle event enqueues the HelmOp, so a deleted or edited
	// Bundle is written again. (For a Bundle whose HelmOp does not exist the reconcile is a no-op.)
	if err := c.Watch(bundles.Informer(), controller.GenerationOrMetadataChanged); err != nil {
		return nil, err
	}
	// A Policy that appears, changes or goes re-checks the HelmOps of its namespace.
	policies := opts.Factory.Fleet().V1alpha1().Policies()
	r.policies = policies.Lister()
	helmOpsOf := controller.AllInNamespace(func(ns string) ([]*v1alpha1.HelmOp, error) {
		return r.lister.HelmOps(ns).List(labels.Everything())
	})
	if err := c.WatchMapped(policies.Informer(), helmOpsOf); err != nil {
		return nil, err
	}
	return c, nil
}

// resyncPeriod is the informers' resync: a safety net only, polling is driven by the queue.
const resyncPeriod = 10 * time.Hour

// Start runs the HelmOp controller against the API at cfg (the server's loopback configuration)
// until ctx is done, reading Secrets with secrets (nil: none). It returns once the caches are
// synced, with the controller (its CacheErr says whether its caches keep up).
func Start(ctx context.Context, cfg *rest.Config, secrets controller.SecretGetter, recorder controller.EventRecorder) (*controller.Controller, error) {
	cs, err := controller.LoopbackClientset(cfg)
	if err != nil {
		return nil, err
	}
	factory := externalversions.NewSharedInformerFactory(cs, resyncPeriod)
	bundleFactory := externalversions.NewSharedInformerFactoryWithOptions(cs, resyncPeriod, BundleInformerOptions()...)
	c, err := NewController(Options{Client: cs, Factory: factory, BundleFactory: bundleFactory, Secrets: secrets, Recorder: recorder})
	if err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	bundleFactory.Start(ctx.Done())
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
