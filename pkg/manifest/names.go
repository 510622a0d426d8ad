package manifest

import (
	"crypto/md5" //nolint:gosec // Fleet's name suffixes are md5; not a security use.
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var (
	disallowedChars = regexp.MustCompile(`[^a-zA-Z0-9-]+`)
	multiDash       = regexp.MustCompile(`-+`)
)

// HelmReleaseName turns a path-like string ("<repo>/<path>") into a bundle or release name the way
// Fleet does ("/" becomes "-", then Fleet's names.HelmReleaseName): when the string has upper-case
// letters or characters outside [a-zA-Z0-9-] (a "." included), it is lower-cased, each run of such
// characters becomes "-" and an 8-hex md5 suffix of the original is added; dashes are collapsed and
// trimmed; an empty result becomes 24 hex digits; the result is limited to 53 characters with Limit.
func HelmReleaseName(str string) string {
	str = strings.ReplaceAll(str, "/", "-")
	orig := str
	needHex := str != strings.ToLower(str)
	str = strings.ToLower(str)
	if disallowedChars.MatchString(str) {
		needHex = true
		str = disallowedChars.ReplaceAllLiteralString(str, "-")
	}
	if needHex {
		str = str + "-" + Hex(orig, 8)
	}
	str = multiDash.ReplaceAllLiteralString(str, "-")
	str = strings.Trim(str, "-")
	if str == "" {
		str = Hex(orig, 24)
	}
	return Limit(str, v1alpha1.MaxHelmReleaseNameLen)
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

// KeyHash is Fleet's names.KeyHash: the first 12 hex digits of sha256 of the first 100 bytes of s.
func KeyHash(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

// SafeConcatName is Fleet's names.SafeConcatName: the parts joined by "-", and when that is 64
// characters or more, cut to 57 (56 when the 57th is not a lower-case letter or digit) with "-"
// and the first hex digits of its sha256 appended, 63 characters in all.
func SafeConcatName(parts ...string) string {
	full := strings.Join(parts, "-")
	if len(full) < 64 {
		return full
	}
	d := sha256.Sum256([]byte(full))
	sum := hex.EncodeToString(d[:])
	if c := full[56]; 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
		return full[:57] + "-" + sum[:5]
	}
	return full[:56] + "-" + sum[:6]
}

// ClusterNamespace is Fleet's namespace of a Cluster's BundleDeployments,
// SafeConcatName("cluster", namespace, name, KeyHash(namespace + "::" + name)), e.g.
// cluster-fleet-local-local-1a3d67d0a899.
func ClusterNamespace(namespace, name string) string {
	return SafeConcatName("cluster", namespace, name, KeyHash(namespace+"::"+name))
}
