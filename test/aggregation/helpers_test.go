package aggregation

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// testContext returns a context that ends with the test, bounded so that a hung call fails.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// kubectl runs the real kubectl as the cluster admin (add --as=USER to impersonate) and fails the test
// when it fails.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return kubectlStdin(t, "", args...)
}

func kubectlStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := kube.Kubectl(testContext(t), stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kubectlFails runs kubectl, expects it to fail and returns its standard error.
func kubectlFails(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := kube.KubectlResult(testContext(t), stdin, args...)
	if err == nil {
		t.Fatalf("kubectl %s succeeded, want an error; output:\n%s", strings.Join(args, " "), out)
	}
	return errOut
}

// eventually polls cond until it holds, failing the test after a bound.
func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(testContext(t), 200*time.Millisecond, 2*time.Minute, true, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// createNamespace creates a namespace for one test and deletes it (without waiting) at cleanup.
func createNamespace(t *testing.T, name string) {
	t.Helper()
	kubectl(t, "create", "namespace", name)
	t.Cleanup(func() {
		_, _ = kube.Kubectl(context.Background(), "", "delete", "namespace", name, "--wait=false")
	})
}

// assertContains fails unless s contains every one of wants.
func assertContains(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Fatalf("expected %q in:\n%s", want, s)
		}
	}
}

// gitRepo returns a GitRepo manifest.
func gitRepo(name string) string {
	return fmt.Sprintf(`apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: %s
spec:
  repo: https://github.com/rancher/fleet-examples
  branch: main
  paths: ["simple"]
`, name)
}
