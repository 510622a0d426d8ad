package bundlereader

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// FleetIgnoreFile is the name of the per-directory ignore file.
const FleetIgnoreFile = ".fleetignore"

// ignoreRules holds the .fleetignore patterns in effect for a directory: its own and its parents'
// (up to the bundle root). A pattern is a filepath.Match glob matched against the base name of a
// file or directory, or against its path relative to the directory holding the .fleetignore; a
// pattern ending in "/" matches directories only. Lines starting with "#" are comments.
type ignoreRules struct {
	rules []ignoreRule
}

type ignoreRule struct {
	dir     string // directory of the .fleetignore file
	pattern string
	dirOnly bool
}

// withDir returns the rules extended by dir's .fleetignore, if any.
func (r ignoreRules) withDir(dir string) (ignoreRules, error) {
	p := filepath.Join(dir, FleetIgnoreFile)
	data, over, err := readLimited(p, maxIgnoreFileSize)
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	if over != nil {
		return r, &TooLargeError{What: p, Size: over.size, AtLeast: over.atLeast, Limit: maxIgnoreFileSize, Budget: "a " + FleetIgnoreFile + " file"}
	}
	out := ignoreRules{rules: append([]ignoreRule(nil), r.rules...)}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule := ignoreRule{dir: dir, pattern: line}
		if strings.HasSuffix(line, "/") {
			rule.dirOnly = true
			rule.pattern = strings.TrimSuffix(line, "/")
		}
		rule.pattern = strings.TrimPrefix(rule.pattern, "/")
		out.rules = append(out.rules, rule)
	}
	return out, sc.Err()
}

// ignored reports whether path (a file or directory) is matched by a rule.
func (r ignoreRules) ignored(path string, isDir bool) bool {
	base := filepath.Base(path)
	for _, rule := range r.rules {
		if rule.dirOnly && !isDir {
			continue
		}
		if ok, _ := filepath.Match(rule.pattern, base); ok {
			return true
		}
		rel, err := filepath.Rel(rule.dir, path)
		if err != nil {
			continue
		}
		if ok, _ := filepath.Match(rule.pattern, filepath.ToSlash(rel)); ok {
			return true
		}
	}
	return false
}
