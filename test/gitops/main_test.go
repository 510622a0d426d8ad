// Package gitops tests the GitRepo controller end to end: the real fleet-apiserver binary running its
// controllers in-process — in standalone mode, or behind a real kube-apiserver where Secrets are needed
// (cluster_test.go) — against real git servers on 127.0.0.1. Nothing sleeps: every test waits for a
// condition with a bound.
package gitops

import (
	"os"
	"testing"

	"github.com/fleetapi/fleet/test/framework"
)

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Stop()
	framework.CleanupBinaries()
	os.Exit(code)
}
