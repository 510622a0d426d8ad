package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// secret is the credential every case hides; no output may contain it.
const secret = "ghp_S3cr3tT0ken"

func TestURL(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"token as user", "https://" + secret + "@github.com/org/repo.git", "https://***@github.com/org/repo.git"},
		{"token as user, empty password", "https://" + secret + ":@github.com/org/repo", "https://***@github.com/org/repo"},
		{"token as user, GitHub's placeholder password", "https://" + secret + ":x-oauth-basic@github.com/org/repo",
			"https://***:***@github.com/org/repo"},
		{"token as password of a known login", "https://oauth2:" + secret + "@gitlab.com/org/repo", "https://oauth2:***@gitlab.com/org/repo"},
		{"known logins are case-insensitive", "oci://AWS:" + secret + "@123.dkr.ecr.eu-west-1.amazonaws.com/c",
			"oci://AWS:***@123.dkr.ecr.eu-west-1.amazonaws.com/c"},
		{"known login without password", "https://x-access-token@github.com/org/repo", "https://x-access-token@github.com/org/repo"},
		{"other user names are masked", "http://" + secret + ":" + secret + "@127.0.0.1:8080/charts", "http://***:***@127.0.0.1:8080/charts"},
		{"token in the query", "https://charts.example.com/index.yaml?private_token=" + secret + "&x=1",
			"https://charts.example.com/index.yaml?private_token=***&x=***"},
		{"token as a query key", "https://h/i?" + secret + "=&a=b", "https://h/i?***&a=***"},
		{"bare query item, anchor kept", "https://h/p?" + secret + "#frag", "https://h/p?***#frag"},
		{"token in the fragment", "https://h/cb#access_token=" + secret + "&token_type=bearer&readme",
			"https://h/cb#access_token=***&token_type=***&readme"},
		{"a question mark in the fragment", "https://h/p#x?sig=" + secret, "https://h/p#x?sig=***"},
		{"signed URL", "https://bucket.s3.amazonaws.com/c.tgz?X-Amz-Credential=AKIA&X-Amz-Signature=" + secret,
			"https://bucket.s3.amazonaws.com/c.tgz?X-Amz-Credential=***&X-Amz-Signature=***"},
		{"oci with user", "oci://" + secret + "@ghcr.io/org/chart", "oci://***@ghcr.io/org/chart"},
		{"oci digest is no user", "oci://ghcr.io/org/chart@sha256:0123abcd", "oci://ghcr.io/org/chart@sha256:0123abcd"},
		{"ssh user kept", "ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"},
		{"ssh account kept", "ssh://deploy@git.example.com/org/repo.git", "ssh://deploy@git.example.com/org/repo.git"},
		{"ssh password", "ssh://git:" + secret + "@github.com:22/org/repo.git", "ssh://git:***@github.com:22/org/repo.git"},
		{"ipv6 host", "https://" + secret + ":" + secret + "@[::1]:8443/r", "https://***:***@[::1]:8443/r"},
		{"ipv6 without user", "https://[::1]:8443/a@b", "https://[::1]:8443/a@b"},
		{"at sign in the path", "https://h:8443/~u@x/r", "https://h:8443/~u@x/r"},
		{"unescaped slash in the password", "https://u:ab/" + secret + "@h/r", "https://***:***@h/r"},
		{"password cut by a space", "https://" + secret + ":" + secret, "https://***:***"},
		{"scp-like kept", "git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"scp-like password", "git:" + secret + "@github.com:org/repo.git", "git:***@github.com:org/repo.git"},
		{"nothing to hide", "https://github.com/org/repo", "https://github.com/org/repo"},
		{"not a URL", "./charts/app", "./charts/app"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := URL(tt.in); got != tt.want {
				t.Fatalf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := URL(tt.want); got != tt.want {
				t.Fatalf("URL is not idempotent: URL(%q) = %q", tt.want, got)
			}
		})
	}
}

// TestURLHidesWhatRedactedShows: url.URL.Redacted keeps a token given as the user name; URL does not.
func TestURLHidesWhatRedactedShows(t *testing.T) {
	raw := "https://" + secret + "@github.com/org/repo"
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u.Redacted(), secret) {
		t.Fatalf("url.Redacted hides the user now (%s): this test's premise is gone", u.Redacted())
	}
	if strings.Contains(URL(raw), secret) {
		t.Fatalf("URL(%q) = %q shows the token", raw, URL(raw))
	}
}

func TestText(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"net/http error", `Get "https://` + secret + `@h/index.yaml": dial tcp 127.0.0.1:1: connect: connection refused`,
			`Get "https://***@h/index.yaml": dial tcp 127.0.0.1:1: connect: connection refused`},
		{"go-git error, trailing colon", "git https://" + secret + ":x-oauth-basic@h/r.git: authentication required",
			"git https://***:***@h/r.git: authentication required"},
		{"two URLs, query", "looks like https://h/c?token=" + secret + " is not https://oauth2:" + secret + "@b/.",
			"looks like https://h/c?token=*** is not https://oauth2:***@b/."},
		{"parse error", `parse "https://u:pa/` + secret + `@h/": invalid port ":pa" after host`,
			`parse "https://***:***@h/": invalid port ":pa" after host`},
		{"escaped quote in a quoted URL", `Get "https://u:pa\"ss` + secret + `@h/r": EOF`, `Get "https://***:***@h/r": EOF`},
		{"%q of a URL with a quote", fmt.Sprintf("repo %q matches nothing", "https://u:p\"w"+secret+"@h/r"),
			`repo "https://***:***@h/r" matches nothing`},
		{"scp-like in text", "fetching git:" + secret + "@example.com:org/repo: refused",
			"fetching git:***@example.com:org/repo: refused"},
		{"scp-like user kept", "fetching git@example.com:org/repo: refused", "fetching git@example.com:org/repo: refused"},
		{"times and ports are no credentials", "at 10:30 dial 127.0.0.1:8443", "at 10:30 dial 127.0.0.1:8443"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			if got != tt.want {
				t.Fatalf("Text(%q)\n= %q\nwant %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, secret) {
				t.Fatalf("Text leaks the secret: %q", got)
			}
		})
	}
}

// TestTextOfRealErrors redacts the messages the standard library itself makes of URLs with tokens.
func TestTextOfRealErrors(t *testing.T) {
	_, parseErr := url.Parse("https://u:pa ss" + secret + "@h/")
	req, err := http.NewRequest(http.MethodGet, "http://"+secret+"@127.0.0.1:1/index.yaml?sig="+secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, getErr := http.DefaultClient.Do(req)
	for _, err := range []error{parseErr, getErr} {
		if err == nil || !strings.Contains(err.Error(), secret) {
			t.Fatalf("the standard library hides the secret now (%v): this case proves nothing", err)
		}
		if got := Text(err.Error()); strings.Contains(got, secret) {
			t.Errorf("Text(%q) = %q leaks", err, got)
		}
	}
}

func TestError(t *testing.T) {
	if Error(nil) != nil {
		t.Fatal("Error(nil) is not nil")
	}
	plain := errors.New("no URL here")
	if Error(plain) != plain {
		t.Fatal("an error without credentials is not returned as is")
	}
	base := fmt.Errorf("pulling https://u:%s@h/c.tgz: %w", secret, fs.ErrNotExist)
	err := fmt.Errorf("chart: %w", Error(base))
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "https://***:***@h/c.tgz") {
		t.Fatalf("Error = %q", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the error chain is lost")
	}
}

// TestKnownLoginsStay: every well-known login keeps its name before a masked token.
func TestKnownLoginsStay(t *testing.T) {
	for login := range knownLogins {
		in := "https://" + login + ":" + secret + "@h/r"
		if got, want := URL(in), "https://"+login+":***@h/r"; got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}
