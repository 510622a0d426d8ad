package aggregation

import (
	"bufio"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetapi/fleet/test/cluster"
)

// TestAPIServiceAvailable: the aggregator reports our APIService Available.
func TestAPIServiceAvailable(t *testing.T) {
	out := kubectl(t, "get", "apiservice", "v1alpha1.fleet.cattle.io")
	assertContains(t, out, "cattle-fleet-system/fleet-apiserver", "True")
}

// TestKubectlThroughAggregator drives our API with the real kubectl against kube-apiserver: discovery,
// apply, list across namespaces by category, watch and explain (OpenAPI v3 merged by the aggregator).
func TestKubectlThroughAggregator(t *testing.T) {
	createNamespace(t, "walkthrough")

	out := kubectl(t, "api-resources", "--api-group=fleet.cattle.io")
	assertContains(t, out, "gitrepos", "bundledeployments", "clustergroups", "GitRepo")

	kubectl(t, "apply", "-n", "walkthrough", "-f", filepath.Join(cluster.RepoRoot(), "docs", "examples", "gitrepo.yaml"))
	out = kubectl(t, "get", "fleet", "-A")
	assertContains(t, out, "walkthrough", "gitrepo.fleet.cattle.io/guestbook")
	out = kubectl(t, "get", "gitrepos", "-n", "walkthrough")
	assertContains(t, out, "REPO", "guestbook", "https://github.com/rancher/fleet-examples")

	out = kubectl(t, "explain", "gitrepo.spec")
	assertContains(t, out, "fleet.cattle.io", "GitRepo", "repo", "paths")

	// get -w prints the current objects, then the changes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := kube.KubectlCommand(ctx, "get", "gitrepos", "-n", "walkthrough", "-w", "--output-watch-events")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	expectLine := func(want ...string) {
		t.Helper()
		for lines.Scan() {
			if containsAll(lines.Text(), want...) {
				return
			}
		}
		t.Fatalf("kubectl get -w ended without a line with %q", want)
	}
	expectLine("ADDED", "guestbook")
	kubectlStdin(t, gitRepo("second"), "apply", "-n", "walkthrough", "-f", "-")
	expectLine("ADDED", "second")
	kubectl(t, "delete", "gitrepo", "guestbook", "-n", "walkthrough")
	expectLine("DELETED", "guestbook")
}

func containsAll(s string, wants ...string) bool {
	for _, w := range wants {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
