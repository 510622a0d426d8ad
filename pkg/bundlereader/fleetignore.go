package bundlereader

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FleetIgnoreFile is the name of the per-directory ignore file.
const FleetIgnoreFile = ".fleetignore"

// ignoreBudget names the budget of the .fleetignore files in effect in a directory.
const ignoreBudget = "the " + FleetIgnoreFile + " files in effect in a directory (its own and its parents')"

// ignoreRules holds the .fleetignore patterns in effect for a directory: its own, and through
// parent its parents' (up to the bundle root), shared with every sibling rather than copied. A
// pattern is a filepath.Match glob matched against the base name of a file or directory, or
// against its path relative to the directory holding the .fleetignore; a pattern ending in "/"
// matches directories only. Lines starting with "#" are comments. The nil *ignoreRules has none.
type ignoreRules struct {
	parent *ignoreRules
	rules  []ignoreRule
	// size and count are the bytes and rules of the .fleetignore files in effect, parents
	// included: at most maxIgnoreSize and maxIgnoreRules.
	size  int64
	count int
}

type ignoreRule struct {
	dir     string // directory of the .fleetignore file
	pattern string
	dirOnly bool
}

func (r *ignoreRules) totals() (int64, int) {
	if r == nil {
		return 0, 0
	}
	return r.size, r.count
}

// withDir returns the rules in effect in dir: r extended by dir's .fleetignore, if any (r itself
// otherwise). Past maxIgnoreSize or maxIgnoreRules it fails with a *TooLargeError naming the file.
func (r *ignoreRules) withDir(dir string) (*ignoreRules, error) {
	p := filepath.Join(dir, FleetIgnoreFile)
	size, count := r.totals()
	data, err := ReadLimited(p, maxIgnoreSize-size)
	if os.IsNotExist(err) {
		return r, nil
	}
	var over *TooLargeError
	if errors.As(err, &over) {
		over.What, over.Limit, over.Budget = p, maxIgnoreSize, ignoreBudget
		if size > 0 {
			over.Size += size
			over.Detail = fmt.Sprintf("with the %s of the %s files above it", FormatSize(size), FleetIgnoreFile)
		}
		return nil, over
	}
	if err != nil {
		return nil, err
	}
	out := &ignoreRules{parent: r, size: size + int64(len(data)), count: count}
	for rest := data; len(rest) > 0; {
		var raw []byte
		raw, rest, _ = bytes.Cut(rest, []byte("\n"))
		line := strings.TrimSpace(string(raw))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if out.count++; out.count > maxIgnoreRules {
			e := &TooLargeError{What: p, Size: maxIgnoreRules, AtLeast: true, Unit: "rules", Limit: maxIgnoreRules, Budget: ignoreBudget}
			if count > 0 {
				e.Detail = fmt.Sprintf("with the %d rules of the %s files above it", count, FleetIgnoreFile)
			}
			return nil, e
		}
		rule := ignoreRule{dir: dir, pattern: line}
		if strings.HasSuffix(line, "/") {
			rule.dirOnly = true
			rule.pattern = strings.TrimSuffix(line, "/")
		}
		rule.pattern = strings.TrimPrefix(rule.pattern, "/")
		out.rules = append(out.rules, rule)
	}
	if len(out.rules) == 0 {
		return r, nil
	}
	return out, nil
}

// ignored reports whether path (a file or directory) is matched by a rule in effect.
func (r *ignoreRules) ignored(path string, isDir bool) bool {
	base := filepath.Base(path)
	for ; r != nil; r = r.parent {
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
	}
	return false
}
