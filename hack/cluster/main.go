// Command cluster is the local environment of `make run`: a local control plane (etcd, kube-apiserver,
// kube-controller-manager, built once from the Go module proxy and cached) with fleet-apiserver
// registered through its APIService, all on 127.0.0.1. It writes the admin kubeconfig, prints the
// commands to try and stops everything it started on Ctrl-C or SIGTERM.
//
//	go run ./hack/cluster -fleet-apiserver bin/fleet-apiserver [-dir .dev] [-port 6443] [-fresh]
//
// The cluster and fleet-apiserver's data are kept in DIR between runs; -fresh starts from scratch.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/fleetapi/fleet/test/cluster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", ".dev", "Directory for the admin kubeconfig, the cluster (DIR/cluster) and fleet-apiserver's data (DIR/fleet).")
	fresh := flag.Bool("fresh", false, "Start from an empty cluster and an empty fleet-apiserver database.")
	port := flag.Int("port", 6443, "kube-apiserver's port on 127.0.0.1 (0: any free port).")
	fleetPort := flag.Int("fleet-port", 0, "fleet-apiserver's port on 127.0.0.1 (0: any free port).")
	fleetBin := flag.String("fleet-apiserver", "bin/fleet-apiserver", "The fleet-apiserver binary.")
	scheduler := flag.Bool("scheduler", false, "Also run kube-scheduler.")
	kwok := flag.Bool("kwok", false, "Also run kube-scheduler and kwok, with one fake node (kwok-node-0) for workloads.")
	flag.Parse()

	absDir, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	clusterDir, fleetDir := filepath.Join(absDir, "cluster"), filepath.Join(absDir, "fleet")
	// The cluster (certificates, etcd) and fleet-apiserver's database are kept between runs, together:
	// our objects live in namespaces the cluster holds.
	if *fresh {
		for _, d := range []string{clusterDir, fleetDir} {
			if err := os.RemoveAll(d); err != nil {
				return err
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := cluster.Start(ctx, cluster.Options{
		Dir: clusterDir, Progress: os.Stderr, Scheduler: *scheduler, Kwok: *kwok, APIServerPort: *port,
		AdminKubeconfig: filepath.Join(absDir, "admin.kubeconfig"),
	})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(os.Stderr, "stopping the local environment…")
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop:", err)
		}
	}()
	if *kwok {
		if err := c.AddFakeNode(ctx, "kwok-node-0"); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	fleet, err := c.InstallFleet(ctx, cluster.FleetOptions{
		Binary: *fleetBin, DataDir: fleetDir, Port: *fleetPort,
	})
	if err != nil {
		return err
	}
	fmt.Printf(`
Local environment ready: kube-apiserver at %s, fleet-apiserver registered (APIService v1alpha1.fleet.cattle.io).
In another shell, try:

  export KUBECONFIG=%s
  kubectl get apiservice v1alpha1.fleet.cattle.io
  kubectl api-resources --api-group=fleet.cattle.io
  kubectl create namespace fleet-local
  kubectl apply -n fleet-local -f docs/examples/gitrepo.yaml
  kubectl get fleet -A
  kubectl explain gitrepo.spec.targets
  kubectl create rolebinding alice-edit -n fleet-local --clusterrole=edit --user=alice
  kubectl auth can-i create gitrepos.fleet.cattle.io -n fleet-local --as=alice
  kubectl get gitrepos -A -w

Logs are in %s. Press Ctrl-C to stop.
`, c.Server, c.AdminKubeconfig, filepath.Join(clusterDir, "logs"))

	// Serve until a signal, or until a process we started dies.
	ticker := time.NewTicker(2 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if err := c.Check(); err != nil {
				return err
			}
			if err := fleet.Check(); err != nil {
				return err
			}
		}
	}
}
