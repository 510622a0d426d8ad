// Package integration drives the real fleet-apiserver binary, in standalone mode on SQLite, with the real
// kubectl of this machine and the generated clientset.
package integration

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
