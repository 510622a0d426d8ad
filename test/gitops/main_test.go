// Package gitops tests the GitRepo controller end to end: the real fleet-apiserver binary in
// standalone mode, running its controllers in-process, against a real git smart-HTTP server on
// 127.0.0.1. Nothing sleeps: every test waits for a condition with a bound.
package gitops

import (
	"os"
	"testing"

	"github.com/fleetapi/fleet/test/framework"
)

func TestMain(m *testing.M) {
	code := m.Run()
	framework.CleanupBinaries()
	os.Exit(code)
}
