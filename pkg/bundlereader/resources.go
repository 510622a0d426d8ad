package bundlereader

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// loadFiles reads every file of a bundle directory, keyed by slash-separated relative path.
// Hidden entries, .fleetignore matches and the paths in exclude (absolute, cleaned) are skipped;
// unless all is set, sub-directories with their own fleet.yaml (nested bundles) are skipped too.
func loadFiles(root string, exclude map[string]bool, all bool) (map[string][]byte, error) {
	files := map[string][]byte{}
	rules, err := ignoreRules{}.withDir(root)
	if err != nil {
		return nil, err
	}
	var walk func(dir string, rules ignoreRules) error
	walk = func(dir string, rules ignoreRules) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if isHidden(e.Name()) || exclude[filepath.Clean(p)] || rules.ignored(p, e.IsDir()) {
				continue
			}
			if e.IsDir() {
				if !all && fleetYAMLIn(p) != "" {
					continue
				}
				sub, err := rules.withDir(p)
				if err != nil {
					return err
				}
				if err := walk(p, sub); err != nil {
					return err
				}
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("reading %s: %w", p, err)
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files[filepath.ToSlash(rel)] = data
		}
		return nil
	}
	if err := walk(root, rules); err != nil {
		return nil, err
	}
	return files, nil
}

// toResources turns files into BundleResources sorted by name.
func toResources(files map[string][]byte, compress bool) ([]v1alpha1.BundleResource, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]v1alpha1.BundleResource, 0, len(names))
	for _, n := range names {
		r, err := manifest.NewResource(n, files[n], compress)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
