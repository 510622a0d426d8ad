package manifest

import (
	"crypto/md5" //nolint:gosec // Fleet's name suffixes are md5; not a security use.
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var (
	disallowedChars = regexp.MustCompile(`[^a-z0-9.-]+`)
	multiDash       = regexp.MustCompile(`-+`)
	helmReleaseName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// HelmReleaseName turns a path-like string ("<repo>/<path>") into a bundle or release name the way
// Fleet's names.HelmReleaseName does: "/" becomes "-"; a name that is then a valid DNS-1123
// subdomain of at most 53 characters is kept; otherwise it is lower-cased, disallowed characters
// become "-", dashes are collapsed and trimmed, an 8-hex md5 suffix is added when characters were
// changed, and the result is limited to 53 characters with Limit.
func HelmReleaseName(str string) string {
	n := strings.ReplaceAll(str, "/", "-")
	if helmReleaseName.MatchString(n) && len(n) <= v1alpha1.MaxHelmReleaseNameLen {
		return n
	}
	orig := n
	n = strings.ToLower(n)
	n = disallowedChars.ReplaceAllLiteralString(n, "-")
	n = multiDash.ReplaceAllLiteralString(n, "-")
	n = strings.Trim(n, "-.")
	if n != orig {
		n = n + "-" + Hex(orig, 8)
		n = strings.TrimLeft(n, "-")
	}
	return Limit(n, v1alpha1.MaxHelmReleaseNameLen)
}

// Limit shortens s to at most count characters, replacing the tail by "-" and the first 5 hex
// digits of md5(s), as Fleet's names.Limit does. Strings shorter than count are returned as is.
func Limit(s string, count int) string {
	if len(s) <= count {
		return s
	}
	head := strings.TrimRight(s[:count-6], "-.")
	return head + "-" + Hex(s, 5)
}

// Hex returns the first n hex digits of md5(s).
func Hex(s string, n int) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // see import comment.
	d := hex.EncodeToString(sum[:])
	if n > len(d) {
		n = len(d)
	}
	return d[:n]
}
