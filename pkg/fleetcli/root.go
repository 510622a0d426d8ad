package fleetcli

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

// Config are the dependencies of the commands.
type Config struct {
	// Out and Err receive the command output and warnings.
	Out, Err io.Writer
	// WorkDir is the directory relative paths are resolved against; default: the working directory.
	WorkDir string
	// Charts fetches remote charts and chart dependencies for apply and test.
	Charts bundlereader.ChartFetcher
}

type globalFlags struct {
	namespace  string
	kubeconfig string
	context    string
}

// NewCommand returns the `fleet` root command.
func NewCommand(cfg Config) *cobra.Command {
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.Err == nil {
		cfg.Err = os.Stderr
	}
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "fleet",
		Short:         "GitOps for fleets of Kubernetes clusters",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(cfg.Out)
	root.SetErr(cfg.Err)
	ns := os.Getenv("NAMESPACE")
	if ns == "" {
		ns = bundlereader.DefaultNamespace
	}
	root.PersistentFlags().StringVarP(&g.namespace, "namespace", "n", ns, "namespace of the bundles (env NAMESPACE)")
	root.PersistentFlags().StringVar(&g.kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	root.PersistentFlags().StringVar(&g.context, "context", "", "kubeconfig context")
	root.AddCommand(newApplyCommand(cfg, g), newTargetCommand(cfg, g), newDeployCommand(cfg), newTestCommand(cfg, g))
	return root
}

// clientset connects to the API server named by the kubeconfig flags.
func (g *globalFlags) clientset() (versioned.Interface, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if g.kubeconfig != "" {
		rules.ExplicitPath = g.kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: g.context})
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, err
	}
	return versioned.NewForConfig(rc)
}

func (c Config) abs(p string) string {
	if c.WorkDir == "" || p == "-" || isAbs(p) {
		return p
	}
	return join(c.WorkDir, p)
}
