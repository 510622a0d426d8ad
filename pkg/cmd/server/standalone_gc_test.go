package server

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/apiserver"
	"github.com/fleetapi/fleet/pkg/registry/fleet"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// bundleStores returns the Bundle storage the registry builds on one SQLite database twice: as a
// server with a garbage collector builds it (which adds the orphan finalizer for an orphan delete:
// what an earlier build of standalone mode did too), and as standalone mode builds it.
func bundleStores(t *testing.T) (withGC, standalone *fleet.REST) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{Path: filepath.Join(t.TempDir(), "fleet.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(t, db) })
	getter := db.RESTOptionsGetterWithTransformers(apiserver.StorageCodec(), nil)
	var def *fleet.Definition
	for _, d := range fleet.Definitions() {
		if d.Resource == "bundles" {
			def = d
		}
	}
	if withGC, _, err = fleet.NewREST(def, apiserver.Scheme, getter); err != nil {
		t.Fatal(err)
	}
	if standalone, _, err = fleet.NewREST(def, apiserver.Scheme, withoutGarbageCollector{getter}); err != nil {
		t.Fatal(err)
	}
	return withGC, standalone
}

// TestStandaloneDropsGCFinalizers: objects that already carry the orphan finalizer — left deleting
// by an earlier build, or not yet deleted — lose it in standalone mode at their next delete or
// update, and a deleting one is then removed; a create never stores it; the object's own
// finalizers stay and hold it.
func TestStandaloneDropsGCFinalizers(t *testing.T) {
	withGC, standalone := bundleStores(t)
	ctx := genericapirequest.WithNamespace(context.Background(), "ns")
	orphan := &metav1.DeleteOptions{PropagationPolicy: ptrTo(metav1.DeletePropagationOrphan)}
	create := func(s *fleet.REST, name string, finalizers ...string) {
		t.Helper()
		b := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Finalizers: finalizers}}
		if _, err := s.Create(ctx, b, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) (*v1alpha1.Bundle, error) {
		o, err := standalone.Get(ctx, name, &metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return o.(*v1alpha1.Bundle), nil
	}
	// stuck leaves name deleting with the orphan finalizer and, if hold, its own one.
	stuck := func(name string, hold bool) {
		t.Helper()
		fins := []string{"example.com/hold"}
		create(withGC, name, fins...)
		if _, _, err := withGC.Delete(ctx, name, rest.ValidateAllObjectFunc, orphan); err != nil {
			t.Fatal(err)
		}
		if !hold {
			b, _ := get(name)
			b.Finalizers = slices.DeleteFunc(b.Finalizers, func(f string) bool { return f == "example.com/hold" })
			if _, _, err := withGC.Update(ctx, name, rest.DefaultUpdatedObjectInfo(b), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if b, err := get(name); err != nil || b.DeletionTimestamp == nil || !slices.Contains(b.Finalizers, metav1.FinalizerOrphanDependents) {
			t.Fatalf("%s is not left deleting with the orphan finalizer: %v %v", name, b, err)
		}
	}

	// Deleting, with only the orphan finalizer: a delete in standalone mode removes it.
	stuck("deleting", false)
	if _, _, err := standalone.Delete(ctx, "deleting", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := get("deleting"); !apierrors.IsNotFound(err) {
		t.Fatalf("after a standalone delete: %v %v; want it gone", b, err)
	}

	// Deleting, with the orphan finalizer: any update in standalone mode removes it.
	stuck("touched", false)
	b, _ := get("touched")
	b.Labels = map[string]string{"touched": "yes"}
	if _, _, err := standalone.Update(ctx, "touched", rest.DefaultUpdatedObjectInfo(b), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := get("touched"); !apierrors.IsNotFound(err) {
		t.Fatalf("after a standalone update: %v %v; want it gone", b, err)
	}

	// Deleting, held by its own finalizer too: that one stays, the orphan one goes.
	stuck("held", true)
	if _, _, err := standalone.Delete(ctx, "held", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := get("held"); err != nil || b.DeletionTimestamp == nil || !slices.Equal(b.Finalizers, []string{"example.com/hold"}) {
		t.Fatalf("held: %v %v; want it deleting with only its own finalizer", b, err)
	}

	// A create keeps neither garbage-collector finalizer.
	create(standalone, "new", metav1.FinalizerOrphanDependents, "example.com/hold")
	create(standalone, "new-foreground", metav1.FinalizerDeleteDependents)
	if b, err := get("new-foreground"); err != nil || len(b.Finalizers) != 0 {
		t.Fatalf("created with foregroundDeletion: %v %v; want no finalizer", b, err)
	}
	if b, err := get("new"); err != nil || !slices.Equal(b.Finalizers, []string{"example.com/hold"}) {
		t.Fatalf("created with the garbage collector's finalizers: %v %v; want only its own", b, err)
	}
}

func ptrTo[T any](v T) *T { return &v }
