package redact

import (
	"regexp"
	"strings"
)

// urlRE finds URLs in free text; a URL ends at white space, a quote or an angle bracket.
var urlRE = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]+")

// textSCPLikeRE finds scp-like addresses with a password in free text.
var textSCPLikeRE = regexp.MustCompile(`(^|[\s"'(\[<=])([^\s@:/"'(\[<=]+):([^\s@/"']*)@([^\s:/"']+):`)

// quotedURLRE finds a URL in double quotes, as Go's url.Error and %q quote it: the quotes bound it
// even when a malformed password holds a space, and an escaped quote (\") inside does not end it.
var quotedURLRE = regexp.MustCompile(`"[A-Za-z][A-Za-z0-9+.-]*://(?:[^"\\]|\\.)*"`)

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
