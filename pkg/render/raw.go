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

// rawYAMLDir is where Fleet's chart carries a raw-YAML bundle's object files (.Files).
const rawYAMLDir = "raw-yaml/"

// rawSource is what a raw-YAML rendering needs besides the (overlaid) files: the input, for the
// generated chart's version, and whether overlays were applied.
type rawSource struct {
	in       *Input
	overlaid bool
}

// renderRawYAML renders a bundle that is neither a chart nor a kustomization the way Fleet's agent
// packs it into a chart (reference/fleet.md §4.6 step 5):
//
//   - the *.yaml, *.yml and *.json files under the root templates/ folder are the templates of a
//     chart whose Chart.yaml is generated (name: the bundle name, version v0.0.0+git-<commit[:12]>
//     or v0.0.0+<manifest ID>), rendered with Helm and the options' values; the object files are
//     the chart's files under raw-yaml/, as in Fleet;
//   - every other such file holds objects as written ({{ }} is not rendered); documents without a
//     kind or an apiVersion (a stray values.yaml, a kustomize fragment) are skipped;
//   - files in a directory that has its own Chart.yaml or fleet.yaml, overlays/ and .chart/ are
//     not part of it. File name suffixes are matched case-sensitively, as Fleet's.
//
// The chart's objects come first, in Helm's install order, then the object files by name.
func renderRawYAML(ctx context.Context, files map[string][]byte, src rawSource, opts *v1alpha1.BundleDeploymentOptions, cfg Config) ([]Object, error) {
	templates, raw := splitRawYAML(files)
	var out []Object
	if len(templates) > 0 {
		version, err := chartVersion(src, files)
		if err != nil {
			return nil, err
		}
		name := chartName(src.in.Name)
		chartYAML, err := yaml.Marshal(map[string]string{"apiVersion": "v2", "name": name, "version": version})
		if err != nil {
			return nil, err
		}
		chartFiles := map[string][]byte{"Chart.yaml": chartYAML}
		for n, data := range templates {
			chartFiles[n] = data
		}
		for _, n := range raw {
			chartFiles[rawYAMLDir+n] = files[n]
		}
		ch, err := loadChart(chartFiles, ".")
		if err == nil {
			out, err = runHelm(ctx, ch, src.in.Name, opts, cfg, templatesDir)
		}
		if err != nil {
			// Helm names templates <chart>/templates/…: name them as the bundle's files.
			return nil, fmt.Errorf("%s (a chart, since the bundle has no Chart.yaml): %w", templatesDir,
				renamedError{err: err, old: name + "/" + templatesDir, new: templatesDir})
		}
		for i := range out {
			out[i].Source = strings.TrimPrefix(out[i].Source, name+"/")
		}
	}
	objs, err := parseObjectFiles(files, raw)
	if err != nil {
		return nil, err
	}
	return append(out, objs...), nil
}

// chartVersion is the generated chart's version as Fleet's addChartYAML writes it: git-<commit[:12]>
// for a commit longer than 12 characters, else the manifest ID of what Fleet's patch step leaves:
// the resources without overlays/, sorted by name. With overlays Fleet hashes its own patch output
// (patched files re-encoded as JSON), which this approximates with the overlaid files (emptied
// files kept empty, as Fleet keeps them): the version then differs from Fleet's.
func chartVersion(src rawSource, files map[string][]byte) (string, error) {
	if c := src.in.Commit; len(c) > 12 {
		return "v0.0.0+git-" + c[:12], nil
	}
	var res []v1alpha1.BundleResource
	if !src.overlaid {
		for _, r := range src.in.Resources {
			if !strings.HasPrefix(r.Name, OverlayDir) {
				res = append(res, r)
			}
		}
	} else {
		seen := map[string]bool{}
		for _, r := range src.in.Resources {
			if !strings.HasPrefix(r.Name, OverlayDir) {
				seen[r.Name] = true
				res = append(res, v1alpha1.BundleResource{Name: r.Name, Content: string(files[r.Name])})
			}
		}
		for n, data := range files {
			if !seen[n] && !strings.HasPrefix(n, OverlayDir) {
				res = append(res, v1alpha1.BundleResource{Name: n, Content: string(data)})
			}
		}
	}
	sort.SliceStable(res, func(i, j int) bool { return res[i].Name < res[j].Name })
	id, err := manifest.ID(res)
	if err != nil {
		return "", err
	}
	return "v0.0.0+" + id, nil
}

// renamedError shows err with old replaced by new, and unwraps to err.
type renamedError struct {
	err      error
	old, new string
}

func (e renamedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.old, e.new) }
func (e renamedError) Unwrap() error { return e.err }

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
