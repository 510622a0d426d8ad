package helmchart

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/redact"
)

// CredentialsByPathKey is the name of Fleet's file (and Secret key) of per-path Helm credentials.
const CredentialsByPathKey = "secrets-path.yaml"

// Credentials decide which credentials the remote chart of a bundle gets: All for every bundle, or
// ByPath per bundle path (it wins when set, as in Fleet), and only for chart URLs that URLRegex
// matches. The content of a repository chooses the chart URLs, so without that rule whoever can
// push a fleet.yaml could have the credentials sent to a server of their own; callers refuse
// credentials without a regex. Use Fetcher.Auth = c.AuthFunc(root).
type Credentials struct {
	URLRegex *regexp.Regexp
	All      *Auth
	// ByPath maps a bundle path relative to the repository root (slash-separated, no "./" or
	// trailing slash: see CleanBundlePath), or a path.Match pattern, to its credential. Exact
	// paths are tried first, then patterns in sorted order; a bundle without an entry gets none.
	ByPath map[string]*Auth

	mu sync.Mutex
	// withheld are chart URLs a bundle had credentials for that URLRegex does not match.
	withheld []string
}

// credentialEntry is one entry of a secrets-path.yaml.
type credentialEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// CABundle is base64-encoded PEM in the YAML.
	CABundle           []byte `json:"caBundle,omitempty"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify,omitempty"`
	// SSHPrivateKey is accepted for Fleet compatibility and unused: charts from git (go-getter's
	// git::) are not supported.
	SSHPrivateKey []byte `json:"sshPrivateKey,omitempty"`
}

// ParseCredentialsByPath reads a secrets-path.yaml: a map from bundle path to {username, password,
// caBundle, insecureSkipVerify, sshPrivateKey}. Unknown keys are errors. Errors name the entry,
// never a value.
func ParseCredentialsByPath(data []byte) (map[string]*Auth, error) {
	var entries map[string]credentialEntry
	if err := yaml.UnmarshalStrict(data, &entries); err != nil {
		return nil, err
	}
	out := make(map[string]*Auth, len(entries))
	for p, e := range entries {
		key := CleanBundlePath(p)
		if _, err := path.Match(key, ""); err != nil {
			return nil, fmt.Errorf("entry %q is not a valid path pattern: %w", p, err)
		}
		a := &Auth{Username: e.Username, Password: e.Password, CABundle: e.CABundle, InsecureSkipTLSVerify: e.InsecureSkipVerify}
		if err := a.Validate(); err != nil {
			return nil, fmt.Errorf("entry %q: caBundle: %w", p, err)
		}
		out[key] = a
	}
	return out, nil
}

// CleanBundlePath is a bundle path relative to the repository root, slash-separated, without "./"
// or a trailing slash.
func CleanBundlePath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(p)), "/")
}

// ForBundle returns the credential for the bundle at path rel (relative to the repository root).
func (c *Credentials) ForBundle(rel string) *Auth {
	if c.ByPath == nil {
		return c.All
	}
	rel = CleanBundlePath(rel)
	if a, ok := c.ByPath[rel]; ok {
		return a
	}
	patterns := make([]string, 0, len(c.ByPath))
	for p := range c.ByPath {
		patterns = append(patterns, p)
	}
	slices.Sort(patterns)
	for _, p := range patterns {
		if ok, _ := path.Match(p, rel); ok {
			return c.ByPath[p]
		}
	}
	return nil
}

// AuthFunc is the Fetcher.Auth for a repository checked out in root.
func (c *Credentials) AuthFunc(root string) func(bundleDir, url string) *Auth {
	return func(bundleDir, url string) *Auth {
		rel, err := filepath.Rel(root, bundleDir)
		if err != nil {
			return nil
		}
		a := c.ForBundle(rel)
		if a == nil {
			return nil
		}
		if !c.allows(url) {
			c.mu.Lock()
			c.withheld = append(c.withheld, redact.URL(url))
			c.mu.Unlock()
			return nil
		}
		return a
	}
}

// allows reports whether credentials may go to raw: an absolute URL (or oci:// reference) without
// user info whose path does not climb with ".." (nor an escaped dot: Helm and the server could
// resolve it differently from the regex), which URLRegex matches from its first character through
// the end of the host (so "https://charts\.example\.com" does not admit
// https://charts.example.com.evil.net/, and "charts\.example\.com" does not admit
// https://evil/?charts.example.com).
func (c *Credentials) allows(raw string) bool {
	if c.URLRegex == nil {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	if strings.Contains(strings.ToLower(u.EscapedPath()), "%2e") || slices.Contains(strings.Split(u.Path, "/"), "..") {
		return false
	}
	origin := u.Scheme + "://" + u.Host
	if !strings.HasPrefix(raw, origin) {
		return false
	}
	loc := c.URLRegex.FindStringIndex(raw)
	return loc != nil && loc[0] == 0 && loc[1] >= len(origin)
}

// Explain adds to the message of a failed chart download which credentials were withheld because
// the URL regex (named regexName in the message) did not match.
func (c *Credentials) Explain(msg, regexName string) string {
	if c == nil {
		return msg
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.withheld) == 0 {
		return msg
	}
	return fmt.Sprintf("%s (Helm credentials were not sent to %s: %s does not match it from the start through the host; URLs with user info or \"..\" get none)",
		msg, strings.Join(slices.Compact(slices.Sorted(slices.Values(c.withheld))), ", "), regexName)
}
