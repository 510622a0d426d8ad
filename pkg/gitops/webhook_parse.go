package gitops

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// pushEvent is what a push notification says, whatever the provider sent it.
type pushEvent struct {
	// repoURLs are the repository's URLs as the payload gives them (clone, SSH, web).
	repoURLs []string
	// updates are the refs the push moved.
	updates []refUpdate
}

// refUpdate is one ref a push moved: ref is refs/heads/X or refs/tags/X, commit the new commit id
// ("" when the ref was deleted).
type refUpdate struct {
	ref    string
	commit string
}

// provider is one git host's dialect: which secret keys it reads, how it signs, how its push
// payload is shaped.
type provider struct {
	// name names the provider in logs and messages.
	name string
	// keys are the Secret data keys holding its secret, in the order they are looked up.
	keys []string
	// userKey, when set, is the Secret data key of the user name the request must also carry in
	// its basic authentication (Azure DevOps).
	userKey string
	// verify reports whether the request headers carry a valid signature (or token) of body.
	verify func(h http.Header, body, secret []byte) bool
	// parse reads a push payload.
	parse func(body []byte, contentType string) (pushEvent, error)
}

// Generic Secret keys, looked up after the provider's own key.
const (
	webhookKeyToken  = "token"
	webhookKeySecret = "secret"
)

func keys(provider ...string) []string {
	return append(provider, webhookKeyToken, webhookKeySecret)
}

var (
	providerGitHub = provider{name: "github", keys: keys("github"),
		verify: func(h http.Header, body, secret []byte) bool {
			return verifyHMAC(h.Get("X-Hub-Signature-256"), "sha256=", body, secret)
		},
		parse: parseGitHubStyle}
	providerGitea = provider{name: "gitea", keys: keys("gitea", "gogs"),
		verify: func(h http.Header, body, secret []byte) bool {
			if sig := h.Get("X-Gitea-Signature"); sig != "" {
				return verifyHMAC(sig, "", body, secret)
			}
			return verifyHMAC(h.Get("X-Hub-Signature-256"), "sha256=", body, secret)
		},
		parse: parseGitHubStyle}
	providerGogs = provider{name: "gogs", keys: keys("gogs"),
		verify: func(h http.Header, body, secret []byte) bool {
			return verifyHMAC(h.Get("X-Gogs-Signature"), "", body, secret)
		},
		parse: parseGitHubStyle}
	providerGitLab = provider{name: "gitlab", keys: keys("gitlab"),
		verify: func(h http.Header, _, secret []byte) bool {
			return verifyToken(h.Get("X-Gitlab-Token"), secret)
		},
		parse: parseGitLab}
	providerBitbucket = provider{name: "bitbucket", keys: keys("bitbucket"),
		verify: func(h http.Header, body, secret []byte) bool {
			return verifyHMAC(h.Get("X-Hub-Signature"), "sha256=", body, secret)
		},
		parse: parseBitbucketCloud}
	providerBitbucketServer = provider{name: "bitbucket-server", keys: keys("bitbucket-server"),
		verify: func(h http.Header, body, secret []byte) bool {
			return verifyHMAC(h.Get("X-Hub-Signature"), "sha256=", body, secret)
		},
		parse: parseBitbucketServer}
	// Azure DevOps service hooks sign nothing: the hook is given a user name and password for basic
	// authentication, which must be the Secret's azure-username and azure-password (as in Fleet).
	providerAzureDevOps = provider{name: "azure-devops", keys: keys("azure-password"), userKey: "azure-username",
		verify: func(h http.Header, _, secret []byte) bool {
			_, password, ok := basicAuth(h)
			return ok && verifyToken(password, secret)
		},
		parse: parseAzureDevOps}
)

// basicAuth returns the credentials of the request's basic authentication.
func basicAuth(h http.Header) (user, password string, ok bool) {
	return (&http.Request{Header: h}).BasicAuth()
}

// errPing is returned for a provider's ping: understood, nothing to do.
var errPing = errors.New("ping")

// detect finds the provider of a request from its event header. Gitea and Forgejo also send Gogs
// and GitHub headers, and Gogs sends GitHub-like ones, so the most specific header is looked at
// first. It returns errPing for a provider's ping, and a descriptive error for anything but a push.
func detect(h http.Header) (provider, error) {
	switch {
	case h.Get("X-Gitea-Event") != "" || h.Get("X-Forgejo-Event") != "":
		ev := h.Get("X-Gitea-Event")
		if ev == "" {
			ev = h.Get("X-Forgejo-Event")
		}
		return providerGitea, wantEvent("gitea", ev, "push")
	case h.Get("X-Gogs-Event") != "":
		return providerGogs, wantEvent("gogs", h.Get("X-Gogs-Event"), "push")
	case h.Get("X-GitHub-Event") != "":
		if h.Get("X-GitHub-Event") == "ping" {
			return providerGitHub, errPing
		}
		return providerGitHub, wantEvent("github", h.Get("X-GitHub-Event"), "push")
	case h.Get("X-Gitlab-Event") != "":
		return providerGitLab, wantEvent("gitlab", h.Get("X-Gitlab-Event"), "Push Hook", "Tag Push Hook")
	case h.Get("X-Vss-Activityid") != "" || h.Get("X-Vss-Subscriptionid") != "":
		return providerAzureDevOps, nil // the event type is in the payload (parseAzureDevOps)
	case h.Get("X-Event-Key") != "":
		switch ev := h.Get("X-Event-Key"); ev {
		case "repo:push":
			return providerBitbucket, nil
		case "repo:refs_changed":
			return providerBitbucketServer, nil
		case "diagnostics:ping":
			return providerBitbucketServer, errPing
		default:
			return provider{}, fmt.Errorf("bitbucket event %q is not handled: want repo:push (Bitbucket Cloud) or repo:refs_changed (Bitbucket Server)", truncate(ev))
		}
	}
	return provider{}, errors.New("unknown webhook: want a push event from GitHub (X-GitHub-Event), GitLab (X-Gitlab-Event), " +
		"Bitbucket (X-Event-Key), Gitea (X-Gitea-Event), Gogs (X-Gogs-Event) or Azure DevOps (X-Vss-Activityid)")
}

func wantEvent(provider, got string, want ...string) error {
	for _, w := range want {
		if got == w {
			return nil
		}
	}
	return fmt.Errorf("%s event %q is not handled: want %s", provider, truncate(got), strings.Join(want, " or "))
}

// truncate shortens what a client sent before it is echoed in a message.
func truncate(s string) string {
	const n = 64
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// verifyHMAC reports whether sig is prefix + the hex HMAC-SHA256 of body keyed with secret. The
// comparison is constant-time; an empty secret never verifies.
func verifyHMAC(sig, prefix string, body, secret []byte) bool {
	if len(secret) == 0 || !strings.HasPrefix(sig, prefix) {
		return false
	}
	got, err := hex.DecodeString(strings.TrimPrefix(sig, prefix))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), got)
}

// verifyToken reports whether token equals secret (GitLab sends the secret itself). Both are hashed
// first so the comparison takes the same time whatever their lengths.
func verifyToken(token string, secret []byte) bool {
	if len(secret) == 0 || token == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(token)), sha256.Sum256(secret)
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
