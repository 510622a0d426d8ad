package helmops

import (
	"errors"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

func TestResolveVersion(t *testing.T) {
	published := []string{"0.9.0", "1.0.0", "1.0.1", "1.1.0", "1.2.0-rc.1", "2.0.0", "2.1.0-beta.1", "not-a-version", "1.3"}
	tests := []struct {
		name       string
		constraint string
		versions   []string
		want       string
		wantErr    error
	}{
		{name: "empty is the latest stable", want: "2.0.0"},
		{name: "star is the latest stable", constraint: "*", want: "2.0.0"},
		{name: "caret", constraint: "^1.0.0", want: "1.1.0"},
		{name: "tilde minor", constraint: "~1.0", want: "1.0.1"},
		{name: "tilde major", constraint: "~1", want: "1.1.0"},
		{name: "range", constraint: ">=1 <2", want: "1.1.0"},
		{name: "wildcard", constraint: "1.0.x", want: "1.0.1"},
		{name: "exact", constraint: "1.0.0", want: "1.0.0"},
		{name: "exact with v prefix", constraint: "v1.0.0", want: "1.0.0"},
		{name: "constraint with v prefix", constraint: "^v1.0.0", want: "1.1.0"},
		{name: "prerelease excluded by a plain constraint", constraint: ">=1.1.0 <1.3.0", want: "1.1.0"},
		{name: "prerelease included when asked", constraint: ">=1.2.0-0 <1.3.0", want: "1.2.0-rc.1"},
		{name: "prerelease of a major included when asked", constraint: "^2.1.0-0", want: "2.1.0-beta.1"},
		{name: "non-strict published versions are ignored", constraint: "~1.3", wantErr: ErrNoVersionMatches},
		{name: "nothing matches", constraint: "^3", wantErr: ErrNoVersionMatches},
		{name: "no versions", constraint: "", versions: []string{}, wantErr: ErrNoVersionMatches},
		{name: "bad constraint", constraint: "one point two", wantErr: ErrInvalidConstraint},
		{name: "published v prefix kept", constraint: "~1.0", versions: []string{"v1.0.0", "v1.0.1", "v2.0.0"}, want: "v1.0.1"},
		{name: "v twin: the one without v", constraint: "1.0.0", versions: []string{"v1.0.0", "1.0.0"}, want: "1.0.0"},
		{name: "build metadata is not precedence", constraint: "1.0.0", versions: []string{"1.0.0+b", "1.0.0+a"}, want: "1.0.0+a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			versions := tt.versions
			if versions == nil {
				versions = published
			}
			got, err := ResolveVersion(tt.constraint, versions)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ResolveVersion(%q) = %q, %v; want error %v", tt.constraint, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveVersion(%q) = %q, %v; want %q", tt.constraint, got, err, tt.want)
			}
		})
	}
}

// FuzzResolveVersion: whatever the constraint and the published versions, the answer is one of the
// published versions, strict after dropping a "v", and satisfies the constraint; errors keep
// their identity.
func FuzzResolveVersion(f *testing.F) {
	f.Add("~1.0", "1.0.1", "v1.0.2")
	f.Add("", "2.0.0-rc.1", "1.9.9")
	f.Add(">=1 <2", "1.5.0+build", "not-a-version")
	f.Add("^v1.x", "v1.0.0", "1.0")
	f.Fuzz(func(t *testing.T, constraint, a, b string) {
		got, err := ResolveVersion(constraint, []string{a, b})
		if err != nil {
			if !errors.Is(err, ErrInvalidConstraint) && !errors.Is(err, ErrNoVersionMatches) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if got != a && got != b {
			t.Fatalf("ResolveVersion(%q, %q, %q) = %q, not a published version", constraint, a, b, got)
		}
		v, err := semver.StrictNewVersion(strings.TrimPrefix(got, "v"))
		if err != nil {
			t.Fatalf("the answer %q is not strict: %v", got, err)
		}
		c := strings.TrimSpace(constraint)
		if c == "" {
			c = "*"
		}
		if cons, err := semver.NewConstraint(c); err != nil || !cons.Check(v) {
			t.Fatalf("the answer %q does not satisfy %q (%v)", got, constraint, err)
		}
	})
}
