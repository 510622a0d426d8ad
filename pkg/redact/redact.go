// Package redact hides credentials in the URLs and messages that the sync loop writes to status,
// events and logs: the password of a URL, the user name of a URL whose user is a token, every value
// of a query string, and the password of an scp-like git address. It is a leaf: every package of
// the data flow (bundlereader, gitops, helmops) may import it.
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
//   - scheme://user:password@host → scheme://user:***@host (the user name of a password is kept: it
//     is a login such as oauth2 or x-access-token);
//   - scheme://token@host and scheme://token:@host → scheme://***@host, except for ssh, whose user
//     (git) is a login, not a secret;
//   - ?key=value&bare → ?key=***&*** (signed URLs and private_token carry credentials in the query);
//   - user:password@host:path (scp-like git) → user:***@host:path; user@host:path is kept.
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

// authority redacts what follows "scheme://": the user information, then the query.
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
				return rest[:c+1] + Mask + query(rest[end:])
			}
		}
	}
	if at < 0 {
		return rest[:end] + query(rest[end:])
	}
	host := rest[at+1:]
	return userinfo(scheme, rest[:at]) + "@" + query(host)
}

// userinfo redacts "user[:password]".
func userinfo(scheme, info string) string {
	user, password, hasPassword := strings.Cut(info, ":")
	switch {
	case hasPassword && (password != "" || sshScheme(scheme)):
		return user + ":" + Mask
	case sshScheme(scheme):
		return user
	default:
		return Mask
	}
}

func sshScheme(scheme string) bool {
	return scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git"
}

// query masks every value of the query string in s (a URL from its host or path on); the fragment
// is kept.
func query(s string) string {
	q := strings.IndexByte(s, '?')
	if q < 0 {
		return s
	}
	end := len(s)
	if h := strings.IndexByte(s[q:], '#'); h >= 0 {
		end = q + h
	}
	parts := strings.Split(s[q+1:end], "&")
	for i, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok {
			if v != "" {
				parts[i] = k + "=" + Mask
			}
		} else if p != "" {
			parts[i] = Mask
		}
	}
	return s[:q+1] + strings.Join(parts, "&") + s[end:]
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

// urlRE finds URLs in free text; a URL ends at white space, a quote or an angle bracket.
var urlRE = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]+")

// textSCPLikeRE finds scp-like addresses with a password in free text.
var textSCPLikeRE = regexp.MustCompile(`(^|[\s"'(\[<=])([^\s@:/"'(\[<=]+):([^\s@/"']*)@([^\s:/"']+):`)

// quotedURLRE finds a URL in double quotes, as Go's url.Error quotes it: the quotes bound it even
// when a malformed password holds a space.
var quotedURLRE = regexp.MustCompile(`"[A-Za-z][A-Za-z0-9+.-]*://[^"]*"`)

// Text returns s with every URL in it redacted as URL does (and the passwords of scp-like git
// addresses), for messages that quote URLs: errors of git, Helm and net/http. An unquoted URL ends
// at white space, so of a malformed password holding a space only the part before it is masked.
func Text(s string) string {
	s = quotedURLRE.ReplaceAllStringFunc(s, func(q string) string { return `"` + URL(q[1:len(q)-1]) + `"` })
	s = urlRE.ReplaceAllStringFunc(s, func(u string) string {
		trimmed := strings.TrimRight(u, ".,;:!)]}")
		return URL(trimmed) + u[len(trimmed):]
	})
	return textSCPLikeRE.ReplaceAllString(s, "$1$2:"+Mask+"@$4:")
}

// Error returns err with its message redacted by Text (nil for nil). errors.Is and errors.As still
// see err and its chain.
func Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := Text(msg); red != msg {
		return &redacted{msg: red, err: err}
	}
	return err
}

// redacted shows a redacted message and keeps the error chain.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
