package gitops

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/test/gitserver"
)

// mapSecrets is a SecretGetter over a map "namespace/name" → data: the narrow seam between the
// handler and the core API.
type mapSecrets map[string]map[string][]byte

var _ controller.SecretGetter = mapSecrets{}

func (m mapSecrets) GetSecret(_ context.Context, namespace, name string) (*corev1.Secret, error) {
	data, ok := m[namespace+"/"+name]
	if !ok {
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
	}
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Data: data}, nil
}

// hookEnv is a connected Webhook over an indexer of GitRepos, recording what it enqueues.
type hookEnv struct {
	t        *testing.T
	hook     *Webhook
	inbox    *webhookInbox
	enqueued []types.NamespacedName
	clock    *clocktesting.FakeClock
}

func newHookEnv(t *testing.T, secrets controller.SecretGetter, repos ...*v1alpha1.GitRepo) *hookEnv {
	t.Helper()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{repoURLIndex: indexByRepoURL})
	for _, gr := range repos {
		if err := idx.Add(gr); err != nil {
			t.Fatal(err)
		}
	}
	e := &hookEnv{t: t, hook: &Webhook{}, inbox: newWebhookInbox(), clock: clocktesting.NewFakeClock(time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC))}
	e.hook.connect(&webhookDeps{indexer: idx, secrets: secrets, inbox: e.inbox, clock: e.clock,
		enqueue: func(k types.NamespacedName) { e.enqueued = append(e.enqueued, k) }})
	return e
}

// send posts body with headers h to the handler and returns what it wrote.
func (e *hookEnv) send(h http.Header, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/git", bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	e.hook.ServeHTTP(rec, req)
	return rec
}

// post sends body with headers h and returns the status code and decoded answer.
func (e *hookEnv) post(h http.Header, body []byte) (int, webhookResponse) {
	e.t.Helper()
	rec := e.send(h, body)
	var res webhookResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		e.t.Fatalf("answer %d is not JSON: %q", rec.Code, rec.Body.String())
	}
	return rec.Code, res
}

func gitRepo(ns, name, repo string, mod func(*v1alpha1.GitRepoSpec)) *v1alpha1.GitRepo {
	gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.GitRepoSpec{Repo: repo, Branch: "main", WebhookSecret: "hook"}}
	if mod != nil {
		mod(&gr.Spec)
	}
	return gr
}

func key(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

// TestWebhookPerProvider: a request signed with the GitRepo's secret (under the provider's key)
// triggers it with the pushed commit; a wrong secret or none is refused with 401 and changes nothing.
func TestWebhookPerProvider(t *testing.T) {
	tests := []struct {
		provider, file, key string
		repo                string // spec.repo, written another way than the payload
		spec                func(*v1alpha1.GitRepoSpec)
		ref, commit         string
	}{
		{"github", "github-push.json", "github", "git@github.com:example-org/fleet-examples.git", nil,
			"refs/heads/main", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
		{"gitlab", "gitlab-push.json", "gitlab", "https://gitlab.example.com/platform/apps/fleet-examples", nil,
			"refs/heads/main", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"},
		{"gitlab-tag", "gitlab-tag-push.json", "gitlab", "ssh://git@gitlab.example.com:2222/platform/apps/fleet-examples.git",
			func(s *v1alpha1.GitRepoSpec) { s.Branch, s.Revision = "", "v1.2.0" },
			"refs/tags/v1.2.0", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"},
		{"bitbucket", "bitbucket-cloud-push.json", "bitbucket", "git@bitbucket.org:example-team/fleet-examples.git", nil,
			"refs/heads/main", "3e2d6c54b9f1a0e8c7b6a5d4c3b2a1f0e9d8c7b6"},
		{"bitbucket-server", "bitbucket-server-refs-changed.json", "bitbucket-server", "https://bitbucket.example.com/scm/plat/fleet-examples.git",
			func(s *v1alpha1.GitRepoSpec) { s.Branch = "release" },
			"refs/heads/release", "178864a7d521b6f5e720b386b2c2b0ef8563e0dc"},
		{"gitea", "gitea-push.json", "gitea", "https://gitea.example.com/ops/fleet-examples.git", nil,
			"refs/heads/main", "bffeb74224043ba2feb48d137756c8a9331c449a"},
		{"gogs", "gogs-push.json", "gogs", "https://gogs.example.com/legacy/fleet-examples", func(s *v1alpha1.GitRepoSpec) { s.Branch = "" },
			"refs/heads/master", "51eb23ccde58bc9cbd3be8b2a9d3b7af9ea3b65e"},
		{"azure-devops", "azure-devops-push.json", "azure-password", "git@ssh.dev.azure.com:v3/fleet-org/platform/fleet-examples", nil,
			"refs/heads/main", "9b3f6e0c2d1a4b5c6d7e8f90a1b2c3d4e5f60718"},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			body := fixture(t, tt.file)
			secrets := mapSecrets{"apps/hook": {tt.key: []byte("s3cret"), "azure-username": []byte(azureHookUser)}}

			e := newHookEnv(t, secrets, gitRepo("apps", "demo", tt.repo, tt.spec))
			refusals := []struct {
				name string
				h    http.Header
				sent []byte
			}{
				{"wrong secret", signed(tt.provider, "guessed", body), body},
				{"no signature", signed(tt.provider, "", body), body},
			}
			if !strings.HasPrefix(tt.provider, "gitlab") && tt.provider != "azure-devops" { // they send a token or password, they sign nothing
				tampered := append(bytes.Clone(body), ' ')
				refusals = append(refusals, struct {
					name string
					h    http.Header
					sent []byte
				}{"body changed after signing", signed(tt.provider, "s3cret", body), tampered})
			}
			for _, r := range refusals {
				code, res := e.post(r.h, r.sent)
				if code != http.StatusUnauthorized || res.Triggered != 0 || strings.Contains(res.Error, "s3cret") {
					t.Fatalf("%s: %d %+v, want 401 without the secret", r.name, code, res)
				}
			}
			if len(e.enqueued) != 0 || e.inbox.get(key("apps", "demo")) != nil {
				t.Fatalf("a refused request enqueued %v / recorded a push", e.enqueued)
			}

			code, res := e.post(signed(tt.provider, "s3cret", body), body)
			if code != http.StatusAccepted || res.Triggered != 1 {
				t.Fatalf("signed request: %d %+v, want 202 with 1 triggered", code, res)
			}
			if len(e.enqueued) != 1 || e.enqueued[0] != key("apps", "demo") {
				t.Fatalf("enqueued %v", e.enqueued)
			}
			p := e.inbox.get(key("apps", "demo"))
			if p == nil || p.ref != tt.ref || p.commit != tt.commit || !p.at.Equal(e.clock.Now()) {
				t.Fatalf("recorded push %+v, want %s at %s", p, tt.ref, tt.commit)
			}

			// The generic key "token" serves when the provider's key is absent.
			e = newHookEnv(t, mapSecrets{"apps/hook": {"token": []byte("s3cret\n"), "azure-username": []byte(azureHookUser)}}, gitRepo("apps", "demo", tt.repo, tt.spec))
			if code, res := e.post(signed(tt.provider, "s3cret", body), body); code != http.StatusAccepted || res.Triggered != 1 {
				t.Fatalf("secret under key token: %d %+v", code, res)
			}
		})
	}
}

// TestWebhookOnlyVerifiedGitRepos: of several GitRepos following the repository, only those whose
// own secret verifies the request are triggered, and only if the push moves what they follow.
func TestWebhookOnlyVerifiedGitRepos(t *testing.T) {
	body := fixture(t, "github-push.json")
	url := "https://github.com/example-org/fleet-examples"
	secrets := mapSecrets{
		"team-a/hook": {"github": []byte("a-secret")},
		"team-b/hook": {"github": []byte("b-secret")},
		"team-c/hook": {"gitlab": []byte("a-secret")}, // no key for GitHub, no generic key
	}
	repos := []*v1alpha1.GitRepo{
		gitRepo("team-a", "main", url, nil),
		gitRepo("team-a", "other-branch", url+".git", func(s *v1alpha1.GitRepoSpec) { s.Branch = "dev" }),
		gitRepo("team-a", "pinned", url, func(s *v1alpha1.GitRepoSpec) { s.Branch, s.Revision = "", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c" }),
		gitRepo("team-a", "no-secret", url, func(s *v1alpha1.GitRepoSpec) { s.WebhookSecret = "" }),
		gitRepo("team-b", "main", url, nil),
		gitRepo("team-c", "main", url, nil),
		gitRepo("team-d", "missing-secret", url, nil),
		gitRepo("team-a", "elsewhere", "https://github.com/example-org/other", nil),
	}
	e := newHookEnv(t, secrets, repos...)
	code, res := e.post(signed("github", "a-secret", body), body)
	if code != http.StatusAccepted || res.Triggered != 1 {
		t.Fatalf("%d %+v, want 202 with 1 triggered", code, res)
	}
	if len(e.enqueued) != 1 || e.enqueued[0] != key("team-a", "main") {
		t.Fatalf("enqueued %v, want only team-a/main (verified and on the pushed branch)", e.enqueued)
	}

	// Only GitRepos without a usable secret: unverifiable, refused.
	e = newHookEnv(t, secrets, repos[3], repos[5], repos[6])
	if code, _ := e.post(signed("github", "a-secret", body), body); code != http.StatusUnauthorized || len(e.enqueued) != 0 {
		t.Fatalf("GitRepos without a usable webhook secret: %d, enqueued %v; want 401 and nothing", code, e.enqueued)
	}

	// Standalone mode has no Secrets API: nothing verifies.
	e = newHookEnv(t, controller.NoSecrets{}, repos[0])
	if code, _ := e.post(signed("github", "a-secret", body), body); code != http.StatusUnauthorized || len(e.enqueued) != 0 {
		t.Fatalf("without a Secrets API: %d, want 401", code)
	}

	// No GitRepo follows the repository: refused like an unverified request (TestWebhookAnswersStrangersAlike).
	e = newHookEnv(t, secrets, repos[7])
	if code, res := e.post(signed("github", "a-secret", body), body); code != http.StatusUnauthorized || res.Triggered != 0 || len(e.enqueued) != 0 {
		t.Fatalf("no GitRepo: %d %+v", code, res)
	}
}

// postRaw sends body with headers h and returns the status code and the bytes of the answer.
func (e *hookEnv) postRaw(h http.Header, body []byte) (int, string) {
	rec := e.send(h, body)
	return rec.Code, rec.Header().Get("Content-Type") + "\n" + rec.Body.String()
}

// TestWebhookAnswersStrangersAlike: an unverified request gets the same status and body whether or
// not a GitRepo follows its repository, so the endpoint does not tell a stranger which repositories
// are followed. A verified one still gets its own answer.
func TestWebhookAnswersStrangersAlike(t *testing.T) {
	body := fixture(t, "github-push.json")
	secrets := mapSecrets{"apps/hook": {"github": []byte("s3cret")}}
	followed := newHookEnv(t, secrets,
		gitRepo("apps", "demo", "https://github.com/example-org/fleet-examples", nil),
		gitRepo("apps", "no-secret", "git@github.com:example-org/fleet-examples.git", func(s *v1alpha1.GitRepoSpec) { s.WebhookSecret = "" }))
	unfollowed := newHookEnv(t, secrets, gitRepo("apps", "other", "https://github.com/example-org/other", nil))
	nothing := newHookEnv(t, secrets)

	wantCode, want := followed.postRaw(signed("github", "guessed", body), body)
	if wantCode != http.StatusUnauthorized {
		t.Fatalf("a wrong signature for a followed repository: %d %s, want 401", wantCode, want)
	}
	for _, tt := range []struct {
		name string
		e    *hookEnv
		h    http.Header
	}{
		{"followed, unsigned", followed, signed("github", "", body)},
		{"not followed, wrong signature", unfollowed, signed("github", "guessed", body)},
		{"not followed, signed with the secret of another GitRepo", unfollowed, signed("github", "s3cret", body)},
		{"not followed, unsigned", unfollowed, signed("github", "", body)},
		{"no GitRepo at all", nothing, signed("github", "guessed", body)},
	} {
		if code, got := tt.e.postRaw(tt.h, body); code != wantCode || got != want {
			t.Errorf("%s: %d %q; want the answer to an unverified request for a followed repository, %d %q", tt.name, code, got, wantCode, want)
		}
		if len(tt.e.enqueued) != 0 {
			t.Errorf("%s: enqueued %v", tt.name, tt.e.enqueued)
		}
	}
	if code, res := followed.post(signed("github", "s3cret", body), body); code != http.StatusAccepted || res.Triggered != 1 {
		t.Fatalf("a verified request: %d %+v, want 202 with 1 triggered", code, res)
	}
}

func TestWebhookRefusals(t *testing.T) {
	body := fixture(t, "github-push.json")
	e := newHookEnv(t, mapSecrets{"apps/hook": {"github": []byte("s3cret")}},
		gitRepo("apps", "demo", "https://github.com/example-org/fleet-examples", nil))
	rec := httptest.NewRecorder()
	e.hook.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/git", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("GET: %d %v", rec.Code, rec.Header())
	}
	big := bytes.Repeat([]byte(" "), MaxWebhookBody+1)
	if code, _ := e.post(signed("github", "s3cret", big), big); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit: %d, want 413", code)
	}
	if code, res := e.post(signed("github", "s3cret", []byte("{")), []byte("{")); code != http.StatusBadRequest || !strings.Contains(res.Error, "malformed github push payload") {
		t.Fatalf("malformed: %d %+v", code, res)
	}
	h := signed("github", "s3cret", body)
	h.Set("X-GitHub-Event", "issues")
	if code, res := e.post(h, body); code != http.StatusBadRequest || !strings.Contains(res.Error, `"issues" is not handled`) {
		t.Fatalf("unknown event: %d %+v", code, res)
	}
	h.Set("X-GitHub-Event", "ping")
	if code, _ := e.post(h, []byte(`{"zen":"Keep it logically awesome."}`)); code != http.StatusOK {
		t.Fatalf("ping: %d, want 200", code)
	}
	if len(e.enqueued) != 0 {
		t.Fatalf("refusals enqueued %v", e.enqueued)
	}
	if code, _ := (&hookEnv{t: t, hook: &Webhook{}}).post(h, body); code != http.StatusServiceUnavailable {
		t.Fatalf("a Webhook not connected to a controller: %d, want 503", code)
	}
}

// TestWebhookDeletedBranch: a verified deletion triggers the GitRepo (polling then finds the branch
// gone) without recording a commit.
func TestWebhookDeletedBranch(t *testing.T) {
	body := []byte(`{"ref":"refs/heads/main","after":"0000000000000000000000000000000000000000","deleted":true,"repository":{"clone_url":"https://github.com/o/r.git"}}`)
	e := newHookEnv(t, mapSecrets{"apps/hook": {"secret": []byte("s3cret")}}, gitRepo("apps", "demo", "https://github.com/o/r", nil))
	if code, res := e.post(signed("github", "s3cret", body), body); code != http.StatusAccepted || res.Triggered != 1 {
		t.Fatalf("%d %+v", code, res)
	}
	if p := e.inbox.get(key("apps", "demo")); p == nil || p.commit != "" {
		t.Fatalf("recorded %+v, want a push without commit", p)
	}
}

// TestWebhookReconcileSide covers what the reconciler does with a waiting push.
func TestWebhookReconcileSide(t *testing.T) {
	now := time.Date(2026, 11, 25, 4, 0, 0, 123456789, time.UTC)
	push := &webhookPush{ref: "refs/heads/main", commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", at: now}
	s := &syncState{GitRepo: gitRepo("apps", "demo", "https://h/o/r", func(s *v1alpha1.GitRepoSpec) { s.DisablePolling = true }),
		interval: time.Hour, webhook: push}

	if tg, ok := webhookTarget(s); !ok || tg.ref != push.ref || tg.commit != push.commit {
		t.Fatalf("webhookTarget = %+v, %v; want the pushed ref and commit", tg, ok)
	}
	s.Spec.Branch = "other" // the spec moved on since the push
	if _, ok := webhookTarget(s); ok {
		t.Fatal("a push of a branch the GitRepo no longer follows became its target")
	}
	s.Spec.Branch = "main"

	if got := refsMaxAge(s, now.Add(3*time.Second)); got != 3*time.Second {
		t.Fatalf("refsMaxAge = %v; want the age of the push, so a cached answer from before it is not used", got)
	}
	if got := refsMaxAge(&syncState{interval: time.Hour}, now); got != 30*time.Minute {
		t.Fatalf("refsMaxAge without push = %v, want half the interval", got)
	}

	var st v1alpha1.GitRepoStatus
	recordWebhook(s, &st)
	if st.WebhookCommit != push.commit || !st.LastWebhookTime.Equal(&metav1.Time{Time: now.Truncate(time.Second)}) {
		t.Fatalf("status %s %v", st.WebhookCommit, st.LastWebhookTime)
	}

	r := &Reconciler{webhooks: newWebhookInbox()}
	k := key("apps", "demo")
	r.webhooks.put(k, push)
	r.webhookHandled(s, controller.NewWaiting(ReasonCloneFailed, context.DeadlineExceeded, time.Second), nil)
	r.webhookHandled(s, nil, context.DeadlineExceeded) // the status write failed
	if r.webhooks.get(k) != push {
		t.Fatal("a push was dropped although its sync or status write failed")
	}
	newer := &webhookPush{ref: push.ref, commit: "1111111111111111111111111111111111111111", at: now.Add(time.Second)}
	r.webhooks.put(k, newer)
	r.webhookHandled(s, nil, nil)
	if r.webhooks.get(k) != newer {
		t.Fatal("a push that arrived during the reconcile was dropped with the older one")
	}
	s.webhook = newer
	r.webhookHandled(s, controller.NewStalling(ReasonInvalidBundle, context.Canceled), nil)
	if r.webhooks.get(k) != nil {
		t.Fatal("a handled push (stalled commit) was kept")
	}
}

// TestWebhookBypassesCachedRefsOnce: after a push, the ls-remote answer cached before it is not used
// (the pushed commit is seen at once, though the polling interval is an hour), and the first fresh
// answer serves every other GitRepo of the repository — one network call per push, not one per GitRepo.
func TestWebhookBypassesCachedRefsOnce(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "pushed")
	repo.Commit("one", map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	fs, c := newFakeFetchers(time.Minute)
	f := fs.For(repo.URL, Credentials{})
	s := &syncState{interval: time.Hour}
	if _, err := f.Refs(context.Background(), refsMaxAge(s, c.Now()), s.interval); err != nil {
		t.Fatal(err)
	}
	c.Step(time.Minute)
	two := repo.Commit("two", map[string]string{"cm.yaml": "kind: ConfigMap\nmetadata: {}\n"})
	s.webhook = &webhookPush{ref: "refs/heads/main", commit: two, at: c.Now()}
	c.Step(time.Second)
	for range 3 { // three GitRepos of the repository reconcile after the push
		refs, err := f.Refs(context.Background(), refsMaxAge(s, c.Now()), s.interval)
		if err != nil {
			t.Fatal(err)
		}
		if refs["refs/heads/main"] != two {
			t.Fatalf("refs/heads/main = %s after the push of %s: the cached answer was used", refs["refs/heads/main"], two)
		}
	}
	if n := len(srv.RefAdvertisements("pushed")); n != 2 {
		t.Fatalf("%d ls-remotes, want 2: the first poll and one after the push", n)
	}
}

// TestAzureDevOpsNeedsTheUserName: an Azure DevOps hook is verified by its basic authentication:
// the password alone is not enough, and a Secret without azure-username verifies nothing.
func TestAzureDevOpsNeedsTheUserName(t *testing.T) {
	body := fixture(t, "azure-devops-push.json")
	repo := "https://dev.azure.com/fleet-org/platform/_git/fleet-examples"
	withUser := func(user string) http.Header {
		h := signed("azure-devops", "", body)
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":s3cret")))
		return h
	}
	e := newHookEnv(t, mapSecrets{"apps/hook": {"azure-username": []byte(azureHookUser), "azure-password": []byte("s3cret")}}, gitRepo("apps", "demo", repo, nil))
	if code, res := e.post(withUser("someone-else"), body); code != http.StatusUnauthorized || res.Triggered != 0 {
		t.Fatalf("another user with the right password: %d %+v, want 401", code, res)
	}
	if code, res := e.post(withUser(azureHookUser), body); code != http.StatusAccepted || res.Triggered != 1 {
		t.Fatalf("the hook's user and password: %d %+v, want 202 with 1 triggered", code, res)
	}
	e = newHookEnv(t, mapSecrets{"apps/hook": {"azure-password": []byte("s3cret")}}, gitRepo("apps", "demo", repo, nil))
	if code, _ := e.post(withUser(azureHookUser), body); code != http.StatusUnauthorized {
		t.Fatalf("a Secret without azure-username: %d, want 401", code)
	}
}
