package bundlereader

import (
	"fmt"
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
