// Package bundledeployment serves BundleDeployments from the compact pair store
// (pkg/storage/pairs): get, list, watch and tables of the main resource, get, update and patch
// of its status. The spec belongs to the server: create, update, patch and delete of the main
// resource are refused, since the Bundle reconciler writes them (docs/bundledeployments.md §12).
package bundledeployment

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apis/fleet/validation"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// refusal is the message of a client write to a BundleDeployment.
const refusal = "BundleDeployments are written by the server from Bundles and Clusters; only their status can be written"

// REST serves the bundledeployments resource.
type REST struct {
	store *pairs.Store
	table rest.TableConvertor
	meta  Meta
}

// Meta is what discovery says of the resource.
type Meta struct {
	ShortNames []string
	Categories []string
}

var (
	_ rest.Storage                  = &REST{}
	_ rest.Scoper                   = &REST{}
	_ rest.KindProvider             = &REST{}
	_ rest.SingularNameProvider     = &REST{}
	_ rest.ShortNamesProvider       = &REST{}
	_ rest.Getter                   = &REST{}
	_ rest.Lister                   = &REST{}
	_ rest.Watcher                  = &REST{}
	_ rest.TableConvertor           = &REST{}
	_ rest.Creater                  = &REST{}
	_ rest.Updater                  = &REST{}
	_ rest.GracefulDeleter          = &REST{}
	_ rest.CollectionDeleter        = &REST{}
	_ rest.StorageVersionProvider   = &REST{}
	_ rest.CategoriesProvider       = &REST{}
	_ rest.GroupVersionKindProvider = &REST{}
)

// NewREST returns the storage of bundledeployments and of bundledeployments/status.
func NewREST(store *pairs.Store, table rest.TableConvertor, meta Meta) (*REST, *StatusREST) {
	r := &REST{store: store, table: table, meta: meta}
	return r, &StatusREST{r: r}
}

// New implements rest.Storage.
func (r *REST) New() runtime.Object { return &v1.BundleDeployment{} }

// Destroy implements rest.Storage; the pair store belongs to the server.
func (r *REST) Destroy() {}

// NamespaceScoped implements rest.Scoper.
func (r *REST) NamespaceScoped() bool { return true }

// Kind implements rest.KindProvider.
func (r *REST) Kind() string { return "BundleDeployment" }

// GroupVersionKind implements rest.GroupVersionKindProvider.
func (r *REST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return v1.SchemeGroupVersion.WithKind("BundleDeployment")
}

// GetSingularName implements rest.SingularNameProvider.
func (r *REST) GetSingularName() string { return "bundledeployment" }

// ShortNames implements rest.ShortNamesProvider.
func (r *REST) ShortNames() []string { return r.meta.ShortNames }

// Categories implements rest.CategoriesProvider.
func (r *REST) Categories() []string { return r.meta.Categories }

// StorageVersion implements rest.StorageVersionProvider: objects are kept as v1alpha1.
func (r *REST) StorageVersion() runtime.GroupVersioner { return v1.SchemeGroupVersion }

// NewList implements rest.Lister.
func (r *REST) NewList() runtime.Object { return &v1.BundleDeploymentList{} }

// Get implements rest.Getter.
func (r *REST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	ns, ok := genericapirequest.NamespaceFrom(ctx)
	if !ok || ns == "" {
		return nil, apierrors.NewBadRequest("a namespace is required")
	}
	return r.store.Get(ctx, ns, name)
}

// List implements rest.Lister.
func (r *REST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	o, err := listOptions(ctx, options)
	if err != nil {
		return nil, err
	}
	page, err := r.store.List(ctx, o)
	if err != nil {
		return nil, err
	}
	return &v1.BundleDeploymentList{
		ListMeta: metav1.ListMeta{ResourceVersion: page.ResourceVersion, Continue: page.Continue},
		Items:    page.Items,
	}, nil
}

// Watch implements rest.Watcher.
func (r *REST) Watch(ctx context.Context, options *metainternalversion.ListOptions) (watch.Interface, error) {
	o, err := listOptions(ctx, options)
	if err != nil {
		return nil, err
	}
	return r.store.Watch(ctx, pairs.WatchOptions{Namespace: o.Namespace, Labels: o.Labels, Name: o.Name,
		ResourceVersion: options.ResourceVersion, SendInitialEvents: options.SendInitialEvents,
		AllowWatchBookmarks: options.AllowWatchBookmarks})
}

// listOptions turns a request's options into the pair store's. Field selectors may name
// metadata.name and metadata.namespace only.
func listOptions(ctx context.Context, options *metainternalversion.ListOptions) (pairs.ListOptions, error) {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	o := pairs.ListOptions{Namespace: ns}
	if options == nil {
		return o, nil
	}
	o.Labels, o.Limit, o.Continue = options.LabelSelector, options.Limit, options.Continue
	if options.ResourceVersionMatch == metav1.ResourceVersionMatchExact {
		return o, apierrors.NewBadRequest("resourceVersionMatch=Exact is not supported for BundleDeployments: they keep no history (list at the latest revision)")
	}
	if options.FieldSelector != nil && !options.FieldSelector.Empty() {
		for _, req := range options.FieldSelector.Requirements() {
			if req.Operator != "=" && req.Operator != "==" {
				return o, apierrors.NewBadRequest(fmt.Sprintf("field selector %q: only = on metadata.name and metadata.namespace is supported for BundleDeployments", req.Field))
			}
			switch req.Field {
			case "metadata.name":
				o.Name = req.Value
			case "metadata.namespace":
				if o.Namespace != "" && o.Namespace != req.Value {
					o.Name = "\x00" // a namespace that cannot match: nothing
				}
				o.Namespace = req.Value
			default:
				return o, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s (BundleDeployments select by metadata.name and metadata.namespace)", req.Field))
			}
		}
	}
	return o, nil
}

// ConvertToTable implements rest.TableConvertor.
func (r *REST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.table.ConvertToTable(ctx, object, tableOptions)
}

// Create implements rest.Creater: refused.
func (r *REST) Create(context.Context, runtime.Object, rest.ValidateObjectFunc, *metav1.CreateOptions) (runtime.Object, error) {
	return nil, apierrors.NewMethodNotSupported(v1.Resource("bundledeployments"), "create: "+refusal)
}

// Update implements rest.Updater: refused.
func (r *REST) Update(context.Context, string, rest.UpdatedObjectInfo, rest.ValidateObjectFunc, rest.ValidateObjectUpdateFunc, bool, *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return nil, false, apierrors.NewMethodNotSupported(v1.Resource("bundledeployments"), "update: "+refusal)
}

// Delete implements rest.GracefulDeleter: refused.
func (r *REST) Delete(context.Context, string, rest.ValidateObjectFunc, *metav1.DeleteOptions) (runtime.Object, bool, error) {
	return nil, false, apierrors.NewMethodNotSupported(v1.Resource("bundledeployments"), "delete: "+refusal)
}

// DeleteCollection implements rest.CollectionDeleter: a namespace being deleted finds nothing to
// delete (BundleDeployments go with their Bundle or Cluster); any other call is refused.
func (r *REST) DeleteCollection(ctx context.Context, _ rest.ValidateObjectFunc, _ *metav1.DeleteOptions, options *metainternalversion.ListOptions) (runtime.Object, error) {
	list, err := r.List(ctx, options)
	if err != nil {
		return nil, err
	}
	if len(list.(*v1.BundleDeploymentList).Items) == 0 {
		return list, nil
	}
	return nil, apierrors.NewMethodNotSupported(v1.Resource("bundledeployments"), "deletecollection: "+refusal)
}

// StatusREST serves bundledeployments/status: agents write what they deployed.
type StatusREST struct {
	r *REST
}

var (
	_ rest.Patcher        = &StatusREST{}
	_ rest.TableConvertor = &StatusREST{}
)

// New implements rest.Storage.
func (s *StatusREST) New() runtime.Object { return &v1.BundleDeployment{} }

// Destroy implements rest.Storage.
func (s *StatusREST) Destroy() {}

// Get implements rest.Getter (PATCH reads through it).
func (s *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return s.r.Get(ctx, name, options)
}

// ConvertToTable implements rest.TableConvertor.
func (s *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return s.r.ConvertToTable(ctx, object, tableOptions)
}

// Update implements rest.Updater: the new object's status is validated and stored; everything
// else of it is ignored, as for any status subresource. An unchanged status writes nothing.
func (s *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, _ rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, _ bool, _ *metav1.UpdateOptions) (runtime.Object, bool, error) {
	ns, ok := genericapirequest.NamespaceFrom(ctx)
	if !ok || ns == "" {
		return nil, false, apierrors.NewBadRequest("a namespace is required")
	}
	old, err := s.r.store.Get(ctx, ns, name)
	if err != nil {
		return nil, false, err
	}
	obj, err := objInfo.UpdatedObject(ctx, old)
	if err != nil {
		return nil, false, err
	}
	bd, ok := obj.(*v1.BundleDeployment)
	if !ok {
		return nil, false, apierrors.NewBadRequest(fmt.Sprintf("not a BundleDeployment: %T", obj))
	}
	if errs := validation.ValidateBundleDeploymentStatusUpdate(bd, old); len(errs) > 0 {
		return nil, false, apierrors.NewInvalid(v1.Kind("BundleDeployment"), name, errs)
	}
	if updateValidation != nil {
		if err := updateValidation(ctx, bd, old); err != nil {
			return nil, false, err
		}
	}
	expect, err := pairs.ParseResourceVersion(bd.ResourceVersion)
	if err != nil {
		return nil, false, err
	}
	stored, _, err := s.r.store.UpdateStatus(ctx, ns, name, expect, &bd.Status)
	return stored, false, err
}
