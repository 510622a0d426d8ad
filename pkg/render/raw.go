package render

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// templatesDir is the folder of a raw-YAML bundle whose files are Helm templates.
const templatesDir = "templates/"

// renderRawYAML renders a bundle that is neither a chart nor a kustomization the way Fleet's agent
// packs it into a chart (reference/fleet.md §4.6 step 5):
//
//   - the *.yaml, *.yml and *.json files under the root templates/ folder are the templates of a
//     chart whose Chart.yaml is generated (name: the bundle name, version v0.0.0+<manifest ID>),
//     rendered with Helm and the options' values;
//   - every other such file holds objects as written ({{ }} is not rendered); documents without a
//     kind (a stray values.yaml, a kustomize fragment) are skipped;
//   - files in a directory that has its own Chart.yaml or fleet.yaml, overlays/ and .chart/ are
//     not part of it.
//
// The chart's objects come first, in Helm's install order, then the object files by name.
// manifestID names the chart version; it is the ID of the files after overlays.
func renderRawYAML(ctx context.Context, files map[string][]byte, name, manifestID string, opts *v1alpha1.BundleDeploymentOptions, cfg Config) ([]Object, error) {
	templates, raw := splitRawYAML(files)
	var out []Object
	if len(templates) > 0 {
		chart, err := yaml.Marshal(map[string]string{"apiVersion": "v2", "name": chartName(name), "version": "v0.0.0+" + manifestID})
		if err != nil {
			return nil, err
		}
		templates["Chart.yaml"] = chart
		objs, err := renderChart(ctx, templates, ".", name, opts, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s (a chart, since the bundle has no Chart.yaml): %w", templatesDir, err)
		}
		out = objs
	}
	objs, err := parseObjectFiles(files, raw)
	if err != nil {
		return nil, err
	}
	return append(out, objs...), nil
}

// splitRawYAML returns the Helm templates of a raw-YAML bundle and the names of its object files,
// sorted.
func splitRawYAML(files map[string][]byte) (templates map[string][]byte, raw []string) {
	skip := ownRootDirs(files)
	templates = map[string][]byte{}
	for n := range files {
		if !isManifestFile(n) || n == "fleet.yaml" || n == "fleet.yml" || strings.HasPrefix(n, OverlayDir) ||
			strings.HasPrefix(n, manifest.ChartDirPrefix) || under(n, skip) {
			continue
		}
		if strings.HasPrefix(n, templatesDir) {
			templates[n] = files[n]
			continue
		}
		raw = append(raw, n)
	}
	sort.Strings(raw)
	return templates, raw
}

// parseObjectFiles parses the named object files in order.
func parseObjectFiles(files map[string][]byte, names []string) ([]Object, error) {
	var out []Object
	for _, n := range names {
		objs, err := parseObjects(n, files[n], kindlessSkipped)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// ownRootDirs returns the directories ("a/b/") that hold a Chart.yaml or a fleet.yaml of their own.
func ownRootDirs(files map[string][]byte) []string {
	var dirs []string
	for n := range files {
		switch path.Base(n) {
		case "Chart.yaml", "fleet.yaml", "fleet.yml":
			if d := path.Dir(n); d != "." {
				dirs = append(dirs, d+"/")
			}
		}
	}
	return dirs
}

func under(name string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(name, d) {
			return true
		}
	}
	return false
}

// chartName is the last "/"-separated part of the bundle deployment name, as Fleet names the chart.
func chartName(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}
