package bundlereader

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// FileError is an error about one file, with a 1-based line when known (0 otherwise).
type FileError struct {
	File string
	Line int
	Err  error
}

// Error formats the error as "file:line: message" (or "file: message").
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// UnknownKey is a fleet.yaml key that does not exist in Fleet's schema.
type UnknownKey struct {
	// Path is the dotted key path, e.g. "helm.vaules" or "targetCustomizations[0].clustrName".
	Path string
	Line int
}

// Warning reports something Fleet would silently accept, such as unknown fleet.yaml keys.
type Warning struct {
	File        string
	UnknownKeys []UnknownKey
}

// String lists the unknown keys with their lines.
func (w Warning) String() string {
	keys := append([]UnknownKey(nil), w.UnknownKeys...)
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].Line < keys[j].Line })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s (line %d)", k.Path, k.Line))
	}
	return fmt.Sprintf("%s: unknown keys ignored: %s", w.File, strings.Join(parts, ", "))
}

// floatingError marks the error of a chart, or of chart dependencies, that the bundle does not
// pin: fetched without an exact version, so what the same bundle gets may change (a fixed
// release published under the same version range). See Floating.
type floatingError struct{ err error }

func (e *floatingError) Error() string { return e.err.Error() }
func (e *floatingError) Unwrap() error { return e.err }

// Floating marks err (nil stays nil) as the failure of a chart the bundle does not pin, which a
// retry may get past without a change to the bundle; IsFloating finds the mark. The controllers
// retry such a failure with a backoff instead of giving up on the commit.
func Floating(err error) error {
	if err == nil || IsFloating(err) {
		return err
	}
	return &floatingError{err: err}
}

// IsFloating reports whether err is marked by Floating.
func IsFloating(err error) bool {
	var f *floatingError
	return errors.As(err, &f)
}

// exactVersion matches a version that names one release: semantic versioning without a range.
var exactVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// PinnedDependency reports whether a chart dependency (its repository and version, as in a
// Chart.yaml) names one release: a file:// or charts/ dependency (no repository) is part of the
// chart; one from a chart repository or registry must be Pinned.
func PinnedDependency(repository, version string) bool {
	return repository == "" || strings.HasPrefix(repository, "file://") || Pinned(repository, version)
}

// Pinned reports whether a chart reference (helm.chart, helm.repo, helm.version; or a dependency's
// repository and version) names one release: an exact version, or an oci:// reference by digest.
// A chart that is not pinned may change while the bundle does not.
func Pinned(ref, version string) bool {
	return exactVersion.MatchString(strings.TrimSpace(version)) || (strings.HasPrefix(ref, "oci://") && strings.Contains(ref, "@sha256:"))
}
