package helmops

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/controller"
)

// TestBundleOverTheRequestLimitStalls: a HelmOp whose Bundle would not fit one API request (its
// values just under the limit, plus the CA bundle of its Secret) is Stalled with BundleTooLarge
// naming the bundle, the chart version, the size and the budget; no Bundle is written, and the
// error is not retried with backoff as a failed write would be.
func TestBundleOverTheRequestLimitStalls(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.2.0"))
	op := newHelmOp("op", repo.URL, "creds")
	op.Spec.Helm.Values = &v1alpha1.GenericMap{Data: map[string]any{"blob": strings.Repeat("v", 2<<20)}}
	tlsServer := httptest.NewTLSServer(nil)
	tlsServer.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsServer.Certificate().Raw})
	// Text around PEM blocks is ignored: a CA bundle of 900 KiB, as a Secret (at most 1 MiB) may hold.
	ca = append(ca, strings.Repeat("# padding\n", 90<<10)...)
	secrets := secretMap{"ns/creds": {Type: corev1.SecretTypeBasicAuth, Data: map[string][]byte{
		"username": []byte("fleet"), "password": []byte(password), "cacerts": ca}}}
	f := newFixture(t, secrets, op)
	res, err := f.reconcile("op")
	if controller.ReasonOf(err) != ReasonBundleTooLarge || !controller.IsStalling(err) {
		t.Fatalf("reconcile = %v (%s), want a BundleTooLarge stall", err, controller.ReasonOf(err))
	}
	if rq := controller.RequeueFor(res, err); rq.RateLimited {
		t.Fatalf("requeue %+v: a stall is not retried with backoff", rq)
	}
	c := cond(f.helmOp("op"), v1alpha1.ConditionReady)
	for _, want := range []string{`bundle "op" at chart version "1.2.0"`, "3.", "budget of 2.94 MiB (3080192 bytes) for one Bundle"} {
		if c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, want) {
			t.Fatalf("Ready = %+v, want a message saying %q", c, want)
		}
	}
	if _, err := f.client.FleetV1alpha1().Bundles("ns").Get(context.Background(), "op", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a Bundle over the budget was written: %v", err)
	}
}
