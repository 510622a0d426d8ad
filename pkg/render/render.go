package render

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// DefaultKubeVersion is the Kubernetes version charts see when Config.KubeVersion is empty.
const DefaultKubeVersion = "v1.33.0"

// Input is what to render: a bundle's resources with one cluster's merged options.
type Input struct {
	// Name is the bundle deployment name (the bundle name). It names the Helm release when
	// helm.releaseName is empty and is part of the objectset ID.
	Name string
	// Resources are the bundle's files.
	Resources []v1alpha1.BundleResource
	// Options are the merged, pre-processed options of one cluster.
	Options v1alpha1.BundleDeploymentOptions
}

// Config describes the agent the rendering is for.
type Config struct {
	// AgentNamespace is the agent's namespace; it prefixes the objectset ID ("" in `fleet test`).
	AgentNamespace string
	// KubeVersion is the Kubernetes version charts see (.Capabilities.KubeVersion).
	KubeVersion string
}

// Render renders one bundle deployment into objects. On error nothing is returned.
func Render(ctx context.Context, in Input, cfg Config) ([]Object, error) {
	files, err := manifest.Files(in.Resources)
	if err != nil {
		return nil, err
	}
	opts := in.Options.DeepCopy()
	if opts.YAML != nil && len(opts.YAML.Overlays) > 0 {
		if files, err = ApplyOverlays(files, opts.YAML.Overlays); err != nil {
			return nil, err
		}
	}
	kdir := "."
	if opts.Kustomize != nil && opts.Kustomize.Dir != "" {
		kdir = path.Clean(strings.TrimPrefix(opts.Kustomize.Dir, "./"))
	}
	var objs []Object
	if chartDir, ok := findChart(files, opts.Helm); ok {
		objs, err = renderChart(ctx, files, chartDir, in.Name, opts, cfg)
		if err != nil {
			return nil, err
		}
		if kobjs, ran, err := runKustomize(files, kdir, objs); err != nil {
			return nil, err
		} else if ran {
			objs = kobjs
		}
	} else if kobjs, ran, err := runKustomize(files, kdir, nil); err != nil {
		return nil, err
	} else if ran {
		objs = kobjs
	} else {
		if objs, err = rawObjects(files); err != nil {
			return nil, err
		}
	}
	if err := postProcess(objs, opts, ObjectSetID(cfg.AgentNamespace, in.Name)); err != nil {
		return nil, err
	}
	return objs, nil
}

// rawObjects parses every manifest file outside overlays/ and .chart/, in file name order.
func rawObjects(files map[string][]byte) ([]Object, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		if isManifestFile(n) && !strings.HasPrefix(n, OverlayDir) && !strings.HasPrefix(n, manifest.ChartDirPrefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []Object
	for _, n := range names {
		objs, err := parseObjects(n, files[n])
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// findChart returns the directory of the chart to render: the bundle's own chart, or the chart
// fetched at apply time under .chart/<hash>/<name>/.
func findChart(files map[string][]byte, h *v1alpha1.HelmOptions) (string, bool) {
	if dir, ok := bundlereader.LocalChartDir(files, h); ok {
		return dir, true
	}
	if h == nil || (h.Chart == "" && h.Repo == "") {
		return "", false
	}
	prefix := manifest.ChartPath(h) + "/"
	var dirs []string
	for n := range files {
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		if d, f, ok := strings.Cut(rest, "/"); ok && f == "Chart.yaml" {
			dirs = append(dirs, prefix+d)
		}
	}
	if len(dirs) != 1 {
		return "", false
	}
	return dirs[0], true
}

// ToYAML writes objects as a multi-document YAML stream.
func ToYAML(objs []Object) ([]byte, error) {
	var buf bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Source, err)
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	return buf.Bytes(), nil
}
