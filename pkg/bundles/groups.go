package bundles

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/informers/externalversions"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// GroupControllerName names the ClusterGroup controller.
const GroupControllerName = "clustergroup"

// GroupReconciler keeps the pair store's record of each ClusterGroup's members, from which the
// server sums the group's status (pairs.SetGroup). A group's reconcile matches the clusters of
// its namespace: O(clusters of the namespace) in memory, a write only for members that change.
type GroupReconciler struct {
	groups   listers.ClusterGroupLister
	clusters listers.ClusterLister
	pairs    *pairs.Store
}

// NewGroupController returns the ClusterGroup controller: it reconciles a group when it changes
// and the groups of a Cluster's namespace when the Cluster comes, goes or is relabelled.
func NewGroupController(factory externalversions.SharedInformerFactory, store *pairs.Store) (*controller.Controller, error) {
	v1 := factory.Fleet().V1alpha1()
	r := &GroupReconciler{groups: v1.ClusterGroups().Lister(), clusters: v1.Clusters().Lister(), pairs: store}
	c, err := controller.New(controller.Config{Name: GroupControllerName, Reconciler: r})
	if err != nil {
		return nil, err
	}
	if err := c.Watch(v1.ClusterGroups().Informer(), controller.GenerationOrMetadataChanged); err != nil {
		return nil, err
	}
	if err := c.WatchChanges(v1.Clusters().Informer(), r.clusterChanged); err != nil {
		return nil, err
	}
	return c, nil
}

// Reconcile implements controller.Reconciler.
func (r *GroupReconciler) Reconcile(ctx context.Context, key types.NamespacedName) (controller.Result, error) {
	g, err := r.groups.ClusterGroups(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) || (err == nil && g.DeletionTimestamp != nil) {
		return controller.Result{}, r.pairs.DeleteGroup(ctx, key.Namespace, key.Name)
	}
	if err != nil {
		return controller.Result{}, err
	}
	var members []pairs.Cluster
	if g.Spec.Selector != nil { // Fleet: a nil selector selects nothing, {} every cluster
		sel, err := metav1.LabelSelectorAsSelector(g.Spec.Selector)
		if err != nil {
			return controller.Result{}, controller.NewStalling(ReasonInvalidTargets, fmt.Errorf("spec.selector: %w", err))
		}
		clusters, err := r.clusters.Clusters(g.Namespace).List(sel)
		if err != nil {
			return controller.Result{}, err
		}
		for _, c := range clusters {
			members = append(members, clusterRef(c))
		}
	}
	return controller.Result{}, r.pairs.SetGroup(ctx, g.Namespace, g.Name, members)
}

// clusterChanged returns the groups of the Cluster's namespace when it came, went or changed
// labels.
func (r *GroupReconciler) clusterChanged(before, after metav1.Object) []types.NamespacedName {
	if before != nil && after != nil && labels.Equals(before.GetLabels(), after.GetLabels()) {
		return nil
	}
	groups, err := r.groups.ClusterGroups(nsOf(before, after)).List(labels.Everything())
	if err != nil {
		return nil
	}
	keys := make([]types.NamespacedName, 0, len(groups))
	for _, g := range groups {
		keys = append(keys, types.NamespacedName{Namespace: g.Namespace, Name: g.Name})
	}
	return keys
}
