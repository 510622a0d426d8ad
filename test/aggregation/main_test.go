// Package aggregation runs fleet-apiserver in delegated mode behind a real kube-apiserver (built from the
// Go module proxy, see test/cluster) and drives it through the aggregator with the real kubectl: the
// APIService, RBAC-scoped team access, namespace deletion and availability.
package aggregation

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/fleetapi/fleet/test/cluster"
	"github.com/fleetapi/fleet/test/framework"
)

// The cluster and fleet-apiserver are shared by the tests of the package; tests that stop fleet-apiserver
// start it again before they return.
var (
	kube  *cluster.Cluster
	fleet *cluster.Fleet
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Fprintln(os.Stderr, "aggregation: skipped in -short mode (needs a local kube-apiserver)")
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fleet-aggregation-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	defer framework.CleanupBinaries()

	// Binaries are built (the first time, ~15 min) under this bound; starting takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	kube, err = cluster.Start(ctx, cluster.Options{Dir: dir, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "aggregation: start cluster:", err)
		return 1
	}
	defer kube.Stop()

	// Ctrl-C or SIGTERM: stop what we started before going away.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-signals
		_ = kube.Stop()
		_ = os.RemoveAll(dir)
		framework.CleanupBinaries()
		fmt.Fprintln(os.Stderr, "aggregation: stopped on", sig)
		os.Exit(1)
	}()

	bin, err := framework.Binary("fleet-apiserver")
	if err != nil {
		fmt.Fprintln(os.Stderr, "aggregation:", err)
		return 1
	}
	fleet, err = kube.InstallFleet(ctx, cluster.FleetOptions{Binary: bin})
	if err != nil {
		fmt.Fprintln(os.Stderr, "aggregation: install fleet-apiserver:", err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "aggregation: logs of the failed run:\n")
		for _, name := range []string{"fleet-apiserver", "kube-apiserver", "kube-controller-manager"} {
			fmt.Fprintf(os.Stderr, "--- %s (last lines)\n%s\n", name, cluster.LogTail(kube, name, 40))
		}
	}
	return code
}
