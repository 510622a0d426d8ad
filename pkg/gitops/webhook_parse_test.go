package gitops

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixture reads testdata/webhooks/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hmacHex(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// signed returns the headers a provider sends for body with secret ("" for none).
func signed(providerName, secret string, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	switch providerName {
	case "github":
		h.Set("X-GitHub-Event", "push")
		if secret != "" {
			h.Set("X-Hub-Signature-256", "sha256="+hmacHex(secret, body))
		}
	case "gitlab":
		h.Set("X-Gitlab-Event", "Push Hook")
		if secret != "" {
			h.Set("X-Gitlab-Token", secret)
		}
	case "gitlab-tag":
		h.Set("X-Gitlab-Event", "Tag Push Hook")
		if secret != "" {
			h.Set("X-Gitlab-Token", secret)
		}
	case "bitbucket":
		h.Set("X-Event-Key", "repo:push")
		h.Set("X-Hook-UUID", "9c1c7a46-7cf8-4b9b-a8c5-5e8f4a8c1e2d")
		if secret != "" {
			h.Set("X-Hub-Signature", "sha256="+hmacHex(secret, body))
		}
	case "bitbucket-server":
		h.Set("X-Event-Key", "repo:refs_changed")
		h.Set("X-Request-Id", "0b6f1e3c-3f0e-4d8e-9a3e-6c1c1d2e3f40")
		if secret != "" {
			h.Set("X-Hub-Signature", "sha256="+hmacHex(secret, body))
		}
	case "gitea":
		// Gitea sends its own headers and Gogs' and GitHub's too.
		h.Set("X-Gitea-Event", "push")
		h.Set("X-Gogs-Event", "push")
		h.Set("X-GitHub-Event", "push")
		if secret != "" {
			h.Set("X-Gitea-Signature", hmacHex(secret, body))
			h.Set("X-Gogs-Signature", hmacHex(secret, body))
			h.Set("X-Hub-Signature-256", "sha256="+hmacHex(secret, body))
		}
	case "gogs":
		h.Set("X-Gogs-Event", "push")
		if secret != "" {
			h.Set("X-Gogs-Signature", hmacHex(secret, body))
		}
	case "azure-devops":
		// Azure DevOps signs nothing: the service hook sends the user name and password it was given.
		h.Set("X-Vss-Activityid", "5d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6")
		h.Set("X-Vss-Subscriptionid", "7c2d4f1e-3a5b-4c6d-8e9f-0a1b2c3d4e5f")
		if secret != "" {
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(azureHookUser+":"+secret)))
		}
	}
	return h
}

// azureHookUser is the user name of the Azure DevOps service hook in these tests.
const azureHookUser = "fleet-hook"

func TestParsePushPayloads(t *testing.T) {
	tests := []struct {
		name     string
		provider string // headers as signed() builds them
		file     string
		wantName string // provider detected
		wantRepo string // normalized key the payload must name
		want     []refUpdate
	}{
		{"github", "github", "github-push.json", "github", "github.com/example-org/fleet-examples",
			[]refUpdate{{"refs/heads/main", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}}},
		{"gitlab push", "gitlab", "gitlab-push.json", "gitlab", "gitlab.example.com/platform/apps/fleet-examples",
			[]refUpdate{{"refs/heads/main", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}}},
		{"gitlab annotated tag: the commit, not the tag object", "gitlab-tag", "gitlab-tag-push.json", "gitlab", "gitlab.example.com/platform/apps/fleet-examples",
			[]refUpdate{{"refs/tags/v1.2.0", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}}},
		{"bitbucket cloud", "bitbucket", "bitbucket-cloud-push.json", "bitbucket", "bitbucket.org/example-team/fleet-examples",
			[]refUpdate{{"refs/heads/main", "3e2d6c54b9f1a0e8c7b6a5d4c3b2a1f0e9d8c7b6"}}},
		{"bitbucket server, two refs", "bitbucket-server", "bitbucket-server-refs-changed.json", "bitbucket-server", "bitbucket.example.com/plat/fleet-examples",
			[]refUpdate{{"refs/heads/release", "178864a7d521b6f5e720b386b2c2b0ef8563e0dc"}, {"refs/heads/main", "a00945762949b7787ecabc388c0e20b1b85f0b4b"}}},
		{"gitea (also sends gogs and github headers)", "gitea", "gitea-push.json", "gitea", "gitea.example.com/ops/fleet-examples",
			[]refUpdate{{"refs/heads/main", "bffeb74224043ba2feb48d137756c8a9331c449a"}}},
		{"gogs", "gogs", "gogs-push.json", "gogs", "gogs.example.com/legacy/fleet-examples",
			[]refUpdate{{"refs/heads/master", "51eb23ccde58bc9cbd3be8b2a9d3b7af9ea3b65e"}}},
		{"azure devops", "azure-devops", "azure-devops-push.json", "azure-devops", "dev.azure.com/fleet-org/platform/_git/fleet-examples",
			[]refUpdate{{"refs/heads/main", "9b3f6e0c2d1a4b5c6d7e8f90a1b2c3d4e5f60718"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fixture(t, tt.file)
			h := signed(tt.provider, "s3cret", body)
			p, err := detect(h)
			if err != nil {
				t.Fatalf("detect: %v", err)
			}
			if p.name != tt.wantName {
				t.Fatalf("provider = %s, want %s", p.name, tt.wantName)
			}
			ev, err := p.parse(body, h.Get("Content-Type"))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var keys []string
			for _, u := range ev.repoURLs {
				keys = append(keys, normalizeRepoURL(u))
			}
			if !slices.Contains(keys, tt.wantRepo) {
				t.Fatalf("repository keys %v, want one to be %s", keys, tt.wantRepo)
			}
			if !slices.Equal(ev.updates, tt.want) {
				t.Fatalf("updates = %+v, want %+v", ev.updates, tt.want)
			}
			if !p.verify(h, body, []byte("s3cret")) {
				t.Fatal("a correctly signed request is not verified")
			}
			if p.verify(h, body, []byte("other")) {
				t.Fatal("verified with the wrong secret")
			}
			if p.verify(signed(tt.provider, "", body), body, []byte("s3cret")) {
				t.Fatal("verified without a signature")
			}
			if p.name != "gitlab" && p.name != "azure-devops" { // they send a token or password, not a signature of the body
				tampered := append([]byte(nil), body...)
				tampered[len(tampered)-2] = ' '
				if p.verify(h, tampered, []byte("s3cret")) {
					t.Fatal("verified a body that is not the signed one")
				}
			}
		})
	}
}

func TestParseDeletedRefsAndForms(t *testing.T) {
	body := []byte(`{"ref":"refs/heads/old","after":"0000000000000000000000000000000000000000","repository":{"clone_url":"https://github.com/o/r.git"}}`)
	ev, err := parseGitHubStyle(body, "application/json")
	if err != nil || ev.updates[0].commit != "" {
		t.Fatalf("a deleted branch: %+v, %v; want an update without commit", ev, err)
	}
	form := []byte("payload=" + url.QueryEscape(string(fixture(t, "github-push.json"))))
	ev, err = parseGitHubStyle(form, "application/x-www-form-urlencoded")
	if err != nil || ev.updates[0].commit != "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c" {
		t.Fatalf("GitHub's form encoding: %+v, %v", ev, err)
	}
	bb := []byte(`{"repository":{"links":{"html":{"href":"https://bitbucket.org/t/r"}}},"push":{"changes":[{"old":{"type":"tag","name":"v1","target":{"hash":"3e2d6c54b9f1a0e8c7b6a5d4c3b2a1f0e9d8c7b6"}},"new":null,"closed":true}]}}`)
	ev, err = parseBitbucketCloud(bb, "")
	if err != nil || !slices.Equal(ev.updates, []refUpdate{{ref: "refs/tags/v1"}}) {
		t.Fatalf("a deleted Bitbucket tag: %+v, %v", ev, err)
	}
}

func TestDetectAndMalformed(t *testing.T) {
	for _, tt := range []struct {
		name   string
		header [2]string
		ping   bool
	}{
		{"github ping", [2]string{"X-GitHub-Event", "ping"}, true},
		{"bitbucket server ping", [2]string{"X-Event-Key", "diagnostics:ping"}, true},
		{"github pull request", [2]string{"X-GitHub-Event", "pull_request"}, false},
		{"gitlab merge request", [2]string{"X-Gitlab-Event", "Merge Request Hook"}, false},
		{"bitbucket pr", [2]string{"X-Event-Key", "pullrequest:created"}, false},
		{"no event header", [2]string{"X-Anything", "push"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.header[0], tt.header[1])
			_, err := detect(h)
			if tt.ping != (err == errPing) || err == nil {
				t.Fatalf("detect = %v, ping %v", err, tt.ping)
			}
		})
	}
	for _, body := range []string{
		`not json`,
		`{"ref":"refs/heads/main","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","repository":{}}`,                             // no URL
		`{"ref":"main","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","repository":{"clone_url":"https://h/o/r"}}`,             // not a ref
		`{"ref":"refs/heads/main","after":"; rm -rf /","repository":{"clone_url":"https://h/o/r"}}`,                                // not a commit
		`{"ref":"refs/pull/1/head","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","repository":{"clone_url":"https://h/o/r"}}`, // not a branch or tag
	} {
		if _, err := parseGitHubStyle([]byte(body), "application/json"); err == nil {
			t.Errorf("parse(%s) succeeded, want an error", body)
		}
	}
}

func TestNormalizeRepoURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://github.com/rancher/fleet-examples", "github.com/rancher/fleet-examples"},
		{"https://github.com/rancher/fleet-examples.git", "github.com/rancher/fleet-examples"},
		{"https://github.com/rancher/fleet-examples/", "github.com/rancher/fleet-examples"},
		{"https://GitHub.com/Rancher/Fleet-Examples.git/", "github.com/rancher/fleet-examples"},
		{"https://user:p4ss@github.com:443/rancher/fleet-examples.git", "github.com/rancher/fleet-examples"},
		{"http://127.0.0.1:8080/repo.git", "127.0.0.1/repo"},
		{"git://github.com/rancher/fleet-examples.git", "github.com/rancher/fleet-examples"},
		{"ssh://git@github.com/rancher/fleet-examples.git", "github.com/rancher/fleet-examples"},
		{"ssh://git@bitbucket.example.com:7999/plat/fleet-examples.git", "bitbucket.example.com/plat/fleet-examples"},
		{"git@github.com:rancher/fleet-examples.git", "github.com/rancher/fleet-examples"},
		{"github.com:rancher/fleet-examples", "github.com/rancher/fleet-examples"},
		{"git@gitlab.example.com:platform/apps/fleet-examples.git", "gitlab.example.com/platform/apps/fleet-examples"},
		{"", ""},
		{"file:///srv/git/repo.git", ""},
		{"/srv/git/repo.git", ""},
		{"https://github.com/", ""},
		{"https://github.com/.git", ""},
	} {
		if got := normalizeRepoURL(tt.in); got != tt.want {
			t.Errorf("normalizeRepoURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVerifyRefusesEmptySecretsAndBadEncodings(t *testing.T) {
	body := []byte(`{}`)
	if verifyHMAC("sha256="+hmacHex("", body), "sha256=", body, nil) {
		t.Fatal("an empty secret verified (anyone can compute its HMAC)")
	}
	if verifyToken("", nil) || verifyToken("x", nil) {
		t.Fatal("an empty token or secret verified")
	}
	for _, sig := range []string{"", "sha256=", "sha256=zz", "sha1=" + hmacHex("k", body), hmacHex("k", body)} {
		if verifyHMAC(sig, "sha256=", body, []byte("k")) {
			t.Errorf("signature %q verified", sig)
		}
	}
	if got := webhookSecretValue(map[string][]byte{"github": []byte("\n"), "token": []byte("tok\n"), "secret": []byte("x")}, providerGitHub.keys); string(got) != "tok" {
		t.Fatalf("secret value = %q; want the first non-empty key without its line break", got)
	}
}

// FuzzWebhookPayload feeds arbitrary bodies to every provider's parser. Whatever a parse accepts
// must hold only branch or tag refs and commit ids, and name a repository.
func FuzzWebhookPayload(f *testing.F) {
	for _, name := range []string{"github-push.json", "gitlab-push.json", "gitlab-tag-push.json", "bitbucket-cloud-push.json",
		"bitbucket-server-refs-changed.json", "gitea-push.json", "gogs-push.json", "azure-devops-push.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"ref":"refs/heads/x","after":"0000000000000000000000000000000000000000","repository":{"ssh_url":"a:b"}}`))
	providers := []provider{providerGitHub, providerGitea, providerGogs, providerGitLab, providerBitbucket, providerBitbucketServer, providerAzureDevOps}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range providers {
			for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
				ev, err := p.parse(body, ct)
				if err != nil {
					continue
				}
				if len(ev.repoURLs) == 0 || len(ev.updates) == 0 {
					t.Fatalf("%s: accepted an event without repository or ref: %+v", p.name, ev)
				}
				for _, u := range ev.updates {
					if !strings.HasPrefix(u.ref, "refs/heads/") && !strings.HasPrefix(u.ref, "refs/tags/") {
						t.Fatalf("%s: ref %q", p.name, u.ref)
					}
					if u.commit != "" && !commitRE.MatchString(u.commit) {
						t.Fatalf("%s: commit %q", p.name, u.commit)
					}
				}
				for _, raw := range ev.repoURLs {
					if k := normalizeRepoURL(raw); k != "" && (k != strings.ToLower(k) || strings.HasSuffix(k, ".git") || strings.HasSuffix(k, "/")) {
						t.Fatalf("%s: %q normalized to %q", p.name, raw, k)
					}
				}
				h := signed(p.name, "k", body)
				if !p.verify(h, body, []byte("k")) {
					t.Fatalf("%s: own signature not verified", p.name)
				}
			}
		}
	})
}
