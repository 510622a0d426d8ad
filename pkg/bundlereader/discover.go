package bundlereader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Fleet's file names.
const (
	FleetYAMLFile         = "fleet.yaml"
	FleetYAMLFallbackFile = "fleet.yml"
)

// ErrNoResources is returned when no bundle was found under any of the given paths.
var ErrNoResources = errors.New("no resource found at the following paths")

// bundleDir is a directory that becomes one bundle.
type bundleDir struct {
	// dir is the bundle's base directory.
	dir string
	// optionsFile is the fleet.yaml (or driven-scan options file); empty when there is none.
	optionsFile string
	// driven is true for driven-scan entries (no nested bundles are excluded).
	driven bool
}

// fleetYAMLIn returns the fleet.yaml (or fleet.yml) of dir, or "" when there is none.
func fleetYAMLIn(dir string) string {
	for _, n := range []string{FleetYAMLFile, FleetYAMLFallbackFile} {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

func isHidden(name string) bool { return strings.HasPrefix(name, ".") && name != "." && name != ".." }

func isYAMLFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// expandPaths globs every path; a path that matches nothing is an error.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("path %q: %w", p, fs.ErrNotExist)
		}
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("path %q: %w", m, err)
			}
			if st.IsDir() {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// discover finds the bundle directories under root, as Fleet's shouldCreateBundleForThisPath does.
func discover(root string) ([]bundleDir, error) {
	var out []bundleDir
	rootHasYAML := false
	rules, err := (*ignoreRules)(nil).withDir(root)
	if err != nil {
		return nil, err
	}
	var walk func(dir string, rules *ignoreRules, nested bool) error
	walk = func(dir string, rules *ignoreRules, nested bool) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if isHidden(e.Name()) || rules.ignored(p, e.IsDir()) {
				continue
			}
			if !e.IsDir() {
				if !nested && isYAMLFile(e.Name()) && e.Name() != FleetYAMLFile && e.Name() != FleetYAMLFallbackFile {
					rootHasYAML = true
				}
				continue
			}
			sub := nested
			if fy := fleetYAMLIn(p); fy != "" {
				out = append(out, bundleDir{dir: p, optionsFile: fy})
				sub = true
			}
			subRules, err := rules.withDir(p)
			if err != nil {
				return err
			}
			if err := walk(p, subRules, sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, rules, false); err != nil {
		return nil, err
	}
	if fy := fleetYAMLIn(root); fy != "" || rootHasYAML {
		out = append(out, bundleDir{dir: root, optionsFile: fy})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out, nil
}

// drivenDirs parses driven-scan entries "base[<sep>options]"; the options file is relative to base.
func drivenDirs(paths []string, sep string) ([]bundleDir, error) {
	if sep == "" {
		sep = ":"
	}
	out := make([]bundleDir, 0, len(paths))
	for _, p := range paths {
		base, opts, _ := strings.Cut(p, sep)
		st, err := os.Stat(base)
		if err != nil {
			return nil, fmt.Errorf("driven scan entry %q: %w", p, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("driven scan entry %q: %s is not a directory", p, base)
		}
		bd := bundleDir{dir: base, driven: true}
		if opts != "" {
			bd.optionsFile = filepath.Join(base, opts)
			if _, err := os.Stat(bd.optionsFile); err != nil {
				return nil, fmt.Errorf("driven scan entry %q: %w", p, err)
			}
		} else {
			bd.optionsFile = fleetYAMLIn(base)
		}
		out = append(out, bd)
	}
	return out, nil
}
