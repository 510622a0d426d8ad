package render

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
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
	// Commit is the git commit of the bundle (its fleet.cattle.io/commit label), "" if none. It
	// names the version of the chart generated for a raw-YAML bundle's templates/, as in Fleet.
	Commit string
}

// Config describes the agent the rendering is for.
type Config struct {
	// AgentNamespace is the agent's namespace; it prefixes the objectset ID ("" in `fleet test`).
	AgentNamespace string
	// KubeVersion is the Kubernetes version charts see (.Capabilities.KubeVersion).
	KubeVersion string
	// DefaultNamespace is the release namespace (.Release.Namespace) of deployments whose options
	// set none: the agent's default namespace; "" for fleet test and fleet deploy --dry-run, as
	// Fleet's template path.
	DefaultNamespace string
	// Mapper is the target cluster's REST mapping. With it, `namespace` refuses cluster-scoped
	// objects; without it (no cluster: fleet test, fleet deploy --dry-run) `namespace` is written
	// into every object, as Fleet's template path does.
	Mapper meta.RESTMapper
}

// Render renders one bundle deployment into objects. On error nothing is returned.
func Render(ctx context.Context, in Input, cfg Config) ([]Object, error) {
	files, err := manifest.Files(in.Resources)
	if err != nil {
		return nil, err
	}
	opts := in.Options.DeepCopy()
	overlaid := opts.YAML != nil && len(opts.YAML.Overlays) > 0
	if overlaid {
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
	} else if objs, err = renderRawYAML(ctx, files, rawSource{in: &in, overlaid: overlaid}, opts, cfg); err != nil {
		return nil, err
	}
	if err := postProcess(objs, opts, ObjectSetID(cfg.AgentNamespace, in.Name), cfg.Mapper); err != nil {
		return nil, err
	}
	return objs, nil
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

// ToYAML writes objects as a multi-document YAML stream laid out as Fleet's CLI writes it
// (wrangler's yaml.Export): documents separated by "\n---\n", no leading separator, nothing for
// no objects.
func ToYAML(objs []Object) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Source, err)
		}
		if i > 0 {
			buf.WriteString("\n---\n")
		}
		buf.Write(data)
	}
	return buf.Bytes(), nil
}
