package bundles

import (
	"testing"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// TestCacheTransformIsIdempotent: an informer that starts with WatchList runs the transform twice
// over each Bundle present at its start; the second pass keeps the manifest ID of the resources
// the first dropped (it took that of no resources, and every Bundle was restaged on a deployment
// of nothing after each restart of the server).
func TestCacheTransformIsIdempotent(t *testing.T) {
	resources := []v1alpha1.BundleResource{{Name: "cm.yaml", Content: "kind: ConfigMap"}}
	want, err := manifest.ID(resources)
	if err != nil {
		t.Fatal(err)
	}
	b := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Name: "app", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: v1alpha1.BundleSpec{Resources: resources}}
	for pass := 1; pass <= 2; pass++ {
		obj, err := cacheTransform(b)
		if err != nil {
			t.Fatal(err)
		}
		b = obj.(*v1alpha1.Bundle)
		if got := b.Annotations[manifestIDAnnotation]; got != want || b.Spec.Resources != nil || b.ManagedFields != nil {
			t.Fatalf("pass %d: manifest ID %q (want %q), resources %v, managed fields %v", pass, got, want, b.Spec.Resources, b.ManagedFields)
		}
	}
}

// TestCachedManifestIDCannotBeStored: the API refuses the key of the cached manifest ID, so a
// Bundle as stored never carries it and the transform's test for a second pass is sound.
func TestCachedManifestIDCannotBeStored(t *testing.T) {
	if errs := apivalidation.ValidateAnnotations(map[string]string{manifestIDAnnotation: "s-1"}, field.NewPath("metadata", "annotations")); len(errs) == 0 {
		t.Fatalf("the annotation %q would be accepted on a stored Bundle", manifestIDAnnotation)
	}
}
