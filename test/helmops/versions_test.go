package helmops

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/helmops"
	"github.com/fleetapi/fleet/test/framework"
)

// TestNewVersionsReachTheBundle is the acceptance test of issue #6: a new chart version in the
// repository becomes the Bundle's version on the next poll when the constraint allows it, and
// only then; polls that resolve the same version write nothing.
func TestNewVersionsReachTheBundle(t *testing.T) {
	e := newEnv(t)

	t.Run("chart repository", func(t *testing.T) {
		e := e.with(t)
		repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"), chartserver.MinimalChart(t, "app", "0.9.0"))
		e.createHelmOp("app", v1alpha1.HelmOpSpec{
			BundleSpec: v1alpha1.BundleSpec{BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
				DefaultNamespace: "app", Helm: &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "app", Version: "~1.0", ReleaseName: "app"},
			}},
			Labels:          map[string]string{"team": "a"},
			PollingInterval: everySecond(),
		})
		b, op := e.waitBundleVersion("app", "1.0.0")
		if b.Labels[v1alpha1.HelmOpLabel] != "app" || b.Labels["team"] != "a" {
			t.Fatalf("bundle labels = %v, want fleet-helm-name=app and the spec's labels", b.Labels)
		}
		if len(b.Spec.Targets) != 1 || b.Spec.Targets[0].Name != "default" || b.Spec.Targets[0].ClusterGroup != "default" {
			t.Fatalf("bundle targets = %+v, want the default target", b.Spec.Targets)
		}
		if b.Spec.HelmOpOptions == nil || b.Spec.Helm.Repo != repo.URL || b.Spec.Helm.Chart != "app" ||
			b.Spec.DefaultNamespace != "app" || b.Spec.Helm.ReleaseName != "app" || len(b.Spec.Resources) != 0 {
			t.Fatalf("bundle spec = %+v, helmOpOptions %+v", b.Spec.BundleDeploymentOptions, b.Spec.HelmOpOptions)
		}
		for typ, reason := range map[string]string{
			v1alpha1.ConditionAccepted: helmops.ReasonAccepted, v1alpha1.ConditionPolled: helmops.ReasonPolled,
			v1alpha1.ConditionReady: helmops.ReasonSynced,
		} {
			if c := condition(op, typ); c.Status != "True" || c.Reason != reason {
				t.Fatalf("%s = %+v, want True/%s", typ, c, reason)
			}
		}
		if op.Status.LastPollingTime.IsZero() || !containsFinalizer(op) {
			t.Fatalf("lastPollingTriggered %v, finalizers %v", op.Status.LastPollingTime, op.Finalizers)
		}

		// The same version resolved again: neither the Bundle nor the HelmOp is written. (The
		// resourceVersions alone would not show a Bundle update that changes nothing, which the
		// storage absorbs; the write counter does.) A HelmOp is never reconciled twice at once,
		// so once the third request is answered the reconciles of the first two are complete.
		updates, unchanged := e.metric(bundleUpdates), e.metric(bundleUnchanged)
		e.waitRequests("index.yaml", repo.IndexRequests, 3)
		if u, n := e.metric(bundleUpdates), e.metric(bundleUnchanged); u != updates || n < unchanged+2 {
			t.Fatalf("polls that found the same version: bundle updates %v → %v, unchanged %v → %v", updates, u, unchanged, n)
		}
		// What the server computes (the Bundle's status, the HelmOp's summary) is not the poll's.
		if b2, op2 := e.bundle("app"), e.helmOp("app"); !framework.EqualExcept(b2, b, append(framework.ServerWritten, "status")...) ||
			!framework.EqualExcept(op2, op, framework.ServerWritten...) {
			t.Fatalf("polls that found the same version wrote: bundle rv %s → %s, helmop rv %s → %s",
				b.ResourceVersion, b2.ResourceVersion, op.ResourceVersion, op2.ResourceVersion)
		}

		repo.Add(t, chartserver.MinimalChart(t, "app", "1.0.1"))
		b, _ = e.waitBundleVersion("app", "1.0.1")

		// 2.0.0 is outside ~1.0, and a pre-release inside it is not taken either. Every request
		// counted from here on is answered with the new index; once the second is, the reconcile
		// of the first is complete.
		repo.Add(t, chartserver.MinimalChart(t, "app", "2.0.0"), chartserver.MinimalChart(t, "app", "1.0.2-rc.1"))
		e.waitRequests("index.yaml", repo.IndexRequests, 2)
		if b2 := e.bundle("app"); b2.Spec.Helm.Version != "1.0.1" || !framework.EqualExcept(b2, b, append(framework.ServerWritten, "status")...) {
			t.Fatalf("after publishing 2.0.0 and 1.0.2-rc.1 the bundle is at %s (rv %s → %s), want 1.0.1 unchanged",
				b2.Spec.Helm.Version, b.ResourceVersion, b2.ResourceVersion)
		}
		if v := e.helmOp("app").Status.Version; v != "1.0.1" {
			t.Fatalf("status.version = %s, want 1.0.1", v)
		}
	})

	t.Run("OCI registry", func(t *testing.T) {
		e := e.with(t)
		reg := chartserver.NewRegistry(t, "charts", chartserver.MinimalChart(t, "oci-app", "1.0.0"))
		e.createHelmOp("oci-app", v1alpha1.HelmOpSpec{
			BundleSpec: v1alpha1.BundleSpec{BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
				Helm: &v1alpha1.HelmOptions{Repo: "oci://" + reg.Host + "/charts/oci-app", Version: "^1"},
			}},
			PollingInterval: everySecond(),
		})
		e.waitBundleVersion("oci-app", "1.0.0")
		reg.Add(t, "charts", chartserver.MinimalChart(t, "oci-app", "1.1.0"))
		b, _ := e.waitBundleVersion("oci-app", "1.1.0")
		if b.Spec.Helm.Repo != "oci://"+reg.Host+"/charts/oci-app" || b.Spec.Helm.Chart != "" {
			t.Fatalf("bundle helm = %+v", b.Spec.Helm)
		}
		reg.Add(t, "charts", chartserver.MinimalChart(t, "oci-app", "2.0.0"))
		e.waitRequests("tags/list", reg.TagRequests, 2)
		if b2 := e.bundle("oci-app"); b2.Spec.Helm.Version != "1.1.0" || !framework.EqualExcept(b2, b, append(framework.ServerWritten, "status")...) {
			t.Fatalf("after publishing 2.0.0 the bundle is at %s (rv %s → %s), want 1.1.0 unchanged",
				b2.Spec.Helm.Version, b.ResourceVersion, b2.ResourceVersion)
		}
	})

	// Without polling the version is resolved when the HelmOp changes.
	t.Run("no polling", func(t *testing.T) {
		e := e.with(t)
		repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "once", "1.0.0"))
		e.createHelmOp("once", v1alpha1.HelmOpSpec{BundleSpec: v1alpha1.BundleSpec{BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
			Helm: &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "once"},
		}}})
		e.waitBundleVersion("once", "1.0.0")
		e.waitCondition("once", v1alpha1.ConditionPolled, "False", helmops.ReasonPollingDisabled)
		repo.Add(t, chartserver.MinimalChart(t, "once", "1.1.0"), chartserver.MinimalChart(t, "once", "2.0.0"))
		op := e.helmOp("once")
		op.Spec.Helm.Version = "~1"
		if _, err := e.cs.FleetV1alpha1().HelmOps(e.ns).Update(e.ctx(), op, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitBundleVersion("once", "1.1.0")
	})
}

const (
	bundleUpdates   = `fleet_helmops_bundle_writes_total{operation="update"}`
	bundleUnchanged = `fleet_helmops_bundle_writes_total{operation="unchanged"}`
)

func containsFinalizer(op *v1alpha1.HelmOp) bool {
	for _, f := range op.Finalizers {
		if f == v1alpha1.HelmOpFinalizer {
			return true
		}
	}
	return false
}
