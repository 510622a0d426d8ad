package helmops

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
)

// TestLifecycle: a Bundle deleted behind the controller's back comes back; deleting the HelmOp
// deletes its Bundle (finalizer); a Bundle of the same name that is not the HelmOp's is left
// alone; the controller's metrics are on /metrics.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))

	t.Run("deleted bundle is written again", func(t *testing.T) {
		e := e.with(t)
		// No polling: only the Bundle's deletion can bring the HelmOp back to the queue.
		s := spec(repo.URL, "app", "")
		s.PollingInterval = nil
		e.createHelmOp("again", s)
		b, _ := e.waitBundleVersion("again", "1.0.0")
		if err := e.cs.FleetV1alpha1().Bundles(e.ns).Delete(e.ctx(), "again", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("the bundle to be created again", func() bool {
			nb := e.bundle("again")
			return nb != nil && nb.UID != b.UID
		}, func() string { return e.describe("again") })
	})

	t.Run("deleting the HelmOp deletes its bundle", func(t *testing.T) {
		e := e.with(t)
		e.createHelmOp("gone", spec(repo.URL, "app", ""))
		e.waitBundleVersion("gone", "1.0.0")
		if err := e.cs.FleetV1alpha1().HelmOps(e.ns).Delete(e.ctx(), "gone", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("the bundle and the HelmOp to be gone", func() bool {
			_, err := e.cs.FleetV1alpha1().HelmOps(e.ns).Get(e.ctx(), "gone", metav1.GetOptions{})
			return apierrors.IsNotFound(err) && e.bundle("gone") == nil
		}, func() string { return e.describe("gone") })
	})

	t.Run("a bundle that is not the HelmOp's is left alone", func(t *testing.T) {
		e := e.with(t)
		foreign := &v1alpha1.Bundle{
			ObjectMeta: metav1.ObjectMeta{Name: "taken", Namespace: e.ns, Labels: map[string]string{"owner": "someone"}},
			Spec:       v1alpha1.BundleSpec{Resources: []v1alpha1.BundleResource{{Name: "cm.yaml", Content: "kind: ConfigMap\n"}}},
		}
		if _, err := e.cs.FleetV1alpha1().Bundles(e.ns).Create(e.ctx(), foreign, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		e.createHelmOp("taken", spec(repo.URL, "app", ""))
		ready := e.waitCondition("taken", v1alpha1.ConditionReady, "False", "BundleConflict")
		if !strings.Contains(ready.Message, "does not belong to this HelmOp") {
			t.Fatalf("Ready message %q", ready.Message)
		}
		if err := e.cs.FleetV1alpha1().HelmOps(e.ns).Delete(e.ctx(), "taken", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("the HelmOp to be gone", func() bool {
			_, err := e.cs.FleetV1alpha1().HelmOps(e.ns).Get(e.ctx(), "taken", metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}, func() string { return e.describe("taken") })
		if b := e.bundle("taken"); b == nil || b.Labels["owner"] != "someone" || b.Spec.HelmOpOptions != nil {
			t.Fatalf("the foreign bundle was changed or deleted: %+v", b)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		e := e.with(t)
		body, err := e.cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(e.ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`fleet_helmops_chart_resolve_duration_seconds_count{result="success",source="repository"}`,
			`fleet_helmops_bundle_writes_total{operation="create"}`,
			`fleet_helmops_bundle_writes_total{operation="delete"}`,
			`fleet_controller_reconcile_total{controller="helmop",result="success"}`,
			`workqueue_depth{name="helmop"}`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}
