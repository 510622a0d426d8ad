package fleet

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	fleetv1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// REST serves one kind: create, get, list, watch, update, patch, delete and deletecollection.
type REST struct {
	*genericregistry.Store
	def *Definition
}

var (
	_ rest.StandardStorage    = &REST{}
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
	_ rest.TableConvertor     = &REST{}
)

// ShortNames implements rest.ShortNamesProvider.
func (r *REST) ShortNames() []string { return r.def.ShortNames }

// Categories implements rest.CategoriesProvider.
func (r *REST) Categories() []string { return r.def.Categories }

// StatusREST serves the status subresource of one kind. It shares the store of its REST.
type StatusREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.TableConvertor      = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
)

// New implements rest.Storage.
func (r *StatusREST) New() runtime.Object { return r.store.New() }

// Destroy implements rest.Storage. The store is shared with the main resource, which destroys it.
func (r *StatusREST) Destroy() {}

// Get implements rest.Getter; it is required to support PATCH.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update implements rest.Updater. Creating through /status is never allowed.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields implements rest.ResetFieldsStrategy.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable implements rest.TableConvertor.
func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}

// NewREST builds the storage of one kind, and of its status subresource when it has one (nil otherwise).
func NewREST(def *Definition, typer runtime.ObjectTyper, optsGetter generic.RESTOptionsGetter) (*REST, *StatusREST, error) {
	table, err := newTableConvertor(def.Columns)
	if err != nil {
		return nil, nil, fmt.Errorf("%s columns: %w", def.Resource, err)
	}
	main := newStrategy(typer, def)
	store := &genericregistry.Store{
		NewFunc:                   def.New,
		NewListFunc:               def.NewList,
		PredicateFunc:             def.Matcher,
		DefaultQualifiedResource:  fleetv1alpha1.Resource(def.Resource),
		SingularQualifiedResource: fleetv1alpha1.Resource(def.Singular),
		CreateStrategy:            main,
		UpdateStrategy:            main,
		DeleteStrategy:            main,
		ResetFieldsStrategy:       main,
		TableConvertor:            table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: def.GetAttrs}); err != nil {
		return nil, nil, fmt.Errorf("%s storage: %w", def.Resource, err)
	}
	if !def.HasStatus {
		return &REST{Store: store, def: def}, nil, nil
	}
	status := statusStrategy{main}
	statusStore := *store
	statusStore.UpdateStrategy = status
	statusStore.ResetFieldsStrategy = status
	return &REST{Store: store, def: def}, &StatusREST{store: &statusStore}, nil
}
