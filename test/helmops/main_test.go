// Package helmops tests the HelmOp controller end to end: the real fleet-apiserver binary running
// its controllers in-process — in standalone mode, or behind a real kube-apiserver where Secrets
// are needed (cluster_test.go) — against a real chart repository and a real
// (read-only) OCI registry on 127.0.0.1 (package chartserver) to which the tests publish new chart
// versions. Nothing sleeps: every test waits for a condition with a bound, and "nothing was
// written" is checked after the repository has answered further polls.
package helmops

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
