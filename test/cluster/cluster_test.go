package cluster

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestWorkloadOnFakeNode starts a cluster with kube-scheduler and kwok: a Deployment scheduled on a fake
// node becomes Available (the controllers, the scheduler and kwok's pod stages all ran), and Stop ends
// every process it started.
func TestWorkloadOnFakeNode(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local control plane")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute) // includes a first build
	defer cancel()
	c, err := Start(ctx, Options{Dir: t.TempDir(), Progress: os.Stderr, Kwok: true})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()
	if err := c.AddFakeNode(ctx, "kwok-node-0"); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := c.Kubectl(ctx, "", args...)
		if err != nil {
			t.Fatalf("%v\nlogs of kwok:\n%s", err, LogTail(c, Kwok, 20))
		}
		return out
	}
	run("create", "deployment", "web", "--image=registry.k8s.io/pause:3.10", "--replicas=2")
	run("wait", "--for=condition=Available", "deployment/web", "--timeout=2m")
	if out := run("get", "pods", "-o", "wide"); strings.Count(out, "kwok-node-0") != 2 {
		t.Errorf("want 2 pods on kwok-node-0:\n%s", out)
	}

	host := strings.TrimPrefix(c.Server, "https://")
	procs := append([]*process(nil), c.procs...)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	for _, p := range procs {
		if !p.exited() {
			t.Errorf("%s still running after Stop", p.name)
		}
	}
	if conn, err := net.DialTimeout("tcp", host, 5*time.Second); err == nil {
		_ = conn.Close()
		t.Errorf("kube-apiserver's %s still accepts connections after Stop", host)
	}
}
