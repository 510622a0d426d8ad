package helmops

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/test/framework"
)

// waitBound bounds every wait: several polling intervals of 1s plus the time to write.
const waitBound = 30 * time.Second

type env struct {
	t  *testing.T
	cs *clientset.Clientset
	ns string
	// logs returns the tail of fleet-apiserver's output, for failure messages.
	logs func() string
	// kube is the core client of the cluster behind which fleet-apiserver runs (newClusterEnv only).
	kube kubernetes.Interface
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := framework.StartStandalone(t, "", "--controllers=true")
	return &env{t: t, cs: srv.Clientset(), ns: "fleet-local", logs: func() string { return tail(srv.Output(), 40) }}
}

// with returns the environment for subtest t, so that its failures stop the subtest.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

// createHelmOp creates a HelmOp polling every second unless spec says otherwise.
func (e *env) createHelmOp(name string, spec v1alpha1.HelmOpSpec) {
	e.t.Helper()
	op := &v1alpha1.HelmOp{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Spec: spec}
	if _, err := e.cs.FleetV1alpha1().HelmOps(e.ns).Create(e.ctx(), op, metav1.CreateOptions{}); err != nil {
		e.t.Fatalf("create helmop %s: %v", name, err)
	}
}

func everySecond() *metav1.Duration { return &metav1.Duration{Duration: time.Second} }

func (e *env) helmOp(name string) *v1alpha1.HelmOp {
	e.t.Helper()
	op, err := e.cs.FleetV1alpha1().HelmOps(e.ns).Get(e.ctx(), name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatalf("get helmop %s: %v", name, err)
	}
	return op
}

// bundle returns the Bundle name, or nil when there is none.
func (e *env) bundle(name string) *v1alpha1.Bundle {
	e.t.Helper()
	b, err := e.cs.FleetV1alpha1().Bundles(e.ns).Get(e.ctx(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		e.t.Fatalf("get bundle %s: %v", name, err)
	}
	return b
}

// waitFor polls cond until it returns true, failing the test after waitBound with describe().
func (e *env) waitFor(what string, cond func() bool, describe func() string) {
	e.t.Helper()
	err := wait.PollUntilContextTimeout(e.ctx(), 50*time.Millisecond, waitBound, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		e.t.Fatalf("waiting for %s: %v\nlast state: %s\nserver output (tail):\n%s", what, err, describe(), e.logs())
	}
}

// waitBundleVersion waits until the Bundle of HelmOp name has spec.helm.version version and the
// HelmOp says so in status.version with Ready=True; it returns both.
func (e *env) waitBundleVersion(name, version string) (*v1alpha1.Bundle, *v1alpha1.HelmOp) {
	e.t.Helper()
	var b *v1alpha1.Bundle
	var op *v1alpha1.HelmOp
	e.waitFor(fmt.Sprintf("bundle %s at version %s", name, version), func() bool {
		b, op = e.bundle(name), e.helmOp(name)
		return b != nil && b.Spec.Helm != nil && b.Spec.Helm.Version == version &&
			op.Status.Version == version && condition(op, v1alpha1.ConditionReady).Status == "True"
	}, func() string { return e.describe(name) })
	return b, op
}

// waitCondition waits until condition typ of the HelmOp has status and reason, and returns it.
func (e *env) waitCondition(name, typ, status, reason string) v1alpha1.GenericCondition {
	e.t.Helper()
	var c v1alpha1.GenericCondition
	e.waitFor(fmt.Sprintf("%s %s=%s (%s)", name, typ, status, reason), func() bool {
		c = condition(e.helmOp(name), typ)
		return string(c.Status) == status && c.Reason == reason
	}, func() string { return e.describe(name) })
	return c
}

// waitRequests waits until counter() has grown by n: the repository answered n more polls.
func (e *env) waitRequests(what string, counter func() int, n int) {
	e.t.Helper()
	start := counter()
	e.waitFor(fmt.Sprintf("%d more requests for %s", n, what), func() bool { return counter() >= start+n },
		func() string { return fmt.Sprintf("%d requests, started at %d", counter(), start) })
}

func condition(op *v1alpha1.HelmOp, typ string) v1alpha1.GenericCondition {
	for _, c := range op.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return v1alpha1.GenericCondition{}
}

func (e *env) describe(name string) string {
	var out []string
	op, err := e.cs.FleetV1alpha1().HelmOps(e.ns).Get(context.Background(), name, metav1.GetOptions{})
	switch {
	case err != nil:
		out = append(out, "helmop: "+err.Error())
	default:
		out = append(out, fmt.Sprintf("helmop version=%q conditions=%+v", op.Status.Version, op.Status.Conditions))
	}
	b, err := e.cs.FleetV1alpha1().Bundles(e.ns).Get(context.Background(), name, metav1.GetOptions{})
	switch {
	case err != nil:
		out = append(out, "bundle: "+err.Error())
	case b.Spec.Helm != nil:
		out = append(out, fmt.Sprintf("bundle version=%q rv=%s", b.Spec.Helm.Version, b.ResourceVersion))
	}
	return strings.Join(out, "\n")
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// metric returns the value of series (e.g. `fleet_helmops_bundle_writes_total{operation="update"}`)
// on the server's /metrics, 0 when absent.
func (e *env) metric(series string) float64 {
	e.t.Helper()
	body, err := e.cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(e.ctx())
	if err != nil {
		e.t.Fatalf("get /metrics: %v", err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				e.t.Fatalf("metric %s: %v", line, err)
			}
			return f
		}
	}
	return 0
}
