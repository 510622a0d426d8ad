package bundlereader

import (
	"context"
	"errors"
	"fmt"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// readBundle builds the bundle of one directory.
func readBundle(ctx context.Context, d bundleDir, opts *Options) (*Result, error) {
	fy := &FleetYAML{}
	res := &Result{Dir: d.dir, OptionsFile: d.optionsFile}
	exclude := map[string]bool{}
	budget := newFilesBudget()
	if d.optionsFile != "" {
		data, err := budget.readYAML(d.optionsFile)
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		if err != nil {
			return nil, &FileError{File: d.optionsFile, Err: err}
		}
		parsed, warn, err := ParseFleetYAML(d.optionsFile, data)
		if err != nil {
			return nil, err
		}
		fy = parsed
		if warn != nil {
			res.Warnings = append(res.Warnings, *warn)
		}
		exclude[filepath.Clean(d.optionsFile)] = true
	}
	if !d.driven {
		// Fleet never ships the options file, whichever of the two names it has.
		exclude[filepath.Join(filepath.Clean(d.dir), FleetYAMLFile)] = true
		exclude[filepath.Join(filepath.Clean(d.dir), FleetYAMLFallbackFile)] = true
	}
	name, err := bundleName(d, fy, opts)
	if err != nil {
		return nil, err
	}
	// values + valuesFiles, root and customizations.
	helms := []*v1alpha1.HelmOptions{fy.Helm}
	for i := range fy.TargetCustomizations {
		helms = append(helms, fy.TargetCustomizations[i].Helm)
	}
	for i := range fy.Targets {
		helms = append(helms, fy.Targets[i].Helm)
	}
	for _, h := range helms {
		read, err := mergeValuesFiles(d.dir, opts.Root, h, budget)
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		if err != nil {
			return nil, &FileError{File: optionsFileOrDir(d), Err: err}
		}
		for _, p := range read {
			exclude[p] = true
		}
	}
	files, err := loadFiles(d.dir, exclude, d.driven, budget)
	if err != nil {
		return nil, err
	}
	spec := fy.BundleSpec.DeepCopy()
	spec.Targets = ownTargets(fy)
	propagateHelmChartProperties(spec)
	if err := fetchCharts(ctx, d.dir, spec, files, opts.Charts, budget); err != nil {
		return nil, err
	}
	appendRepoTargets(spec, fy, opts.Targets)
	applyOverrides(spec, opts.Overrides)
	compress := opts.Compress || mustCompress(files)
	spec.Resources, err = toResources(name, files, compress)
	if err != nil {
		return nil, err
	}
	b := newBundleObject(name, namespaceOr(opts.Namespace), bundleLabels(fy, opts))
	b.Spec = *spec
	size, err := bundleSize(b)
	if err != nil {
		return nil, err
	}
	if size >= maxBundleJSONSize && !compress {
		if b.Spec.Resources, err = toResources(name, files, true); err != nil {
			return nil, err
		}
		if size, err = bundleSize(b); err != nil {
			return nil, err
		}
	}
	if size > MaxBundleSize {
		return nil, tooLargeBundle(name, int64(size), false)
	}
	res.Bundle, res.size = b, size
	return res, nil
}

func optionsFileOrDir(d bundleDir) string {
	if d.optionsFile != "" {
		return d.optionsFile
	}
	return d.dir
}

func namespaceOr(ns string) string {
	if ns == "" {
		return DefaultNamespace
	}
	return ns
}

// bundleName is fleet.yaml's name, or HelmReleaseName(Name/relative path); a driven-scan entry
// with an options file adds the options file name (without extension) so that several entries on
// one base directory get distinct names.
func bundleName(d bundleDir, fy *FleetYAML, opts *Options) (string, error) {
	if fy.Name != "" {
		// Fleet uses fleet.yaml's name verbatim; refuse only what the API would refuse, naming the file.
		if errs := k8svalidation.IsDNS1123Subdomain(fy.Name); len(errs) > 0 {
			return "", &FileError{File: d.optionsFile, Line: 1, Err: fmt.Errorf("name %q is not a valid bundle name (try %q): %s",
				fy.Name, manifest.HelmReleaseName(fy.Name), strings.Join(errs, "; "))}
		}
		return fy.Name, nil
	}
	rel := relName(opts.BaseDir, d.dir)
	if d.driven && d.optionsFile != "" && fleetYAMLIn(d.dir) != filepath.Clean(d.optionsFile) {
		base := filepath.Base(d.optionsFile)
		rel = path.Join(rel, strings.TrimSuffix(base, filepath.Ext(base)))
	}
	return manifest.HelmReleaseName(path.Join(opts.Name, rel)), nil
}

func bundleLabels(fy *FleetYAML, opts *Options) map[string]string {
	labels := map[string]string{}
	for k, v := range fy.Labels {
		labels[k] = v
	}
	for k, v := range opts.Labels {
		labels[k] = v
	}
	if opts.Commit != "" {
		labels[v1alpha1.CommitLabel] = opts.Commit
	}
	if len(labels) == 0 {
		return nil
	}
	return labels
}

func applyOverrides(spec *v1alpha1.BundleSpec, o Overrides) {
	if o.ServiceAccount != "" {
		spec.ServiceAccount = o.ServiceAccount
	}
	if o.TargetNamespace != "" {
		// Into every target too, as Fleet: a customization's namespace does not win over the flag.
		spec.TargetNamespace = o.TargetNamespace
		for i := range spec.Targets {
			spec.Targets[i].TargetNamespace = o.TargetNamespace
		}
	}
	if o.Paused {
		spec.Paused = true
	}
	if o.SyncGeneration != 0 {
		spec.ForceSyncGeneration = o.SyncGeneration
	}
	if o.KeepResources {
		spec.KeepResources = true
	}
	if o.DeleteNamespace {
		spec.DeleteNamespace = true
	}
	if o.CorrectDrift != nil {
		spec.CorrectDrift = o.CorrectDrift.DeepCopy()
	}
}

// LineOf returns the 1-based line of the first occurrence of text in file, or 0.
func LineOf(file, text string) int {
	if text == "" {
		return 0
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	return 0
}
