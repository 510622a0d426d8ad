package bundlereader

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"unicode/utf8"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// loadFiles reads every file of a bundle directory, keyed by slash-separated relative path.
// Hidden entries, .fleetignore matches and the paths in exclude (absolute, cleaned) are skipped;
// unless all is set, sub-directories with their own fleet.yaml (nested bundles) are skipped too.
// Every file is charged to budget before it is read (MaxBundleFilesSize).
func loadFiles(root string, exclude map[string]bool, all bool, budget *filesBudget) (map[string][]byte, error) {
	files := map[string][]byte{}
	rules, err := (*ignoreRules)(nil).withDir(root)
	if err != nil {
		return nil, err
	}
	var walk func(dir string, rules *ignoreRules) error
	walk = func(dir string, rules *ignoreRules) error {
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
			data, err := budget.read(p, p)
			if errors.Is(err, ErrTooLarge) {
				return err // it names the file
			}
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

// toResources turns files into BundleResources sorted by name, for the bundle called name. It
// stops with a TooLargeError as soon as their contents exceed MaxBundleSize: the Bundle's JSON
// holds every content, so it could not be written.
func toResources(name string, files map[string][]byte, compress bool) ([]v1alpha1.BundleResource, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]v1alpha1.BundleResource, 0, len(names))
	size := int64(0)
	for _, n := range names {
		r, err := manifest.NewResource(n, files[n], compress)
		if err != nil {
			return nil, err
		}
		if size += int64(len(r.Name) + len(r.Content)); size > MaxBundleSize {
			return nil, tooLargeBundle(name, size, true)
		}
		out = append(out, r)
	}
	return out, nil
}

// mustCompress reports whether files make a Bundle whose JSON is 1,000,000 bytes or more, from
// which Fleet stores every resource compressed, without building the uncompressed Bundle first:
// text files are stored as they are, so their sizes alone add up to at least that.
func mustCompress(files map[string][]byte) bool {
	text := 0
	for _, data := range files {
		if utf8.Valid(data) {
			if text += len(data); text >= maxBundleJSONSize {
				return true
			}
		}
	}
	return false
}

// tooLargeBundle is the error of a Bundle whose JSON is size bytes (more when atLeast).
func tooLargeBundle(name string, size int64, atLeast bool) error {
	return &TooLargeError{What: fmt.Sprintf("bundle %q", name), Size: size, AtLeast: atLeast,
		Detail: "once encoded (JSON; binary resources, and all of them from 1,000,000 bytes, gzipped and base64-encoded)",
		Limit:  MaxBundleSize, Budget: "one Bundle (the API server takes requests of up to 3 MiB)"}
}
