package server

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/pkg/helmops"
)

// countingLimiter is a client-side rate limiter that lets everything through and counts what asked.
type countingLimiter struct{ asked atomic.Int32 }

func (l *countingLimiter) TryAccept() bool { l.asked.Add(1); return true }
func (l *countingLimiter) Accept()         { l.asked.Add(1) }
func (l *countingLimiter) Stop()           {}
func (l *countingLimiter) QPS() float32    { return 5 }
func (l *countingLimiter) Wait(context.Context) error {
	l.asked.Add(1)
	return nil
}

// forbiddingAPI serves, on 127.0.0.1, an API that forbids everything, counting the requests and
// remembering the last user agent; it is stopped at cleanup.
type forbiddingAPI struct {
	URL       string
	requests  atomic.Int32
	userAgent atomic.Value
}

func newForbiddingAPI(t *testing.T) *forbiddingAPI {
	t.Helper()
	a := &forbiddingAPI{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		a.userAgent.Store(r.UserAgent())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"forbidden here"}`))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	a.URL = "http://" + l.Addr().String()
	return a
}

// TestControllersClientsAreUnthrottled: gitops.Start and helmops.Start make their requests without
// the rate limiter of the configuration they are given (the server's loopback one), and the core
// client (Secrets, Events) has none either, whereas client-go would give --kubeconfig's
// configuration one of 5 QPS. The configurations point at a port nothing listens on: the
// controllers fail to start, after their informers asked for lists, none through the limiter.
func TestControllersClientsAreUnthrottled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound only
	defer cancel()
	api := newForbiddingAPI(t)
	limiter := &countingLimiter{}
	cfg := &rest.Config{Host: api.URL, QPS: 50, Burst: 100, RateLimiter: limiter}

	_, _, gitErr := gitops.Start(ctx, cfg, nil, nil)
	_, helmErr := helmops.Start(ctx, cfg, nil, nil)
	for name, err := range map[string]error{"gitops": gitErr, "helmops": helmErr} {
		if err == nil || !strings.Contains(err.Error(), "forbidden here") {
			t.Fatalf("%s.Start = %v; want its lists forbidden", name, err)
		}
	}
	if n := limiter.asked.Load(); n != 0 || api.requests.Load() == 0 {
		t.Fatalf("%d requests, %d of them through the loopback configuration's rate limiter; want some, none", api.requests.Load(), n)
	}
	if ua := api.userAgent.Load(); ua != controller.LoopbackUserAgent {
		t.Fatalf("the controllers' user agent is %q, want %q", ua, controller.LoopbackUserAgent)
	}

	// The core client, from a configuration without QPS (--kubeconfig's), and from cfg.
	core, err := coreClient(&rest.Config{Host: api.URL})
	if err != nil {
		t.Fatal(err)
	}
	if rl := core.CoreV1().RESTClient().(*rest.RESTClient).GetRateLimiter(); rl != nil {
		t.Fatalf("the core client has a rate limiter (%v QPS)", rl.QPS())
	}
	if core, err = coreClient(cfg); err != nil {
		t.Fatal(err)
	}
	before := api.requests.Load()
	_, _ = core.CoreV1().Secrets("ns").Get(ctx, "s", metav1.GetOptions{})
	if n := limiter.asked.Load(); n != 0 || api.requests.Load() == before {
		t.Fatalf("the core client's GET asked the configuration's rate limiter %d times", n)
	}
	if ua := api.userAgent.Load(); ua != controller.LoopbackUserAgent {
		t.Fatalf("the core client's user agent is %q, want %q", ua, controller.LoopbackUserAgent)
	}

	// What the test would see of a throttled client: the limiter is asked.
	throttled, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = throttled.CoreV1().Secrets("ns").Get(ctx, "s", metav1.GetOptions{})
	if limiter.asked.Load() == 0 {
		t.Fatal("a client of the configuration itself does not ask its limiter: this test proves nothing")
	}
}

// TestSecretGetterCaches: behind kube-apiserver the controllers and the webhook read Secrets
// through one cache: many reads of one Secret are one GET. (The fake clientset is the narrow seam
// that counts the GETs.)
func TestSecretGetterCaches(t *testing.T) {
	cs := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "creds"}})
	gets := 0
	cs.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		gets++
		return false, nil, nil
	})
	secrets := secretGetter(cs)
	for range 20 {
		if _, err := secrets.GetSecret(context.Background(), "ns", "creds"); err != nil {
			t.Fatal(err)
		}
	}
	if gets != 1 {
		t.Fatalf("20 reads of one Secret made %d GETs, want 1", gets)
	}
	if _, err := secretGetter(nil).GetSecret(context.Background(), "ns", "creds"); err != controller.ErrNoSecretsAPI {
		t.Fatalf("standalone: %v, want ErrNoSecretsAPI", err)
	}
}
