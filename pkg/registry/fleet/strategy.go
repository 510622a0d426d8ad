package fleet

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	fleetv1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// strategy is the create/update/delete policy shared by every stored kind (see the package doc).
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	def *Definition
}

// statusStrategy is the policy of the status subresource: only status may change.
type statusStrategy struct {
	strategy
}

var (
	_ rest.RESTCreateStrategy  = strategy{}
	_ rest.RESTUpdateStrategy  = strategy{}
	_ rest.RESTDeleteStrategy  = strategy{}
	_ rest.ResetFieldsStrategy = strategy{}
	_ rest.RESTUpdateStrategy  = statusStrategy{}
	_ rest.ResetFieldsStrategy = statusStrategy{}
)

func newStrategy(typer runtime.ObjectTyper, def *Definition) strategy {
	return strategy{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, def: def}
}

// NamespaceScoped implements rest.RESTCreateStrategy.
func (s strategy) NamespaceScoped() bool { return !s.def.ClusterScoped }

// GetResetFields implements rest.ResetFieldsStrategy: users cannot set status through the main resource.
func (s strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	if !s.def.HasStatus {
		return nil
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(fleetv1alpha1.SchemeGroupVersion.String()): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate implements rest.RESTCreateStrategy: a new object starts without status, at generation 1.
func (s strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	if s.def.HasStatus {
		clearStatus(obj)
	}
	if accessor, err := meta.Accessor(obj); err == nil {
		accessor.SetGeneration(1)
	}
	s.serverStatus(obj, nil)
}

// serverStatus applies the kind's server-owned status fields (old is nil on create).
func (s strategy) serverStatus(obj, old runtime.Object) {
	if s.def.ServerStatus != nil {
		s.def.ServerStatus(obj, old)
	}
}

// PrepareForUpdate implements rest.RESTUpdateStrategy: status is kept; generation moves when the desired
// state changes.
func (s strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	if s.def.HasStatus {
		copyStatus(obj, old)
	}
	newMeta, err1 := meta.Accessor(obj)
	oldMeta, err2 := meta.Accessor(old)
	if err1 != nil || err2 != nil {
		return
	}
	generation := oldMeta.GetGeneration()
	if !desiredStateEqual(obj, old) {
		generation++
	}
	newMeta.SetGeneration(generation)
	s.serverStatus(obj, old)
}

// Validate implements rest.RESTCreateStrategy.
func (s strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return s.def.Validate(obj)
}

// WarningsOnCreate implements rest.RESTCreateStrategy.
func (s strategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }

// Canonicalize implements rest.RESTCreateStrategy.
func (s strategy) Canonicalize(runtime.Object) {}

// AllowCreateOnUpdate implements rest.RESTUpdateStrategy: a PUT of a missing object is an error.
func (s strategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate implements rest.RESTUpdateStrategy: updates without a resourceVersion are allowed.
func (s strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// ValidateUpdate implements rest.RESTUpdateStrategy.
func (s strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return s.def.ValidateUpdate(obj, old)
}

// WarningsOnUpdate implements rest.RESTUpdateStrategy.
func (s strategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// GetResetFields implements rest.ResetFieldsStrategy: on /status, everything but status is reset.
func (s statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	paths := []fieldpath.Path{fieldpath.MakePathOrDie("metadata", "labels"), fieldpath.MakePathOrDie("metadata", "annotations")}
	for _, name := range desiredStateJSONFields(s.def.New()) {
		paths = append(paths, fieldpath.MakePathOrDie(name))
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(fleetv1alpha1.SchemeGroupVersion.String()): fieldpath.NewSet(paths...),
	}
}

// PrepareForUpdate implements rest.RESTUpdateStrategy: the stored object is kept, with the new status and
// the managedFields that record who wrote it.
func (s statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newMeta, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	managedFields := newMeta.GetManagedFields()
	kept := old.DeepCopyObject()
	copyStatus(kept, obj)
	keptMeta, err := meta.Accessor(kept)
	if err != nil {
		return
	}
	keptMeta.SetManagedFields(managedFields)
	copyInto(obj, kept)
	s.serverStatus(obj, old)
}

// ValidateUpdate implements rest.RESTUpdateStrategy for /status.
func (s statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	if s.def.ValidateStatusUpdate == nil {
		return nil
	}
	return s.def.ValidateStatusUpdate(obj, old)
}

// copyInto overwrites the object dst points to with src (both the same kind).
func copyInto(dst, src runtime.Object) {
	structOf(dst).Set(structOf(src))
}
