// Command fleet-apiserver serves the fleet.cattle.io API.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"github.com/fleetapi/fleet/pkg/cmd/server"
)

func main() {
	ctx := genericapiserver.SetupSignalContext()
	options := server.NewOptions(os.Stdout)
	cmd := server.NewCommand(ctx, options)
	os.Exit(cli.Run(cmd))
}
