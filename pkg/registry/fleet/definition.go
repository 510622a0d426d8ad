package fleet

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	fleetv1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// Definition describes one stored kind: what the generic strategies and storage need to serve it.
type Definition struct {
	// Kind is the kind name, e.g. "GitRepo".
	Kind string
	// Resource is the plural resource name, e.g. "gitrepos".
	Resource string
	// Singular is the singular resource name, e.g. "gitrepo".
	Singular string
	// ShortNames are the short names kubectl accepts.
	ShortNames []string
	// Categories are the categories the resource belongs to ("fleet" for `kubectl get fleet`).
	Categories []string
	// ClusterScoped is true for kinds that live outside namespaces (Content).
	ClusterScoped bool
	// HasStatus is true for kinds with a status subresource.
	HasStatus bool
	// New returns an empty object; NewList an empty list.
	New, NewList func() runtime.Object
	// Validate validates a new object; ValidateUpdate an update of the main resource.
	Validate       func(obj runtime.Object) field.ErrorList
	ValidateUpdate func(obj, old runtime.Object) field.ErrorList
	// ValidateStatusUpdate validates an update of the status subresource (nil: nothing beyond metadata).
	ValidateStatusUpdate func(obj, old runtime.Object) field.ErrorList
	// Columns are the printer columns (JSONPath), shown by kubectl after the name.
	Columns []apiextensionsv1.CustomResourceColumnDefinition
	// Storage builds the kind's own storage (main resource and status) instead of the generic
	// store over the RESTOptionsGetter: BundleDeployments, served from the pair store.
	Storage func(def *Definition, deps Deps) (rest.Storage, rest.Storage, error)
	// ServerStatus sets the status fields the server owns, on every create (old is nil) and
	// update of the object and of its status, so that no client write changes them (nil: none).
	// The server writes the computed ones itself, under the strategies (SummaryWriters).
	ServerStatus func(obj, old runtime.Object)
}

// Deps are what the storage of the kinds is built on.
type Deps struct {
	// RESTOptionsGetter builds the generic stores (our SQL store).
	RESTOptionsGetter generic.RESTOptionsGetter
	// Pairs is the compact store of BundleDeployments.
	Pairs *pairs.Store
}

// GetAttrs returns the labels and the selectable fields of an object of this kind.
func (d *Definition) GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	accessor, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	set := fields.Set{"metadata.name": accessor.GetName()}
	if !d.ClusterScoped {
		set["metadata.namespace"] = accessor.GetNamespace()
	}
	for path, get := range fleetv1alpha1.SelectableFields[d.Kind] {
		set[path] = get(obj)
	}
	return labels.Set(accessor.GetLabels()), set, nil
}

// Matcher returns the selection predicate for a label and a field selector.
func (d *Definition) Matcher(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: d.GetAttrs}
}

var _ storage.AttrFunc = (&Definition{}).GetAttrs
