package bundles

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/informers/externalversions"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/rollout"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
	"github.com/fleetapi/fleet/pkg/target"
)

// ControllerName names the Bundle controller in logs, metrics and the workqueue.
const ControllerName = "bundle"

// manifestIDAnnotation holds, on the cached copy of a Bundle only, the manifest ID of the resources
// the cache drops. The API refuses the key (it has a space), so a stored Bundle cannot carry it:
// a copy that has it went through the transform already.
const manifestIDAnnotation = "fleet.cattle.io/cached manifest-id"

// ReasonInvalidTargets: a Bundle's targets or rollout cannot be evaluated (an invalid selector).
const ReasonInvalidTargets = "InvalidTargets"

// rolloutPoll is how soon a Bundle whose rollout has more to do is reconciled again.
const rolloutPoll = 2 * time.Second

// Options configure the Bundle controller.
type Options struct {
	// Factory provides the Bundle, Cluster and ClusterGroup informers; the caller starts it.
	// Build it with InformerOptions so that the Bundle cache does not hold resources.
	Factory externalversions.SharedInformerFactory
	// Pairs stores the BundleDeployments.
	Pairs *pairs.Store
	// Defaults are the rollout defaults (maxNew).
	Defaults rollout.Defaults
	// Recorder records events (default: the log).
	Recorder controller.EventRecorder
	// Workers is the number of Bundles reconciled at once (default 2).
	Workers int
}

// Reconciler turns Bundles into BundleDeployments.
type Reconciler struct {
	bundles  listers.BundleLister
	clusters listers.ClusterLister
	groups   listers.ClusterGroupLister
	pairs    *pairs.Store
	defaults rollout.Defaults
	recorder controller.EventRecorder

	mu    sync.Mutex
	index *Index
}

// NewController returns the Bundle controller: it reconciles a Bundle when it changes, when a
// Cluster change can affect it (through the Index: that cluster's Bundles only), when a
// ClusterGroup of its namespace changes, and while its rollout has more to do.
func NewController(opts Options) (*controller.Controller, error) {
	if opts.Factory == nil || opts.Pairs == nil {
		return nil, fmt.Errorf("bundles: an informer factory and the pair store are required")
	}
	if opts.Recorder == nil {
		opts.Recorder = controller.LogRecorder{Component: ControllerName}
	}
	v1 := opts.Factory.Fleet().V1alpha1()
	r := &Reconciler{bundles: v1.Bundles().Lister(), clusters: v1.Clusters().Lister(), groups: v1.ClusterGroups().Lister(),
		pairs: opts.Pairs, defaults: opts.Defaults, recorder: opts.Recorder, index: NewIndex()}
	c, err := controller.New(controller.Config{Name: ControllerName, Reconciler: r, Workers: opts.Workers})
	if err != nil {
		return nil, err
	}
	if err := c.Watch(v1.Bundles().Informer(), controller.GenerationOrMetadataChanged); err != nil {
		return nil, err
	}
	if err := c.WatchChanges(v1.Clusters().Informer(), r.clusterChanged); err != nil {
		return nil, err
	}
	if err := c.WatchChanges(v1.ClusterGroups().Informer(), r.groupChanged); err != nil {
		return nil, err
	}
	return c, nil
}

// InformerOptions keep the Bundle cache small: each cached Bundle drops its resources (keeping
// their manifest ID in an annotation of the cached copy) and its managed fields.
func InformerOptions() []externalversions.SharedInformerOption {
	return []externalversions.SharedInformerOption{externalversions.WithTransform(cacheTransform)}
}

// cacheTransform is the Bundle cache's transform. It is idempotent, as client-go asks: an informer
// that starts with WatchList transforms each object of the initial state twice (its temporary
// store, then the DeltaFIFO's Replace), and a second pass over a Bundle whose resources are gone
// must keep their manifest ID rather than take that of no resources.
func cacheTransform(obj any) (any, error) {
	switch o := obj.(type) {
	case *v1alpha1.Bundle:
		if _, done := o.Annotations[manifestIDAnnotation]; done {
			return obj, nil
		}
		id, err := manifest.ID(o.Spec.Resources)
		if err != nil {
			return nil, err
		}
		o.Spec.Resources = nil
		o.ManagedFields = nil
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[manifestIDAnnotation] = id
	case metav1.Object:
		o.SetManagedFields(nil)
	}
	return obj, nil
}

// Reconcile implements controller.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, key types.NamespacedName) (controller.Result, error) {
	b, err := r.bundles.Bundles(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) || (err == nil && b.DeletionTimestamp != nil) {
		r.mu.Lock()
		r.index.Delete(key)
		r.mu.Unlock()
		n, err := r.pairs.Delete(ctx, key.Namespace, key.Name)
		if n > 0 {
			klog.V(2).InfoS("Deleted the BundleDeployments of a Bundle", "bundle", key, "count", n)
		}
		return controller.Result{}, err
	}
	if err != nil {
		return controller.Result{}, err
	}
	r.mu.Lock()
	r.index.Set(b)
	r.mu.Unlock()
	clusters, err := r.clusters.Clusters(b.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	groups, err := r.groups.ClusterGroups(b.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	existing, err := r.pairs.Deployments(ctx, b.Namespace, b.Name)
	if err != nil {
		return controller.Result{}, err
	}
	out, err := Desired(Input{Bundle: b, ManifestID: b.Annotations[manifestIDAnnotation], Clusters: clusters,
		Groups: values(groups), Existing: existing, Defaults: r.defaults})
	if err != nil {
		// An invalid target or rollout of this Bundle: it cannot progress until it changes. Its
		// BundleDeployments stay as they were; its Ready condition says why.
		r.recorder.Eventf(b, "Warning", ReasonInvalidTargets, "%v", err)
		failed := pairs.Bundle{Namespace: b.Namespace, Name: b.Name, UID: b.UID, Labels: target.CopiedLabels(b.Labels),
			DependsOn: b.Spec.DependsOn, Status: pairs.BundleStatus{ObservedGeneration: b.Generation}}
		if ferr := r.pairs.Fail(ctx, failed, ReasonInvalidTargets, err.Error()); ferr != nil {
			return controller.Result{}, ferr
		}
		return controller.Result{}, controller.NewStalling(ReasonInvalidTargets, err)
	}
	applied, err := r.pairs.Apply(ctx, out.Bundle, out.Desired)
	if err != nil {
		return controller.Result{}, err
	}
	if applied.Created+applied.Updated+applied.Deleted > 0 {
		klog.V(2).InfoS("Wrote BundleDeployments", "bundle", key, "created", applied.Created, "updated", applied.Updated,
			"deleted", applied.Deleted, "targets", out.Targets, "pending", out.Pending)
	}
	if out.InProgress {
		return controller.Result{RequeueAfter: rolloutPoll}, nil
	}
	return controller.Result{}, nil
}

func values[T any](ptrs []*T) []T {
	out := make([]T, 0, len(ptrs))
	for _, p := range ptrs {
		out = append(out, *p)
	}
	return out
}

// clusterChanged returns the Bundles a Cluster change may affect: all Bundles of its namespace
// when it comes or goes, those the Index names when it changes.
func (r *Reconciler) clusterChanged(before, after metav1.Object) []types.NamespacedName {
	ns := nsOf(before, after)
	inNS := func(k types.NamespacedName) bool { return k.Namespace == ns }
	r.mu.Lock()
	defer r.mu.Unlock()
	if before == nil || after == nil {
		return r.index.Affected(Change{Paused: true}, inNS)
	}
	old, cur := before.(*v1alpha1.Cluster), after.(*v1alpha1.Cluster)
	ch := Change{
		Labels: LabelChanges(old.Labels, cur.Labels),
		Templating: !reflect.DeepEqual(old.Labels, cur.Labels) || !reflect.DeepEqual(old.Annotations, cur.Annotations) ||
			!reflect.DeepEqual(old.Spec.TemplateValues, cur.Spec.TemplateValues),
		Paused: old.Spec.Paused != cur.Spec.Paused || old.Status.Namespace != cur.Status.Namespace || old.UID != cur.UID,
	}
	if len(ch.Labels) > 0 {
		groups, err := r.groups.ClusterGroups(ns).List(labels.Everything())
		if err == nil {
			g1, err1 := target.GroupsForCluster(old, values(groups))
			g2, err2 := target.GroupsForCluster(cur, values(groups))
			ch.Groups = err1 != nil || err2 != nil || !reflect.DeepEqual(g1, g2)
		} else {
			ch.Groups = true
		}
	}
	return r.index.Affected(ch, inNS)
}

// groupChanged returns the Bundles of the group's namespace whose criteria read groups.
func (r *Reconciler) groupChanged(before, after metav1.Object) []types.NamespacedName {
	ns := nsOf(before, after)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.index.Affected(Change{Groups: true}, func(k types.NamespacedName) bool { return k.Namespace == ns })
}

func nsOf(before, after metav1.Object) string {
	if after != nil {
		return after.GetNamespace()
	}
	return before.GetNamespace()
}

// Start runs the Bundle controller and the ClusterGroup controller against the API at cfg (the
// server's loopback configuration) until ctx is done, recording events with recorder (nil: the
// log). It returns once the caches are synced.
func Start(ctx context.Context, cfg *rest.Config, store *pairs.Store, defaults rollout.Defaults, recorder controller.EventRecorder) (*controller.Controller, error) {
	cs, err := controller.LoopbackClientset(cfg)
	if err != nil {
		return nil, err
	}
	factory := externalversions.NewSharedInformerFactoryWithOptions(cs, 10*time.Hour, InformerOptions()...)
	c, err := NewController(Options{Factory: factory, Pairs: store, Defaults: defaults, Recorder: recorder})
	if err != nil {
		return nil, err
	}
	groups, err := NewGroupController(factory, store)
	if err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	// The ClusterGroup controller watches the same informers: the Bundle controller's CacheErr
	// speaks for both.
	if err := groups.Start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
