package aggregation

import (
	"context"
	"strings"
	"testing"
)

// TestFleetAPIServerDown: with fleet-apiserver stopped kubectl reports our group unavailable while
// built-in resources keep working; starting it again restores the group (and its data) without
// restarting kube-apiserver.
func TestFleetAPIServerDown(t *testing.T) {
	createNamespace(t, "outage")
	kubectlStdin(t, gitRepo("survivor"), "apply", "-n", "outage", "-f", "-")

	if err := fleet.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			if err := fleet.Start(context.Background()); err != nil {
				t.Errorf("restart fleet-apiserver: %v", err)
			}
		}
	})

	eventually(t, "APIService reports unavailable", func(ctx context.Context) (bool, error) {
		out, _, _ := kube.KubectlResult(ctx, "", "get", "apiservice", "v1alpha1.fleet.cattle.io",
			"-o", `jsonpath={.status.conditions[?(@.type=="Available")].status}`)
		return out == "False", nil
	})
	errOut := kubectlFails(t, "", "get", "gitrepos", "-n", "outage")
	if !strings.Contains(errOut, "unable to handle the request") && !strings.Contains(errOut, "ServiceUnavailable") &&
		!strings.Contains(errOut, "503") && !strings.Contains(errOut, "doesn't have a resource type") {
		t.Errorf("kubectl get gitrepos with fleet-apiserver down: unexpected error:\n%s", errOut)
	}
	// Built-in resources keep working.
	assertContains(t, kubectl(t, "get", "namespaces"), "outage", "kube-system")
	assertContains(t, kubectl(t, "get", "serviceaccounts", "-n", "cattle-fleet-system"), "fleet-apiserver")
	// Aggregated discovery leaves out a group whose APIService is unavailable: the built-in kinds are
	// listed, ours are not, and the category "fleet" is unknown.
	out := kubectl(t, "api-resources")
	assertContains(t, out, "namespaces", "deployments")
	if lines := grepLines(out, "fleet.cattle.io"); len(lines) > 0 {
		t.Errorf("api-resources lists our kinds while fleet-apiserver is down: %q", lines)
	}
	assertContains(t, kubectl(t, "get", "apiservice", "v1alpha1.fleet.cattle.io"), "False")
	kubectlFails(t, "", "get", "fleet", "-A")

	if err := fleet.Start(testContext(t)); err != nil {
		t.Fatal(err)
	}
	restarted = true
	assertContains(t, kubectl(t, "get", "gitrepos", "-n", "outage"), "survivor")
	assertContains(t, kubectl(t, "get", "apiservice", "v1alpha1.fleet.cattle.io"), "True")
}

func grepLines(s, sub string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}
