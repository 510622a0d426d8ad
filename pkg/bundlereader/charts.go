package bundlereader

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/redact"
)

// ErrChartUnavailable marks a failure to download a remote chart or a chart dependency (the
// server is unreachable, refuses the credentials, or does not have the version yet). Such a failure
// can pass without a change to the bundle, so the controllers retry it rather than give up on the
// commit. Test it with errors.Is.
var ErrChartUnavailable = errors.New("chart unavailable")

// ChartFetcher fetches Helm charts and chart dependencies for the bundle reader. Package
// bundlereader/helmchart implements it with the Helm SDK.
type ChartFetcher interface {
	// FetchChart fetches the chart h refers to (a chart repository, a .tgz URL, an oci://
	// reference or a local directory outside the bundle; baseDir is the bundle directory) with its
	// dependencies, and returns its files keyed by slash-separated path under the chart's own
	// directory, e.g. "guestbook/Chart.yaml".
	FetchChart(ctx context.Context, baseDir string, h *v1alpha1.HelmOptions) (map[string][]byte, error)
	// Dependencies resolves the dependencies declared by the chart in chartDir and returns the
	// files to add under its charts/ directory, keyed by name relative to chartDir
	// (e.g. "charts/redis-1.0.0.tgz"). It returns nothing when charts/ is already complete.
	Dependencies(ctx context.Context, chartDir string) (map[string][]byte, error)
}

// LocalChartDir returns the slash-separated directory of the bundle's own chart for h, and
// whether the bundle holds one (a Chart.yaml at helm.chart, or at the root when chart and repo
// are empty). files are the bundle's files keyed by relative path.
func LocalChartDir(files map[string][]byte, h *v1alpha1.HelmOptions) (string, bool) {
	chart := ""
	if h != nil {
		if h.Repo != "" {
			return "", false
		}
		chart = h.Chart
	}
	if isRemoteChart(chart) {
		return "", false
	}
	dir := path.Clean(filepath.ToSlash(strings.TrimPrefix(chart, "./")))
	if dir == "." || dir == "" {
		_, ok := files["Chart.yaml"]
		return ".", ok
	}
	_, ok := files[dir+"/Chart.yaml"]
	return dir, ok
}

// isRemoteChart reports whether a helm.chart value is a URL rather than a path.
func isRemoteChart(chart string) bool {
	return strings.Contains(chart, "://") || strings.Contains(chart, "::")
}

// needsFetch reports whether h refers to a chart that is not part of the bundle's files.
func needsFetch(files map[string][]byte, h *v1alpha1.HelmOptions) bool {
	if h == nil || (h.Chart == "" && h.Repo == "") {
		return false
	}
	_, local := LocalChartDir(files, h)
	return !local
}

// chartDependency is what the reader needs of a dependency declared in a Chart.yaml.
type chartDependency struct {
	Version    string `json:"version"`
	Repository string `json:"repository"`
}

// chartDependencies returns the dependencies a Chart.yaml declares (none when it does not parse:
// Helm names the error when it loads the chart).
func chartDependencies(chartYAML []byte) []chartDependency {
	var c struct {
		Dependencies []chartDependency `json:"dependencies"`
	}
	if err := yaml.Unmarshal(chartYAML, &c); err != nil {
		return nil
	}
	return c.Dependencies
}

// floatingDependencies reports whether any of deps is fetched without being pinned (a chart
// repository or registry, without an exact version); file:// and charts/ dependencies are part of
// the bundle.
func floatingDependencies(deps []chartDependency) bool {
	for _, d := range deps {
		if !PinnedDependency(d.Repository, d.Version) {
			return true
		}
	}
	return false
}

// floatingChart reports whether h names a remote chart that is not pinned (see Pinned).
func floatingChart(h *v1alpha1.HelmOptions) bool {
	ref := h.Chart
	if h.Repo != "" {
		ref = h.Repo
	} else if !isRemoteChart(h.Chart) {
		return false // a chart directory or archive of the commit
	}
	return !Pinned(ref, h.Version)
}

// markFloating marks err with Floating when floating.
func markFloating(err error, floating bool) error {
	if floating {
		return Floating(err)
	}
	return err
}

// fetchCharts adds to files every chart the bundle refers to but does not hold (root and
// customizations), under manifest.ChartPath, and the dependencies of local charts, charged to
// budget.
func fetchCharts(ctx context.Context, dir string, spec *v1alpha1.BundleSpec, files map[string][]byte, f ChartFetcher, budget *filesBudget) error {
	root := spec.Helm
	if root == nil {
		root = &v1alpha1.HelmOptions{}
	}
	helms := []*v1alpha1.HelmOptions{root}
	for i := range spec.Targets {
		helms = append(helms, spec.Targets[i].Helm)
	}
	done := map[string]bool{}
	for _, h := range helms {
		if h == nil {
			continue
		}
		if needsFetch(files, h) {
			p := manifest.ChartPath(h)
			if done[p] {
				continue
			}
			done[p] = true
			if f == nil {
				return &FileError{File: dir, Err: errNoFetcher(redact.URL(h.Chart))}
			}
			floating := floatingChart(h)
			chartFiles, err := f.FetchChart(ctx, dir, h)
			if err != nil {
				return markFloating(&FileError{File: dir, Err: err}, floating)
			}
			// The chart may be a URL with credentials in it.
			if err := budget.charge(fmt.Sprintf("chart %s (%s)", redact.URL(h.Chart), p), filesSize(chartFiles)); err != nil {
				return markFloating(err, floating)
			}
			for name, data := range chartFiles {
				files[p+"/"+name] = data
			}
			continue
		}
		cd, ok := LocalChartDir(files, h)
		if !ok || done[cd] || h.DisableDependencyUpdate {
			continue
		}
		done[cd] = true
		chartYAML := filepath.Join(dir, cd, "Chart.yaml")
		data := files[path.Join(cd, "Chart.yaml")]
		if err := budget.chargeYAML(chartYAML, int64(len(data))); err != nil {
			return err
		}
		declared := chartDependencies(data)
		if len(declared) == 0 {
			continue
		}
		if f == nil {
			return &FileError{File: chartYAML, Err: errNoFetcher("dependencies")}
		}
		floating := floatingDependencies(declared)
		deps, err := f.Dependencies(ctx, filepath.Join(dir, filepath.FromSlash(cd)))
		if err != nil {
			return markFloating(&FileError{File: chartYAML, Err: err}, floating)
		}
		if err := budget.charge("the dependencies of chart "+filepath.Join(dir, cd), filesSize(deps)); err != nil {
			return markFloating(err, floating)
		}
		for name, data := range deps {
			files[path.Join(cd, name)] = data
		}
	}
	return nil
}

func errNoFetcher(what string) error {
	return fmt.Errorf("cannot fetch Helm chart %s: no chart fetcher configured", what)
}

// filesSize is the number of bytes of files.
func filesSize(files map[string][]byte) int64 {
	n := int64(0)
	for _, data := range files {
		n += int64(len(data))
	}
	return n
}
