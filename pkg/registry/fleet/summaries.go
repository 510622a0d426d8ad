package fleet

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// SummaryWriters write the status the pair store computes (summaries, displays, Ready) into the
// stored Bundles and Clusters. They write through the storage under the API, not through its
// strategies: the fields they set are the ones no client write may change. An update that changes
// nothing writes nothing and sends no event (the SQL store compares the bytes).
type SummaryWriters struct {
	bundles, clusters, gitRepos, helmOps, groups *genericregistry.Store
}

var _ pairs.Writers = &SummaryWriters{}

// NewSummaryWriters returns the writers over the group's storage (NewAPIGroupInfo's resources).
func NewSummaryWriters(resources map[string]rest.Storage) (*SummaryWriters, error) {
	store := func(resource string) (*genericregistry.Store, error) {
		r, ok := resources[resource].(*REST)
		if !ok {
			return nil, fmt.Errorf("summaries: no generic storage for %s", resource)
		}
		return r.Store, nil
	}
	bundles, err := store("bundles")
	if err != nil {
		return nil, err
	}
	clusters, err := store("clusters")
	if err != nil {
		return nil, err
	}
	gitRepos, err := store("gitrepos")
	if err != nil {
		return nil, err
	}
	helmOps, err := store("helmops")
	if err != nil {
		return nil, err
	}
	groups, err := store("clustergroups")
	if err != nil {
		return nil, err
	}
	return &SummaryWriters{bundles: bundles, clusters: clusters, gitRepos: gitRepos, helmOps: helmOps, groups: groups}, nil
}

// UpdateBundle implements pairs.Writers.
func (w *SummaryWriters) UpdateBundle(ctx context.Context, namespace, name string, set func(*v1.Bundle)) error {
	return update(ctx, w.bundles, namespace, name, func(obj runtime.Object) { set(obj.(*v1.Bundle)) })
}

// UpdateCluster implements pairs.Writers.
func (w *SummaryWriters) UpdateCluster(ctx context.Context, namespace, name string, set func(*v1.Cluster)) error {
	return update(ctx, w.clusters, namespace, name, func(obj runtime.Object) { set(obj.(*v1.Cluster)) })
}

// UpdateClusterGroup implements pairs.Writers.
func (w *SummaryWriters) UpdateClusterGroup(ctx context.Context, namespace, name string, set func(*v1.ClusterGroup)) error {
	return update(ctx, w.groups, namespace, name, func(obj runtime.Object) { set(obj.(*v1.ClusterGroup)) })
}

// UpdateRepo implements pairs.Writers.
func (w *SummaryWriters) UpdateRepo(ctx context.Context, helmOp bool, namespace, name string, set func(*v1.StatusBase)) error {
	if helmOp {
		return update(ctx, w.helmOps, namespace, name, func(obj runtime.Object) { set(&obj.(*v1.HelmOp).Status.StatusBase) })
	}
	return update(ctx, w.gitRepos, namespace, name, func(obj runtime.Object) { set(&obj.(*v1.GitRepo).Status.StatusBase) })
}

// update sets the computed fields of one stored object, retrying on a conflict with a client's
// write. A missing object is the API's NotFound.
func update(ctx context.Context, store *genericregistry.Store, namespace, name string, set func(runtime.Object)) error {
	ctx = genericapirequest.WithNamespace(ctx, namespace)
	key, err := store.KeyFunc(ctx, name)
	if err != nil {
		return err
	}
	err = store.Storage.GuaranteedUpdate(ctx, key, store.NewFunc(), false, nil,
		func(existing runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			next := existing.DeepCopyObject()
			set(next)
			return next, nil, nil
		}, false, nil)
	if storage.IsNotFound(err) {
		return apierrors.NewNotFound(schema.GroupResource{Group: v1.GroupName, Resource: store.DefaultQualifiedResource.Resource}, name)
	}
	return err
}
