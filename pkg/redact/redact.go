// Package redact hides credentials in the URLs and messages that the sync loop writes to status,
// events and logs: the password of a URL, its user name unless that is a well-known login (or the
// URL is SSH), every value of its query string and of its fragment's key=value items, and the
// password of an scp-like git address. It is a leaf: every package of the data flow (bundlereader,
// gitops, helmops, policy) may import it.
//
// The rewriting is textual, so a message keeps every other byte of what it quoted (url.Parse and
// String would re-escape paths), and it also covers URLs that do not parse, as parse errors quote
// them.
package redact

import (
	"regexp"
	"strings"
)

// Mask replaces every credential.
const Mask = "***"

// URL returns raw with its credentials replaced by Mask:
//
//   - scheme://user:password@host → scheme://***:***@host, and scheme://user@host →
//     scheme://***@host: a user name is a secret too (GitHub takes a token as the user name with any
//     password, `https://<token>:x-oauth-basic@github.com/…`), unless it is one of the well-known
//     logins that token-based hosts and registries expect with a token as the password (oauth2,
//     x-access-token, gitlab-ci-token, …; see knownLogins), which stay: oauth2:***@;
//   - ssh keeps its user (git, or an account name; SSH authenticates with keys): ssh://git@host,
//     ssh://git:***@host;
//   - ?key=value&bare → ?key=***&*** (signed URLs and private_token carry credentials in the
//     query); an item with an empty value is masked whole (?***), as its key may be the secret;
//   - #key=value → #key=*** (OAuth's implicit flow puts access_token there); a fragment item
//     without "=" (an anchor, #readme) stays;
//   - user:password@host:path (scp-like git, that is SSH) → user:***@host:path; user@host:path is kept.
//
// Anything else is returned unchanged.
func URL(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return scpLike(raw)
	}
	scheme, rest := raw[:i], raw[i+3:]
	return raw[:i+3] + authority(strings.ToLower(scheme), rest)
}

// authority redacts what follows "scheme://": the user information, then the query and fragment.
func authority(scheme, rest string) string {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 && !strings.HasPrefix(rest, "[") {
		if c := strings.IndexByte(rest[:end], ':'); c >= 0 && !digits(rest[c+1:end]) {
			// Not a port: a password with an unescaped "/", "?", "#" or space, as in the message of
			// a parse error. Mask up to the "@" that ends it, or the whole would-be port.
			if j := strings.IndexByte(rest[end:], '@'); j >= 0 {
				at = end + j
			} else {
				return userinfo(scheme, rest[:end]) + tail(rest[end:])
			}
		}
	}
	if at < 0 {
		return rest[:end] + tail(rest[end:])
	}
	host := rest[at+1:]
	return userinfo(scheme, rest[:at]) + "@" + tail(host)
}

// userinfo redacts "user[:password]": the password always, the user name unless the scheme is ssh
// or it is a known login.
func userinfo(scheme, info string) string {
	user, password, hasPassword := strings.Cut(info, ":")
	shown := Mask
	if sshScheme(scheme) || knownLogin(user) {
		shown = user
	}
	if hasPassword && (password != "" || sshScheme(scheme)) {
		return shown + ":" + Mask
	}
	return shown
}

func sshScheme(scheme string) bool {
	return scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git"
}

// tail redacts the rest of a URL from its host or path on: the values of the query, and the
// values of the fragment's key=value items.
func tail(s string) string {
	frag := ""
	if h := strings.IndexByte(s, '#'); h >= 0 {
		s, frag = s[:h], s[h:]
	}
	if q := strings.IndexByte(s, '?'); q >= 0 {
		s = s[:q+1] + items(s[q+1:], true)
	}
	if frag != "" {
		frag = "#" + items(frag[1:], false)
	}
	return s + frag
}

// items masks the values of the "&"-separated items of a query or fragment; an item without a
// value is masked whole, and so is one without "=" when bare is set (a query's; a fragment's bare
// item is an anchor).
func items(s string, bare bool) string {
	parts := strings.Split(s, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case p == "" || p == Mask:
		case ok && v != "":
			parts[i] = k + "=" + Mask
		case ok || bare:
			parts[i] = Mask
		}
	}
	return strings.Join(parts, "&")
}

// scpLikeRE is git's user@host:path address with a password in the user part.
var scpLikeRE = regexp.MustCompile(`^([^\s@:/]+):([^\s@/]*)@([^\s:/]+):`)

// scpLike masks the password of user:password@host:path.
func scpLike(raw string) string {
	return scpLikeRE.ReplaceAllString(raw, "$1:"+Mask+"@$3:")
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
