package render

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/releaseutil"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// renderChart renders the chart in chartDir with the Helm SDK, client-only, as `helm template`
// would, and returns its objects (CRDs of crds/ first, then templates in Helm's install order;
// hooks are not part of the result).
func renderChart(ctx context.Context, files map[string][]byte, chartDir, name string, opts *v1alpha1.BundleDeploymentOptions, cfg Config) ([]Object, error) {
	ch, err := loadChart(files, chartDir)
	if err != nil {
		return nil, fmt.Errorf("%s: loading chart: %w", chartFile(chartDir, "Chart.yaml"), err)
	}
	objs, err := runHelm(ctx, ch, name, opts, cfg, chartFile(chartDir, "templates"))
	if err != nil {
		return nil, fmt.Errorf("%s: rendering chart %s: %w", chartFile(chartDir, "Chart.yaml"), ch.Name(), err)
	}
	return objs, nil
}

// loadChart loads the chart whose files are under chartDir.
func loadChart(files map[string][]byte, chartDir string) (*chart.Chart, error) {
	prefix := ""
	if chartDir != "." {
		prefix = chartDir + "/"
	}
	var bf []*loader.BufferedFile
	for n, data := range files {
		if rel, ok := strings.CutPrefix(n, prefix); ok {
			bf = append(bf, &loader.BufferedFile{Name: rel, Data: data})
		}
	}
	sort.Slice(bf, func(i, j int) bool { return bf[i].Name < bf[j].Name })
	return loader.LoadFiles(bf)
}

// runHelm renders a loaded chart; sourceFallback names objects whose manifest has no "# Source:".
func runHelm(ctx context.Context, ch *chart.Chart, name string, opts *v1alpha1.BundleDeploymentOptions, cfg Config, sourceFallback string) ([]Object, error) {
	h := opts.Helm
	if h == nil {
		h = &v1alpha1.HelmOptions{}
	}
	kv := cfg.KubeVersion
	if kv == "" {
		kv = DefaultKubeVersion
	}
	kubeVersion, err := chartutil.ParseKubeVersion(kv)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", kv, err)
	}
	inst := action.NewInstall(&action.Configuration{Log: func(string, ...interface{}) {}})
	inst.DryRun = true
	inst.ClientOnly = true
	inst.Replace = true
	inst.IncludeCRDs = true
	inst.KubeVersion = kubeVersion
	inst.ReleaseName = releaseName(name, h)
	inst.Namespace = releaseNamespace(opts, cfg)
	inst.SkipSchemaValidation = h.SkipSchemaValidation
	inst.EnableDNS = !h.DisableDNS
	var vals map[string]any
	if h.Values != nil {
		vals = h.Values.DeepCopy().Data
	}
	rel, err := inst.RunWithContext(ctx, ch, vals)
	if err != nil {
		return nil, err
	}
	docs := releaseutil.SplitManifests(rel.Manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return manifestIndex(keys[i]) < manifestIndex(keys[j]) })
	var out []Object
	for _, k := range keys {
		objs, err := parseObjects(sourceOf(docs[k], sourceFallback), []byte(docs[k]), kindlessIsError)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func chartFile(dir, file string) string {
	if dir == "." || dir == "" {
		return file
	}
	return dir + "/" + file
}

// releaseName is helm.releaseName or the bundle deployment name made Helm-safe.
func releaseName(name string, h *v1alpha1.HelmOptions) string {
	if h.ReleaseName != "" {
		return h.ReleaseName
	}
	return manifest.HelmReleaseName(name)
}

// releaseNamespace is the forced namespace, else defaultNamespace, else the agent's default
// namespace (Config.DefaultNamespace), as Fleet's getOpts.
func releaseNamespace(opts *v1alpha1.BundleDeploymentOptions, cfg Config) string {
	switch {
	case opts.TargetNamespace != "":
		return opts.TargetNamespace
	case opts.DefaultNamespace != "":
		return opts.DefaultNamespace
	}
	return cfg.DefaultNamespace
}

func manifestIndex(k string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(k, "manifest-"))
	if err != nil {
		return 1 << 30
	}
	return n
}

// sourceOf returns the "# Source:" path of a Helm manifest, or fallback.
func sourceOf(doc, fallback string) string {
	for _, l := range strings.SplitN(doc, "\n", 4) {
		if s, ok := strings.CutPrefix(strings.TrimSpace(l), "# Source: "); ok {
			return s
		}
	}
	return fallback
}
