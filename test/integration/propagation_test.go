package integration

import (
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// bundleYAML is a Bundle named %s with the finalizers %s (a YAML list).
const bundleYAML = `apiVersion: fleet.cattle.io/v1alpha1
kind: Bundle
metadata: {name: %s, namespace: ns, finalizers: %s}
spec: {resources: [{name: cm.yaml, content: "kind: ConfigMap"}]}`

// TestStandaloneDeletionPolicies: standalone mode has no garbage collector to remove the
// foregroundDeletion and orphan finalizers, so it never adds them: a foreground or orphan delete,
// with kubectl or the clientset, of one object or a collection, removes the object (after its own
// finalizers) instead of leaving it deleting for ever.
func TestStandaloneDeletionPolicies(t *testing.T) {
	s := framework.StartStandalone(t, "")
	bundles := s.Clientset().FleetV1alpha1().Bundles("ns")
	gone := func(name string) {
		t.Helper()
		b, err := bundles.Get(testContext(t), name, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Fatalf("bundle %s after the delete: finalizers %v, deletionTimestamp %v, err %v; want it gone", name, b.Finalizers, b.DeletionTimestamp, err)
		}
	}

	// kubectl, both cascades (it waits until the object is gone; its --timeout bounds that).
	for _, cascade := range []string{"foreground", "orphan"} {
		s.KubectlStdin(fmt.Sprintf(bundleYAML, cascade, "[]"), "apply", "-f", "-")
		if out, errOut, err := s.KubectlResult("", "delete", "bundle", cascade, "-n", "ns", "--cascade="+cascade, "--timeout=30s"); err != nil {
			t.Fatalf("kubectl delete --cascade=%s: %v\n%s%s", cascade, err, out, errOut)
		}
		gone(cascade)
	}

	// The clientset: propagation policies and the older orphanDependents.
	orphan := true
	for name, opts := range map[string]metav1.DeleteOptions{
		"policy-foreground": {PropagationPolicy: ptr(metav1.DeletePropagationForeground)},
		"policy-orphan":     {PropagationPolicy: ptr(metav1.DeletePropagationOrphan)},
		"orphan-dependents": {OrphanDependents: &orphan},
	} {
		s.KubectlStdin(fmt.Sprintf(bundleYAML, name, "[]"), "apply", "-f", "-")
		if err := bundles.Delete(testContext(t), name, opts); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		gone(name)
	}

	// A collection.
	for _, name := range []string{"c1", "c2"} {
		s.KubectlStdin(fmt.Sprintf(bundleYAML, name, "[]"), "apply", "-f", "-")
	}
	err := bundles.DeleteCollection(testContext(t), metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationForeground)},
		metav1.ListOptions{FieldSelector: "metadata.name=c1"})
	if err != nil {
		t.Fatal(err)
	}
	gone("c1")

	// The object's own finalizers still hold it, and only they: removing them removes it.
	s.KubectlStdin(fmt.Sprintf(bundleYAML, "held", `["example.com/hold"]`), "apply", "-f", "-")
	if err := bundles.Delete(testContext(t), "held", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationForeground)}); err != nil {
		t.Fatal(err)
	}
	b, err := bundles.Get(testContext(t), "held", metav1.GetOptions{})
	if err != nil || b.DeletionTimestamp == nil || strings.Join(b.Finalizers, ",") != "example.com/hold" {
		t.Fatalf("held bundle: %v; want it deleting with only its own finalizer", describe(b, err))
	}
	s.Kubectl("patch", "bundle", "held", "-n", "ns", "--type=json", "-p", `[{"op":"remove","path":"/metadata/finalizers"}]`)
	gone("held")

	// A GitRepo: its controller's finalizer is removed by the controller, then the object goes.
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "repo", "a", repoURL), "apply", "-n", "ns", "-f", "-")
	if out, errOut, err := s.KubectlResult("", "delete", "gitrepo", "repo", "-n", "ns", "--cascade=foreground", "--timeout=30s"); err != nil {
		t.Fatalf("kubectl delete gitrepo --cascade=foreground: %v\n%s%s", err, out, errOut)
	}
	if gr, err := s.Clientset().FleetV1alpha1().GitRepos("ns").Get(testContext(t), "repo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("gitrepo after a foreground delete: finalizers %v, err %v; want it gone", gr.Finalizers, err)
	}
}

func ptr[T any](v T) *T { return &v }

func describe(b *v1alpha1.Bundle, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("finalizers %v, deletionTimestamp %v", b.Finalizers, b.DeletionTimestamp)
}
