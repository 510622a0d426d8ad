package helmops

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Errors of ResolveVersion; test them with errors.Is.
var (
	// ErrInvalidConstraint: spec.helm.version is neither a version nor a semver constraint.
	ErrInvalidConstraint = errors.New("invalid version constraint")
	// ErrNoVersionMatches: no published version satisfies the constraint.
	ErrNoVersionMatches = errors.New("no version matches")
)

// ResolveVersion returns the highest of versions that satisfies constraint, as it was published
// (so that the agent finds it again: "v1.2.3" stays "v1.2.3").
//
// constraint is a Masterminds semver constraint ("^1.2.0", "~1", ">=1 <2", "1.2.x"), an exact
// version, or empty (or "*") for the latest stable version. A "v" prefix is tolerated on both
// sides (Fleet #3953). Pre-releases are considered only when the constraint itself names one
// ("^2.0.0-0", ">=1.0.0-rc.1"), as in Helm. Published versions that are not strict semver (after
// dropping a "v") are ignored: the Bundle must get a strict version.
func ResolveVersion(constraint string, versions []string) (string, error) {
	c := strings.TrimSpace(constraint)
	if c == "" {
		c = "*"
	}
	cons, err := semver.NewConstraint(c)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrInvalidConstraint, constraint, err)
	}
	var best *semver.Version
	bestRaw := ""
	for _, raw := range versions {
		v, err := semver.StrictNewVersion(strings.TrimPrefix(raw, "v"))
		if err != nil || !cons.Check(v) {
			continue
		}
		// Equal precedence (a "v" twin, build metadata): the smaller string wins, so the
		// answer does not depend on the order of the index.
		if best == nil || v.GreaterThan(best) || (v.Equal(best) && raw < bestRaw) {
			best, bestRaw = v, raw
		}
	}
	if best == nil {
		return "", fmt.Errorf("%w %q among %d published versions", ErrNoVersionMatches, displayConstraint(constraint), len(versions))
	}
	return bestRaw, nil
}

func displayConstraint(c string) string {
	if strings.TrimSpace(c) == "" {
		return "latest stable"
	}
	return c
}
