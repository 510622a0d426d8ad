package gitops

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// hookSecret is what the tests' "git host" signs webhooks with.
const hookSecret = "webhook-s3cret"

// webhookPath is where fleet-apiserver serves git webhooks.
const webhookPath = "/webhooks/git"

// hour is the polling interval of the GitRepos here: only a webhook can move them during a test.
var hour = &metav1.Duration{Duration: time.Hour}

// githubPush returns a GitHub push payload for commit on ref of the repository at url.
func githubPush(url, ref, commit string) []byte {
	b, _ := json.Marshal(map[string]any{
		"ref": ref, "before": strings.Repeat("0", 40), "after": commit,
		"repository": map[string]any{"clone_url": url, "html_url": strings.TrimSuffix(url, ".git"), "full_name": "test/repo"},
		"pusher":     map[string]any{"name": "test"},
	})
	return b
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// hookClient sends requests without credentials, as a git host does.
type hookClient struct {
	t    *testing.T
	base string
	http *http.Client
}

// clusterHookClient reaches fleet-apiserver behind kube-apiserver directly, trusting its serving CA.
func clusterHookClient(t *testing.T) *hookClient {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(shared.Fleet.ServingCA().CertPEM())
	return &hookClient{t: t, base: fleetURL(), http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}}
}

// standaloneHookClient reaches a standalone server with its CA and no token.
func standaloneHookClient(t *testing.T, cfg *rest.Config) *hookClient {
	c, err := rest.HTTPClientFor(rest.AnonymousClientConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 30 * time.Second
	return &hookClient{t: t, base: strings.TrimSuffix(cfg.Host, "/"), http: c}
}

// do sends a request and returns the status code and body.
func (c *hookClient) do(method, path string, header http.Header, body []byte) (int, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header = header
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// push posts a GitHub push event signed with secret ("" for unsigned).
func (c *hookClient) push(body []byte, secret string) (int, string) {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/json"}, "X-Github-Event": {"push"}, "X-Github-Delivery": {"72d3162e-cc78-11e3-81ab-4c9367dc0958"}}
	if secret != "" {
		h.Set("X-Hub-Signature-256", sign(secret, body))
	}
	return c.do(http.MethodPost, webhookPath, h, body)
}

// TestWebhookBehindKubeAPIServer: fleet-apiserver in delegated mode receives a GitHub push without
// Kubernetes credentials; signed with the GitRepo's webhook secret it becomes Bundles at once
// (the polling interval is an hour), unsigned or wrongly signed it is refused with 401 and changes
// nothing; with disablePolling the pushed commit is deployed too (Fleet #2969).
func TestWebhookBehindKubeAPIServer(t *testing.T) {
	e := newClusterEnv(t)
	hooks := clusterHookClient(t)
	git := gitserver.NewHTTP(t)
	e.createSecret("hook", corev1.SecretTypeOpaque, map[string][]byte{"github": []byte(hookSecret)})

	t.Run("polling every hour: a signed push syncs at once, a forged one changes nothing", func(t *testing.T) {
		e, hooks := e.with(t), *hooks
		hooks.t = t
		repo := git.NewRepo(t, "hooked")
		c1 := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
		e.createGitRepo("hooked", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"},
			PollingInterval: hour, WebhookSecret: "hook"})
		first := e.waitBundles("hooked", "hooked-app")
		e.waitCommit("hooked", c1)

		c2 := repo.Commit("second", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"2"`, 1)})
		body := githubPush(repo.URL, "refs/heads/main", c2)
		for name, secret := range map[string]string{"wrong secret": "guessed", "no signature": ""} {
			if code, answer := hooks.push(body, secret); code != http.StatusUnauthorized || strings.Contains(answer, hookSecret) {
				t.Fatalf("%s: %d %s; want 401", name, code, answer)
			}
		}
		hooks.assertStrangersAnsweredAlike(body, git.URL+"/nobody-follows.git", c2)
		gr := e.gitRepo("hooked")
		if gr.Status.Commit != c1 || gr.Status.WebhookCommit != "" || !gr.Status.LastWebhookTime.IsZero() {
			t.Fatalf("a refused webhook changed the status: commit %s webhookCommit %q lastWebhookTime %v", gr.Status.Commit, gr.Status.WebhookCommit, gr.Status.LastWebhookTime)
		}
		if b := e.bundles("hooked")["hooked-app"]; !framework.EqualExcept(b, first["hooked-app"], append(framework.ServerWritten, "status")...) {
			t.Fatalf("a refused webhook rewrote the bundle (rv %s → %s)", first["hooked-app"].ResourceVersion, b.ResourceVersion)
		}

		posted := time.Now()
		code, answer := hooks.push(body, hookSecret)
		if code != http.StatusAccepted || !strings.Contains(answer, `"triggered":1`) {
			t.Fatalf("signed push: %d %s; want 202 triggering one GitRepo", code, answer)
		}
		// Bounded by waitBound (30s), far below the hour of polling: only the webhook can have done it.
		e.waitCommit("hooked", c2)
		t.Logf("webhook → Bundles of the pushed commit in %v", time.Since(posted).Round(time.Millisecond))
		gr = e.gitRepo("hooked")
		if gr.Status.WebhookCommit != c2 || gr.Status.LastWebhookTime.IsZero() {
			t.Fatalf("status.webhookCommit %q lastWebhookTime %v; want %s and a time", gr.Status.WebhookCommit, gr.Status.LastWebhookTime, c2)
		}
		if b := e.bundles("hooked")["hooked-app"]; b.Labels[v1alpha1.CommitLabel] != c2 {
			t.Fatalf("bundle commit label %s, want %s", b.Labels[v1alpha1.CommitLabel], c2)
		}

		// A push to another branch verifies but moves nothing the GitRepo follows.
		other := githubPush(repo.URL, "refs/heads/feature", c2)
		if code, answer := hooks.push(other, hookSecret); code != http.StatusAccepted || !strings.Contains(answer, `"triggered":0`) {
			t.Fatalf("push to another branch: %d %s", code, answer)
		}
	})

	t.Run("disablePolling: the pushed commit is deployed", func(t *testing.T) {
		e, hooks := e.with(t), *hooks
		hooks.t = t
		repo := git.NewRepo(t, "nopoll")
		c1 := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
		e.createGitRepo("nopoll", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"},
			PollingInterval: hour, DisablePolling: true, WebhookSecret: "hook"})
		e.waitCommit("nopoll", c1)
		c2 := repo.Commit("second", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"3"`, 1)})
		if code, answer := hooks.push(githubPush(repo.URL, "refs/heads/main", c2), hookSecret); code != http.StatusAccepted || !strings.Contains(answer, `"triggered":1`) {
			t.Fatalf("signed push: %d %s", code, answer)
		}
		e.waitCommit("nopoll", c2)
		gr := e.gitRepo("nopoll")
		if gr.Status.WebhookCommit != c2 {
			t.Fatalf("webhookCommit %q, want %s", gr.Status.WebhookCommit, c2)
		}
		if c := condition(gr, v1alpha1.ConditionGitPolling); c.Reason != "PollingDisabled" {
			t.Fatalf("GitPolling = %+v; polling must stay disabled", c)
		}
	})

	t.Run("azure devops: the hook's basic authentication reaches the handler", func(t *testing.T) {
		e, hooks := e.with(t), *hooks
		hooks.t = t
		repo := git.NewRepo(t, "azure")
		c1 := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
		e.createSecret("azure-hook", corev1.SecretTypeOpaque, map[string][]byte{"azure-username": []byte("fleet-hook"), "azure-password": []byte(hookSecret)})
		e.createGitRepo("azure", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"},
			PollingInterval: hour, WebhookSecret: "azure-hook"})
		e.waitCommit("azure", c1)
		c2 := repo.Commit("second", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"4"`, 1)})
		body, _ := json.Marshal(map[string]any{"eventType": "git.push", "resource": map[string]any{
			"refUpdates": []map[string]any{{"name": "refs/heads/main", "oldObjectId": c1, "newObjectId": c2}},
			"repository": map[string]any{"remoteUrl": repo.URL},
		}})
		post := func(user, password string) (int, string) {
			h := http.Header{"Content-Type": {"application/json"}, "X-Vss-Activityid": {"5d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"}}
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
			return hooks.do(http.MethodPost, webhookPath, h, body)
		}
		if code, answer := post("fleet-hook", "guessed"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d %s; want 401", code, answer)
		}
		if code, answer := post("fleet-hook", hookSecret); code != http.StatusAccepted || !strings.Contains(answer, `"triggered":1`) {
			t.Fatalf("the hook's user and password: %d %s; want 202 triggering one GitRepo (the server must pass the basic authentication on)", code, answer)
		}
		e.waitCommit("azure", c2)
	})

	t.Run("anonymous requests reach the webhook path and nothing else", func(t *testing.T) {
		hooks := *hooks
		hooks.t = t
		if code, answer := hooks.do(http.MethodGet, webhookPath, http.Header{}, nil); code != http.StatusMethodNotAllowed {
			t.Fatalf("GET %s without credentials: %d %s; want the handler's 405", webhookPath, code, answer)
		}
		for _, path := range []string{
			"/apis/fleet.cattle.io/v1alpha1/namespaces/" + e.ns + "/gitrepos",
			"/apis/fleet.cattle.io/v1alpha1/bundles",
			"/webhooks/git-other",
			"/metrics",
		} {
			code, answer := hooks.do(http.MethodGet, path, http.Header{}, nil)
			if code != http.StatusUnauthorized && code != http.StatusForbidden {
				t.Errorf("GET %s without credentials: %d %s; want 401 or 403", path, code, truncate(answer))
			}
		}
	})
}

// TestWebhookStandalone: standalone mode has no Secrets API, so no webhook can be verified: a signed
// push is refused with 401 and changes nothing; the endpoint itself is reachable without credentials
// while the API is not.
func TestWebhookStandalone(t *testing.T) {
	e := newEnv(t)
	hooks := standaloneHookClient(t, e.srv.RESTConfig())
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "standalone-hook")
	c1 := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("hooked", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"},
		PollingInterval: hour, WebhookSecret: "hook"})
	e.waitCommit("hooked", c1)
	c2 := repo.Commit("second", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"2"`, 1)})

	code, answer := hooks.push(githubPush(repo.URL, "refs/heads/main", c2), hookSecret)
	if code != http.StatusUnauthorized || !strings.Contains(answer, "not verified") {
		t.Fatalf("signed push without a Secrets API: %d %s; want the handler's 401", code, answer)
	}
	hooks.assertStrangersAnsweredAlike(githubPush(repo.URL, "refs/heads/main", c2), git.URL+"/nobody-follows.git", c2)
	if gr := e.gitRepo("hooked"); gr.Status.Commit != c1 || gr.Status.WebhookCommit != "" {
		t.Fatalf("a refused webhook changed the status: commit %s webhookCommit %q", gr.Status.Commit, gr.Status.WebhookCommit)
	}
	if code, answer := hooks.do(http.MethodGet, webhookPath, http.Header{}, nil); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET %s without credentials: %d %s; want the handler's 405", webhookPath, code, answer)
	}
	for _, path := range []string{"/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos", "/apis", "/metrics"} {
		if code, answer := hooks.do(http.MethodGet, path, http.Header{}, nil); code != http.StatusUnauthorized && code != http.StatusForbidden {
			t.Errorf("GET %s without credentials: %d %s; want 401 or 403", path, code, truncate(answer))
		}
	}
}

// assertStrangersAnsweredAlike: a push for otherRepo, which no GitRepo follows, gets the status and
// body that a wrongly signed push (followed, of the repository a GitRepo follows) gets, signed or not:
// the answer does not tell which repositories are followed.
func (c *hookClient) assertStrangersAnsweredAlike(followed []byte, otherRepo, commit string) {
	c.t.Helper()
	wantCode, want := c.push(followed, "guessed")
	if wantCode != http.StatusUnauthorized {
		c.t.Fatalf("a wrongly signed push for a followed repository: %d %s; want 401", wantCode, want)
	}
	other := githubPush(otherRepo, "refs/heads/main", commit)
	for name, secret := range map[string]string{"wrong secret": "guessed", "no signature": "", "a GitRepo's secret": hookSecret} {
		if code, answer := c.push(other, secret); code != wantCode || answer != want {
			c.t.Errorf("push for a repository no GitRepo follows, %s: %d %s; want %d %s as for a followed one", name, code, answer, wantCode, want)
		}
	}
}

func truncate(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%s… (%d bytes)", s[:200], len(s))
	}
	return s
}
