package gitops

import (
	"context"
	"net/http"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/controller"
)

// countedSecrets counts the reads that reach the core API's seam.
type countedSecrets struct {
	controller.SecretGetter
	mu sync.Mutex
	n  int
}

func (c *countedSecrets) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.SecretGetter.GetSecret(ctx, namespace, name)
}

// TestWebhookStrangersCostOneReadPerSecret: a stranger's forged pushes for a followed repository,
// however many and however concurrent, read each Secret of its GitRepos once per TTL through the
// server's cache (controller.CachedSecrets), so they cannot crowd out the reconciles' reads.
func TestWebhookStrangersCostOneReadPerSecret(t *testing.T) {
	body := fixture(t, "github-push.json")
	api := &countedSecrets{SecretGetter: mapSecrets{"apps/hook": {"github": []byte("s3cret")}, "ops/hook": {"github": []byte("other")}}}
	repo := "https://github.com/example-org/fleet-examples"
	e := newHookEnv(t, controller.NewCachedSecrets(api, controller.SecretCacheTTL),
		gitRepo("apps", "one", repo, nil), gitRepo("apps", "two", repo, nil), gitRepo("ops", "three", repo, nil))
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec := e.send(signed("github", "forged", body), body); rec.Code != http.StatusUnauthorized {
				t.Errorf("forged push: %d", rec.Code)
			}
		}()
	}
	wg.Wait()
	if api.n != 2 {
		t.Fatalf("200 forged pushes read Secrets %d times; want once per distinct Secret (2)", api.n)
	}
}

// TestWebhookUnfollowedCostsAVerification: a request for a repository nobody follows is verified
// (against a key nobody has) like one for a followed repository whose signature is wrong, so that
// hashing a large body does not make the one answer slower than the other.
func TestWebhookUnfollowedCostsAVerification(t *testing.T) {
	body := fixture(t, "github-push.json")
	verified := 0
	counting := providerGitHub
	counting.verify = func(h http.Header, body, secret []byte) bool {
		verified++
		return providerGitHub.verify(h, body, secret)
	}
	ev, err := counting.parse(body, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	h := signed("github", "forged", body)
	for _, tt := range []struct {
		name string
		env  *hookEnv
	}{
		{"followed", newHookEnv(t, mapSecrets{"apps/hook": {"github": []byte("s3cret")}}, gitRepo("apps", "demo", "https://github.com/example-org/fleet-examples", nil))},
		{"not followed", newHookEnv(t, mapSecrets{}, gitRepo("apps", "demo", "https://github.com/someone/else", nil))},
	} {
		verified = 0
		d := tt.env.hook.deps.Load()
		if code, res := d.handle(context.Background(), counting, ev, h, body); code != http.StatusUnauthorized || res != notVerified {
			t.Fatalf("%s: %d %+v", tt.name, code, res)
		}
		if verified != 1 {
			t.Errorf("%s: %d verifications of the body, want 1", tt.name, verified)
		}
	}
}
