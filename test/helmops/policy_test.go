package helmops

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/helmops"
)

// TestPoliciesGateHelmOps: against the real server, a Policy that does not allow the chart
// repository refuses the HelmOp (Accepted=False/Restricted, the repository is not read, no Bundle);
// changing the Policy to allow it is enough (the Policy is watched), and its default service
// account reaches the Bundle while the HelmOp's stored spec stays as written.
func TestPoliciesGateHelmOps(t *testing.T) {
	e := newEnv(t)
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	p := &v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Name: "charts", Namespace: e.ns},
		HelmOp: &v1alpha1.HelmOpPolicySpec{DefaultServiceAccount: "deployer", AllowedHelmRepoPatterns: []string{`https://charts\.example\.com/.*`}}}
	p, err := e.cs.FleetV1alpha1().Policies(e.ns).Create(e.ctx(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.createHelmOp("gated", spec(repo.URL, "app", ""))
	c := e.waitCondition("gated", v1alpha1.ConditionAccepted, "False", helmops.ReasonRestricted)
	if !strings.Contains(c.Message, "matches no allowed Helm repo pattern") || !strings.Contains(c.Message, "Policy charts") {
		t.Fatalf("Accepted message %q", c.Message)
	}
	if n := repo.IndexRequests(); n != 0 {
		t.Fatalf("the repository was read %d times", n)
	}
	if b := e.bundle("gated"); b != nil {
		t.Fatalf("a Bundle was written: %+v", b.Spec)
	}

	p.HelmOp.AllowedHelmRepoPatterns = []string{`http://127\.0\.0\.1:\d+`}
	if _, err := e.cs.FleetV1alpha1().Policies(e.ns).Update(e.ctx(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	b, op := e.waitBundleVersion("gated", "1.0.0")
	if b.Spec.ServiceAccount != "deployer" {
		t.Fatalf("bundle serviceAccount %q, want the Policy's default", b.Spec.ServiceAccount)
	}
	if op.Spec.ServiceAccount != "" {
		t.Fatalf("the HelmOp's stored spec was changed: serviceAccount %q", op.Spec.ServiceAccount)
	}
}
