// Command fleet is the Fleet user CLI: apply, target, deploy --dry-run and test.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/fleetcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmd := fleetcli.NewCommand(fleetcli.Config{Charts: &helmchart.Fetcher{}})
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}
