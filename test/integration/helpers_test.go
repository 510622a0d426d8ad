package integration

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testContext returns a context that ends with the test (and after a generous bound, so a hung call fails).
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, and fails the test after a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
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

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

const gitRepoYAML = `apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: %s
  labels:
    team: %s
spec:
  repo: %s
  branch: main
  paths: ["simple"]
`
