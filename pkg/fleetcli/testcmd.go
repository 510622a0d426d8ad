package fleetcli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/render"
	"github.com/fleetapi/fleet/pkg/target"
)

// testBundleName is the bundle name `fleet test` uses, as Fleet's.
const testBundleName = "test"

type testFlags struct {
	quiet       bool
	group       string
	name        string
	labels      []string
	groupLabels []string
	target      string
	kubeVersion string
}

func newTestCommand(cfg Config, g *globalFlags) *cobra.Command {
	f := &testFlags{}
	cmd := &cobra.Command{
		Use:   "test [flags] [PATH]",
		Short: "Render the bundle in PATH (default .) for a synthetic cluster",
		Long: `Build the bundle of PATH (default ".") as fleet apply would, match it against a synthetic cluster
with the given name, labels and group (without -g, -l, -L or -t: a cluster in the group "default"),
or take the target named by -t, and print the objects an agent would install there, as YAML
documents cleaned as Fleet's CLI cleans them (metadata keeps name, generateName, namespace, labels
and annotations, without kubectl.kubernetes.io/ keys; no status; no empty spec). The matched target is printed on stderr
("# Matched: NAME"), as Fleet does. Sub-directories that are bundles of their own are not part of
the bundle of PATH; a PATH without resources of its own renders nothing.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runTest(cmd.Context(), cfg, g, f, dir)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the matched target (on stderr), no objects")
	fl.StringVarP(&f.group, "group", "g", "", "cluster group of the synthetic cluster")
	fl.StringVarP(&f.name, "name", "N", "", "name of the synthetic cluster")
	fl.StringArrayVarP(&f.labels, "label", "l", nil, "label (k=v) of the synthetic cluster; repeatable")
	fl.StringArrayVarP(&f.groupLabels, "group-label", "L", nil, "label (k=v) of the synthetic cluster's group; repeatable")
	fl.StringVarP(&f.target, "target", "t", "", "use this target of the bundle, matching or not")
	fl.StringVar(&f.kubeVersion, "kube-version", render.DefaultKubeVersion, "Kubernetes version charts are rendered for")
	return cmd
}

func runTest(ctx context.Context, cfg Config, g *globalFlags, f *testFlags, dir string) error {
	labels, err := parseKV("label", f.labels)
	if err != nil {
		return err
	}
	groupLabels, err := parseKV("group-label", f.groupLabels)
	if err != nil {
		return err
	}
	root, err := bundlereader.ReadDir(ctx, cfg.abs(dir), bundlereader.Options{
		Name: testBundleName, BaseDir: cfg.abs(dir), Namespace: g.namespace, Charts: cfg.Charts,
	})
	if err != nil {
		return err
	}
	for _, w := range root.Warnings {
		fmt.Fprintf(cfg.Err, "warning: %s\n", w.String())
	}
	b := root.Bundle
	group := f.group
	if group == "" && len(labels) == 0 && len(groupLabels) == 0 && f.target == "" {
		group = v1alpha1.DefaultClusterGroup
	}
	var groups []target.Group
	if group != "" || len(groupLabels) > 0 {
		groups = []target.Group{{Name: group, Labels: groupLabels}}
	}
	cluster := &v1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: f.name, Namespace: b.Namespace, Labels: labels}}
	cb, err := target.NewBundle(b)
	if err != nil {
		return err
	}
	var t *target.Target
	if f.target != "" {
		t, err = cb.ForTarget(f.target, cluster)
	} else {
		t, err = cb.Match(cluster, groups)
	}
	if err != nil {
		return inOptionsFile(root, err)
	}
	switch {
	case t == nil && f.target != "":
		return fmt.Errorf("bundle %s: no target named %q", b.Name, f.target)
	case t == nil:
		return fmt.Errorf("bundle %s: no target matches the cluster (name %q, labels %v, group %q)", b.Name, f.name, labels, group)
	}
	// As Fleet's: the match on stderr, so that stdout holds only the objects.
	if _, err := fmt.Fprintf(cfg.Err, "# Matched: %s\n", t.TargetName); err != nil || f.quiet {
		return err
	}
	objs, err := render.Render(ctx, render.Input{Name: b.Name, Resources: b.Spec.Resources, Options: t.Options},
		render.Config{KubeVersion: f.kubeVersion})
	if err != nil {
		return err
	}
	if objs, err = exportObjects(objs); err != nil {
		return err
	}
	data, err := render.ToYAML(objs)
	if err != nil {
		return err
	}
	_, err = cfg.Out.Write(data)
	return err
}

// inOptionsFile points a templating error at the fleet.yaml line holding the failing expression.
func inOptionsFile(r *bundlereader.Result, err error) error {
	var te *target.TemplateError
	if r.OptionsFile == "" || !errors.As(err, &te) {
		return err
	}
	return &bundlereader.FileError{File: r.OptionsFile, Line: bundlereader.LineOf(r.OptionsFile, te.Expr), Err: te}
}
