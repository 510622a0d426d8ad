package helmchart

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/downloader"
	"helm.sh/helm/v3/pkg/getter"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/redact"
)

// Dependencies implements bundlereader.ChartFetcher.
func (f *Fetcher) Dependencies(ctx context.Context, chartDir string) (map[string][]byte, error) {
	e, err := f.newEnv(false, nil, "")
	if err != nil {
		return nil, err
	}
	defer e.close()
	return f.dependencies(ctx, e, chartDir)
}

// dependencies runs `helm dependency update` on a copy of chartDir when its charts/ directory
// does not satisfy Chart.yaml, and returns the new charts/ files.
func (f *Fetcher) dependencies(ctx context.Context, e *env, chartDir string) (map[string][]byte, error) {
	if err := checkChartDir(chartDir); err != nil {
		return nil, fmt.Errorf("helm: %w", err)
	}
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: %w", filepath.Join(chartDir, "Chart.yaml"), err)
	}
	if len(ch.Metadata.Dependencies) == 0 || action.CheckDependencies(ch, ch.Metadata.Dependencies) == nil {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// file:// dependencies are relative to the chart, but Helm resolves them in the copy it works on:
	// check each against Root from the chart's own directory and hand Helm that absolute path.
	local := map[int]string{}
	for i, d := range ch.Metadata.Dependencies {
		if p, ok := strings.CutPrefix(d.Repository, "file://"); ok {
			if !filepath.IsAbs(p) {
				p = filepath.Join(chartDir, p)
			}
			if err := f.confined(p); err != nil {
				return nil, fmt.Errorf("helm: chart %s: dependency %s: %w", ch.Name(), d.Name, err)
			}
			if resolved, err := filepath.EvalSymlinks(p); err == nil {
				p = resolved
			}
			// Helm's loader reads it into memory to package it.
			if err := checkChartDir(p); err != nil {
				return nil, fmt.Errorf("helm: chart %s: dependency %s: %w", ch.Name(), d.Name, err)
			}
			local[i] = p
		}
	}
	work := filepath.Join(e.dir, "deps", ch.Name())
	if err := copyDir(chartDir, work); err != nil {
		return nil, err
	}
	if err := pinLocalDependencies(filepath.Join(work, "Chart.yaml"), local); err != nil {
		return nil, fmt.Errorf("helm: chart %s: %w", ch.Name(), err)
	}
	plain := f.PlainHTTP
	for _, d := range ch.Metadata.Dependencies {
		plain = plain || isLoopback(d.Repository)
	}
	rc := e.registry
	if plain && !f.PlainHTTP {
		pe, err := (&Fetcher{PlainHTTP: true}).newEnv(true, nil, "")
		if err != nil {
			return nil, err
		}
		defer pe.close()
		rc = pe.registry
	}
	man := &downloader.Manager{
		Out:              io.Discard,
		ChartPath:        work,
		Getters:          getter.All(e.settings),
		RegistryClient:   rc,
		RepositoryConfig: e.settings.RepositoryConfig,
		RepositoryCache:  e.settings.RepositoryCache,
	}
	if err := man.Update(); err != nil {
		// Resolving asks chart repositories, whose answer may change (a version published later).
		return nil, bundlereader.Floating(chartError(fmt.Errorf("helm: resolving dependencies of chart %s: %w", ch.Name(), redact.Error(err)), false))
	}
	all, err := readDir(filepath.Join(work, "charts"), "charts")
	if err != nil && floatingDependencies(ch.Metadata.Dependencies) {
		return nil, bundlereader.Floating(err)
	}
	return all, err
}

// floatingDependencies reports whether a dependency is fetched from a chart repository or
// registry without being pinned to one release.
func floatingDependencies(deps []*chart.Dependency) bool {
	for _, d := range deps {
		if !bundlereader.PinnedDependency(d.Repository, d.Version) {
			return true
		}
	}
	return false
}

// pinLocalDependencies rewrites the repository of the dependencies at the given indexes of the
// Chart.yaml at path to file://<absolute path>.
func pinLocalDependencies(path string, local map[int]string) error {
	if len(local) == 0 {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var chart map[string]any
	if err := yaml.Unmarshal(data, &chart); err != nil {
		return fmt.Errorf("Chart.yaml: %w", err)
	}
	deps, _ := chart["dependencies"].([]any)
	for i, p := range local {
		if i >= len(deps) {
			return fmt.Errorf("Chart.yaml: dependency %d not found", i)
		}
		d, ok := deps[i].(map[string]any)
		if !ok {
			return fmt.Errorf("Chart.yaml: dependency %d is not a mapping", i)
		}
		d["repository"] = "file://" + p
	}
	out, err := yaml.Marshal(chart)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
