package fleetcli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/render"
)

type deployFlags struct {
	input          string
	dryRun         bool
	kubeVersion    string
	agentNamespace string
}

func newDeployCommand(cfg Config) *cobra.Command {
	f := &deployFlags{}
	cmd := &cobra.Command{
		Use:   "deploy -i FILE --dry-run",
		Short: "Render BundleDeployments (output of fleet target) as an agent would install them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !f.dryRun {
				return errors.New("installing into a cluster is not supported yet; use --dry-run to print the objects")
			}
			return runDeploy(cmd.Context(), cfg, f)
		},
	}
	cmd.Flags().StringVarP(&f.input, "input-file", "i", "-", "BundleDeployments with their Contents or Bundles (- for stdin)")
	cmd.Flags().BoolVarP(&f.dryRun, "dry-run", "d", false, "print the rendered objects instead of installing them")
	cmd.Flags().StringVar(&f.kubeVersion, "kube-version", render.DefaultKubeVersion, "Kubernetes version charts are rendered for")
	cmd.Flags().StringVarP(&f.agentNamespace, "agent-namespace", "a", "", "agent namespace (prefix of the objectset ID)")
	return cmd
}

func runDeploy(ctx context.Context, cfg Config, f *deployFlags) error {
	in, err := readObjects(cfg.abs(f.input), os.Stdin)
	if err != nil {
		return err
	}
	resources := map[string][]v1alpha1.BundleResource{}
	for _, c := range in.contents {
		res, err := manifest.DecodeContent(c.Content)
		if err != nil {
			return fmt.Errorf("content %s: %w", c.Name, err)
		}
		resources[c.Name] = res
	}
	for _, b := range in.bundles {
		id, err := manifest.ID(b.Spec.Resources)
		if err != nil {
			return err
		}
		resources[id] = b.Spec.Resources
	}
	bds := in.deployments
	sort.Slice(bds, func(i, j int) bool {
		if bds[i].Namespace != bds[j].Namespace {
			return bds[i].Namespace < bds[j].Namespace
		}
		return bds[i].Name < bds[j].Name
	})
	var all []render.Object
	for _, bd := range bds {
		id, _, _ := strings.Cut(bd.Spec.DeploymentID, ":")
		res, ok := resources[id]
		if !ok {
			return fmt.Errorf("bundle deployment %s/%s: content %s not found in %s", bd.Namespace, bd.Name, id, f.input)
		}
		objs, err := render.Render(ctx, render.Input{Name: bd.Name, Resources: res, Options: bd.Spec.Options,
			Commit: bd.Labels[v1alpha1.CommitLabel]}, render.Config{AgentNamespace: f.agentNamespace, KubeVersion: f.kubeVersion})
		if err != nil {
			return fmt.Errorf("bundle deployment %s/%s: %w", bd.Namespace, bd.Name, err)
		}
		all = append(all, objs...)
	}
	data, err := render.ToYAML(all)
	if err != nil {
		return err
	}
	_, err = cfg.Out.Write(data)
	return err
}
