package server

import (
	"context"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
)

// Standalone mode has no garbage collector (that is kube-controller-manager's), so it cannot honour
// the two finalizers only a garbage collector removes: orphan and foregroundDeletion. An object
// carrying one would stay deleting for ever. So standalone mode
//
//   - never adds them: the generic store adds them for an orphan or foreground delete only when
//     garbage collection is enabled (withoutGarbageCollector disables it, as kube-apiserver's
//     --enable-garbage-collector=false does);
//   - drops them from every object it writes (withoutGCFinalizers): a client that sets them, or an
//     object that carries them from an earlier build or a copied database, loses them at its next
//     create, update or delete — and a deleting object that nothing else holds is then removed;
//   - drops them once at start from the objects that already carry them (sweepGCFinalizers), so an
//     object left deleting by an earlier build goes without anyone touching it.
//
// ownerReferences are followed by nobody there: dependents are neither deleted nor orphaned (their
// ownerReferences stay).

// gcFinalizers are the finalizers only a garbage collector removes.
var gcFinalizers = []string{metav1.FinalizerOrphanDependents, metav1.FinalizerDeleteDependents}

// withoutGarbageCollector is the storage of standalone mode: garbage collection disabled, and every
// resource's storage wrapped in withoutGCFinalizers.
type withoutGarbageCollector struct{ generic.RESTOptionsGetter }

// GetRESTOptions implements generic.RESTOptionsGetter.
func (g withoutGarbageCollector) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := g.RESTOptionsGetter.GetRESTOptions(resource, example)
	if err != nil {
		return opts, err
	}
	opts.EnableGarbageCollection = false
	decorate := opts.Decorator
	opts.Decorator = func(config *storagebackend.ConfigForResource, resourcePrefix string, keyFunc func(runtime.Object) (string, error),
		newFunc, newListFunc func() runtime.Object, attrs storage.AttrFunc, trigger storage.IndexerFuncs, indexers *cache.Indexers,
	) (storage.Interface, factory.DestroyFunc, error) {
		s, destroy, err := decorate(config, resourcePrefix, keyFunc, newFunc, newListFunc, attrs, trigger, indexers)
		if err != nil {
			return nil, nil, err
		}
		return withoutGCFinalizers{s}, destroy, nil
	}
	return opts, nil
}

// withoutGCFinalizers is a storage that drops the garbage collector's finalizers from every object
// it writes, created or updated. An update that leaves an object deleting with no finalizer is
// followed by the delete the generic store would have made had it seen the object without them (a
// delete, or an update of an object that carries one: the generic store decides before the
// storage writes). Dry runs do not reach it: the generic store runs them above the storage.
type withoutGCFinalizers struct{ storage.Interface }

// Create implements storage.Interface.
func (s withoutGCFinalizers) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	obj, _ = withoutGCFinalizersOf(obj)
	return s.Interface.Create(ctx, key, obj, out, ttl)
}

// GuaranteedUpdate implements storage.Interface.
func (s withoutGCFinalizers) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	dropped := false
	err := s.Interface.GuaranteedUpdate(ctx, key, destination, ignoreNotFound, preconditions,
		func(existing runtime.Object, res storage.ResponseMeta) (runtime.Object, *uint64, error) {
			out, ttl, err := tryUpdate(existing, res)
			if err != nil {
				return out, ttl, err
			}
			out, dropped = withoutGCFinalizersOf(out)
			return out, ttl, nil
		}, cachedExistingObject)
	if err != nil || !dropped {
		return err
	}
	m, err := meta.Accessor(destination)
	if err != nil || m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 {
		return err
	}
	// Deleting, and nothing holds it any more: delete it, unless it was written again meanwhile.
	rv := m.GetResourceVersion()
	err = s.Interface.Delete(ctx, key, destination.DeepCopyObject(), &storage.Preconditions{ResourceVersion: &rv},
		storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{})
	if storage.IsNotFound(err) || storage.IsConflict(err) {
		return nil
	}
	return err
}

// withoutGCFinalizersOf returns obj, or a copy of it without gcFinalizers if it has one (and
// whether it had).
func withoutGCFinalizersOf(obj runtime.Object) (runtime.Object, bool) {
	m, err := meta.Accessor(obj)
	if err != nil || !hasGCFinalizer(m.GetFinalizers()) {
		return obj, false
	}
	obj = obj.DeepCopyObject()
	m, _ = meta.Accessor(obj)
	m.SetFinalizers(withoutGCFinalizerNames(m.GetFinalizers()))
	return obj, true
}

func hasGCFinalizer(finalizers []string) bool {
	return slices.ContainsFunc(finalizers, func(f string) bool { return slices.Contains(gcFinalizers, f) })
}

// withoutGCFinalizerNames returns finalizers without gcFinalizers (nil when none is left).
func withoutGCFinalizerNames(finalizers []string) []string {
	out := slices.DeleteFunc(slices.Clone(finalizers), func(f string) bool { return slices.Contains(gcFinalizers, f) })
	if len(out) == 0 {
		return nil
	}
	return out
}
