package bundlereader

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// DefaultNamespace is the namespace of bundles when none is given, as in Fleet's CLI.
const DefaultNamespace = "fleet-local"

// maxBundleJSONSize is the size from which a bundle is rebuilt with every resource compressed.
const maxBundleJSONSize = 1_000_000

// Options configure Read. Name and Paths are required.
type Options struct {
	// Name is the bundle name prefix (the GitRepo name in Fleet); bundle names are
	// manifest.HelmReleaseName(Name + "/" + path relative to BaseDir) unless fleet.yaml sets one.
	Name string
	// Paths are the directories (globs allowed) to scan; driven-scan entries when DrivenScan.
	Paths []string
	// BaseDir is the directory bundle paths are named relative to; default: the working directory.
	BaseDir string
	// Namespace of the bundles; default DefaultNamespace.
	Namespace string
	// Labels are added to every bundle (after fleet.yaml labels).
	Labels map[string]string
	// Commit, when set, is recorded in the fleet.cattle.io/commit label.
	Commit string
	// Targets are the GitRepo's targets and restrictions (a --targets-file, or GitRepoTargets);
	// they are appended to the targets and restrictions of every bundle without overrideTargets.
	Targets *TargetsFile
	// DrivenScan makes each path a "base[:options-file]" entry building exactly one bundle.
	DrivenScan bool
	// DrivenScanSeparator separates base and options file; default ":".
	DrivenScanSeparator string
	// Compress stores every resource gzipped and base64-encoded.
	Compress bool
	// Charts fetches remote charts and chart dependencies; nil allows only local charts without
	// dependencies to fetch.
	Charts ChartFetcher
	// Overrides are CLI flags applied to every bundle's root options.
	Overrides Overrides
	// Root, when set, confines the files a fleet.yaml names (helm.valuesFiles) to this directory,
	// symlinks followed. The controllers set it to the checkout (and confine charts with the chart
	// fetcher's own Root); the CLI leaves it empty, as `fleet apply` reads what its user can read.
	Root string
}

// Overrides are the `fleet apply` flags that set bundle options.
type Overrides struct {
	ServiceAccount  string
	TargetNamespace string
	Paused          bool
	SyncGeneration  int64
	KeepResources   bool
	DeleteNamespace bool
	CorrectDrift    *v1alpha1.CorrectDrift
}

// Result is one bundle read from a directory.
type Result struct {
	// Bundle is the bundle, with its resources inline.
	Bundle *v1alpha1.Bundle
	// Dir is the directory it was built from.
	Dir string
	// OptionsFile is the fleet.yaml (or driven-scan options file) read, "" when there was none.
	OptionsFile string
	// Warnings are the problems Fleet would silently accept (unknown fleet.yaml keys).
	Warnings []Warning
	// size is the size of the Bundle's JSON encoding.
	size int
}

// Read scans opts.Paths and returns one Result per bundle, sorted by bundle name. It returns either
// every bundle or an error, never a partial list.
func Read(ctx context.Context, opts Options) ([]Result, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("a bundle name is required")
	}
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	if opts.BaseDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts.BaseDir = wd
	}
	var dirs []bundleDir
	if opts.DrivenScan {
		d, err := drivenDirs(opts.Paths, opts.DrivenScanSeparator)
		if err != nil {
			return nil, err
		}
		dirs = d
	} else {
		roots, err := expandPaths(opts.Paths)
		if err != nil {
			return nil, err
		}
		for _, r := range roots {
			d, err := discover(r)
			if err != nil {
				return nil, err
			}
			dirs = append(dirs, d...)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoResources, strings.Join(opts.Paths, ", "))
	}
	results := make([]Result, 0, len(dirs))
	byName := map[string]string{}
	total := 0
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := readBundle(ctx, d, &opts)
		if err != nil {
			return nil, err
		}
		if prev, dup := byName[r.Bundle.Name]; dup && prev != d.dir {
			return nil, fmt.Errorf("bundle name %q is produced by both %s and %s", r.Bundle.Name, prev, d.dir)
		} else if dup {
			continue
		}
		byName[r.Bundle.Name] = d.dir
		if total += r.size; total > maxBundlesSize {
			return nil, &TooLargeError{What: fmt.Sprintf("bundle %q", r.Bundle.Name), Size: int64(total),
				Detail: "once encoded, with the bundles read before it", Limit: int64(maxBundlesSize), Budget: "the bundles of one read (a commit)"}
		}
		results = append(results, *r)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Bundle.Name < results[j].Bundle.Name })
	return results, nil
}

// ReadDir reads dir as exactly one bundle, as Fleet's `fleet test` opens its directory: the
// directory's own fleet.yaml (if any) and files, without the sub-directories that are bundles of
// their own (nor their charts, which are not fetched). A directory without resources gives a
// bundle without resources. opts.Paths and opts.DrivenScan are not used.
func ReadDir(ctx context.Context, dir string, opts Options) (*Result, error) {
	if opts.Name == "" {
		return nil, fmt.Errorf("a bundle name is required")
	}
	if opts.BaseDir == "" {
		opts.BaseDir = dir
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return readBundle(ctx, bundleDir{dir: dir, optionsFile: fleetYAMLIn(dir)}, &opts)
}

// bundleSize returns the size of the bundle's JSON encoding.
func bundleSize(b *v1alpha1.Bundle) (int, error) {
	data, err := json.Marshal(b)
	return len(data), err
}

func newBundleObject(name, namespace string, labels map[string]string) *v1alpha1.Bundle {
	return &v1alpha1.Bundle{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "Bundle"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
	}
}

// relName returns dir relative to base (slash-separated), or dir itself when it is not below base.
func relName(base, dir string) string {
	absBase, err1 := filepath.Abs(base)
	absDir, err2 := filepath.Abs(dir)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(absBase, absDir); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(dir))
}
