package controller

import (
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// TestLoopbackClientsetIsUnthrottled: LoopbackClientset has no rate limiter, although the server's
// loopback configuration has one (the generic server's: QPS 50, burst 100), and that configuration
// is left as it was. (That gitops.Start and helmops.Start use it, and the server's core client
// UnthrottledConfig, is TestControllersClientsAreUnthrottled in pkg/cmd/server.)
func TestLoopbackClientsetIsUnthrottled(t *testing.T) {
	limiter := flowcontrol.NewTokenBucketRateLimiter(50, 100)
	loopback := &rest.Config{Host: "https://127.0.0.1:1", QPS: 50, Burst: 100, RateLimiter: limiter}
	cs, err := LoopbackClientset(loopback)
	if err != nil {
		t.Fatal(err)
	}
	if loopback.QPS != 50 || loopback.RateLimiter != limiter || loopback.UserAgent != "" {
		t.Fatalf("the server's configuration changed: %+v", loopback)
	}
	rc, ok := cs.FleetV1alpha1().RESTClient().(*rest.RESTClient)
	if !ok {
		t.Fatalf("RESTClient is %T", cs.FleetV1alpha1().RESTClient())
	}
	if rl := rc.GetRateLimiter(); rl != nil {
		t.Fatalf("the controllers' client has a rate limiter (%T, %v QPS)", rl, rl.QPS())
	}
	if ua := UnthrottledConfig(loopback, LoopbackUserAgent).UserAgent; ua != LoopbackUserAgent {
		t.Fatalf("user agent %q", ua)
	}

	// The same client from the server's configuration is throttled: what the copy removes.
	throttled, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		t.Fatal(err)
	}
	if throttled.CoreV1().RESTClient().(*rest.RESTClient).GetRateLimiter() == nil {
		t.Fatal("a client of the server's loopback configuration has no rate limiter: this test proves nothing")
	}
}
