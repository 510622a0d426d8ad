package fleetcli

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/target"
)

type targetFlags struct {
	bundleFile   string
	clustersFile string
	output       string
}

func newTargetCommand(cfg Config, g *globalFlags) *cobra.Command {
	f := &targetFlags{}
	cmd := &cobra.Command{
		Use:   "target -b BUNDLE_FILE [--clusters FILE]",
		Short: "Print the BundleDeployments and Contents a Bundle produces for a set of clusters",
		Long: `Match the Bundles of BUNDLE_FILE (output of fleet apply -o) against Clusters and ClusterGroups, read
from --clusters (YAML documents or Lists) or, without it, from the API in the bundle's namespace,
and print the resulting BundleDeployments and the Content of each manifest.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTarget(cmd.Context(), cfg, g, f)
		},
	}
	cmd.Flags().StringVarP(&f.bundleFile, "bundle-file", "b", "", "file with Bundles (- for stdin)")
	cmd.Flags().StringVar(&f.clustersFile, "clusters", "", "file with Clusters and ClusterGroups; default: read them from the API")
	cmd.Flags().StringVarP(&f.output, "output", "o", "-", "output file (- for stdout)")
	_ = cmd.MarkFlagRequired("bundle-file")
	return cmd
}

func runTarget(ctx context.Context, cfg Config, g *globalFlags, f *targetFlags) error {
	in, err := readObjects(cfg.abs(f.bundleFile), nil)
	if err != nil {
		return err
	}
	if len(in.bundles) == 0 {
		return fmt.Errorf("%s: no Bundle found", f.bundleFile)
	}
	var clusters []v1alpha1.Cluster
	var groups []v1alpha1.ClusterGroup
	if f.clustersFile != "" {
		cl, err := readObjects(cfg.abs(f.clustersFile), nil)
		if err != nil {
			return err
		}
		clusters, groups = cl.clusters, cl.groups
	} else if clusters, groups, err = clustersFromAPI(ctx, g, in.bundles); err != nil {
		return err
	}
	var buf bytes.Buffer
	contents := map[string]bool{}
	sort.Slice(in.bundles, func(i, j int) bool { return in.bundles[i].Name < in.bundles[j].Name })
	for i := range in.bundles {
		b := &in.bundles[i]
		ts, err := target.Targets(b, inNamespace(clusters, b.Namespace), groups)
		if err != nil {
			return err
		}
		for j := range ts {
			if err := encodeYAML(&buf, target.BundleDeployment(b, &ts[j])); err != nil {
				return err
			}
		}
		if len(ts) == 0 {
			continue
		}
		id, err := manifest.ID(b.Spec.Resources)
		if err != nil {
			return err
		}
		if contents[id] {
			continue
		}
		contents[id] = true
		gz, sum, err := manifest.EncodeContent(b.Spec.Resources)
		if err != nil {
			return err
		}
		c := &v1alpha1.Content{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "Content"},
			ObjectMeta: metav1.ObjectMeta{Name: id},
			Content:    gz, SHA256Sum: sum,
		}
		if err := encodeYAML(&buf, c); err != nil {
			return err
		}
	}
	return writeOutput(cfg.abs(f.output), cfg.Out, buf.Bytes())
}

func inNamespace(clusters []v1alpha1.Cluster, ns string) []v1alpha1.Cluster {
	var out []v1alpha1.Cluster
	for _, c := range clusters {
		if c.Namespace == ns || c.Namespace == "" {
			if c.Namespace == "" {
				c.Namespace = ns
			}
			out = append(out, c)
		}
	}
	return out
}

func clustersFromAPI(ctx context.Context, g *globalFlags, bundles []v1alpha1.Bundle) ([]v1alpha1.Cluster, []v1alpha1.ClusterGroup, error) {
	cs, err := g.clientset()
	if err != nil {
		return nil, nil, fmt.Errorf("no --clusters given, so clusters are read from the API, but: %w", err)
	}
	seen := map[string]bool{}
	var clusters []v1alpha1.Cluster
	var groups []v1alpha1.ClusterGroup
	for _, b := range bundles {
		if seen[b.Namespace] {
			continue
		}
		seen[b.Namespace] = true
		cl, err := cs.FleetV1alpha1().Clusters(b.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("listing clusters in %s: %w", b.Namespace, err)
		}
		clusters = append(clusters, cl.Items...)
		gl, err := cs.FleetV1alpha1().ClusterGroups(b.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("listing cluster groups in %s: %w", b.Namespace, err)
		}
		groups = append(groups, gl.Items...)
	}
	return clusters, groups, nil
}
