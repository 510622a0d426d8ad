package gitops

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/gitserver"
)

func newFakeFetchers(maxBackoff time.Duration) (*Fetchers, *clocktesting.FakeClock) {
	c := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fs := NewFetchers()
	fs.Clock, fs.MaxBackoff = c, maxBackoff
	return fs, c
}

func TestFetcherIsSharedAndCached(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "shared")
	commit := repo.Commit("one", map[string]string{"a/cm.yaml": "kind: ConfigMap\n"})
	fs, c := newFakeFetchers(time.Minute)

	a, b := fs.For(repo.URL, Credentials{}), fs.For(repo.URL, Credentials{})
	if a != b || fs.Len() != 1 {
		t.Fatalf("GitRepos on one URL must share a fetcher: %p %p, pool %d", a, b, fs.Len())
	}
	if other := fs.For(repo.URL, Credentials{Username: "u", Password: "p"}); other == a {
		t.Fatal("other credentials must get another fetcher")
	}
	for range 3 {
		refs, err := a.Refs(context.Background(), 10*time.Second, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if refs["refs/heads/main"] != commit {
			t.Fatalf("refs/heads/main = %q, want %s", refs["refs/heads/main"], commit)
		}
	}
	if n := len(srv.RefAdvertisements("shared")); n != 1 {
		t.Fatalf("3 calls within maxAge made %d ls-remotes, want 1", n)
	}
	c.Step(11 * time.Second)
	if _, err := a.Refs(context.Background(), 10*time.Second, time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.RefAdvertisements("shared")); n != 2 {
		t.Fatalf("a call after maxAge made %d ls-remotes in all, want 2", n)
	}
}

func TestFetcherBacksOffExponentiallyUpToTheCap(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "down")
	repo.Commit("one", map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	srv.Fail("down", http.StatusServiceUnavailable)
	fs, c := newFakeFetchers(8 * time.Second)
	f := fs.For(repo.URL, Credentials{})
	ctx := context.Background()

	var delays []time.Duration
	for i := range 6 {
		_, err := f.Refs(ctx, time.Second, time.Second)
		var be *BackoffError
		if !errors.As(err, &be) {
			t.Fatalf("attempt %d: want a BackoffError, got %v", i, err)
		}
		if be.Failures != i+1 {
			t.Fatalf("attempt %d: failures = %d", i, be.Failures)
		}
		delays = append(delays, be.NextAttempt.Sub(c.Now()))
		// Before the backoff is over nobody reaches the server, whoever asks.
		c.Step(be.NextAttempt.Sub(c.Now()) - time.Millisecond)
		if _, err := f.Refs(ctx, time.Second, time.Second); !errors.As(err, &be) || be.Failures != i+1 {
			t.Fatalf("during backoff: %v", err)
		}
		c.Step(time.Millisecond)
	}
	want := []time.Duration{1, 2, 4, 8, 8, 8}
	for i := range want {
		if delays[i] != want[i]*time.Second {
			t.Fatalf("backoff delays = %v, want %v seconds", delays, want)
		}
	}
	attempts := f.Attempts()
	if len(attempts) != 6 || len(srv.RefAdvertisements("down")) != 6 {
		t.Fatalf("attempts recorded %d, server saw %d, want 6", len(attempts), len(srv.RefAdvertisements("down")))
	}
	for i := 1; i < len(attempts); i++ {
		if got := attempts[i].Sub(attempts[i-1]); got != want[i-1]*time.Second {
			t.Fatalf("attempt %d came %v after the previous, want %v", i, got, want[i-1]*time.Second)
		}
	}
	srv.Fail("down", 0)
	if _, err := f.Refs(ctx, time.Second, time.Second); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if _, err := f.Refs(ctx, time.Second, time.Second); err != nil {
		t.Fatalf("success resets the backoff: %v", err)
	}
}

func TestFetcherClassifiesFailures(t *testing.T) {
	srv := gitserver.NewHTTP(t, gitserver.WithBasicAuth("fleet", "secret"))
	repo := srv.NewRepo(t, "private")
	repo.Commit("one", map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	tests := []struct {
		name, url string
		creds     Credentials
		reason    string
	}{
		{"wrong password", repo.URL, Credentials{Username: "fleet", Password: "wrong"}, ReasonAuthenticationFailed},
		{"no credentials", repo.URL, Credentials{}, ReasonAuthenticationFailed},
		{"missing repository", srv.RepoURL("nope"), Credentials{Username: "fleet", Password: "secret"}, ReasonRepositoryNotFound},
		{"unreachable", "http://127.0.0.1:1/x.git", Credentials{}, ReasonRepositoryUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _ := newFakeFetchers(time.Minute)
			_, err := fs.For(tt.url, tt.creds).Refs(context.Background(), time.Second, time.Second)
			if got := gitReason(err); got != tt.reason {
				t.Fatalf("reason = %s (%v), want %s", got, err, tt.reason)
			}
		})
	}
	fs, _ := newFakeFetchers(time.Minute)
	if _, err := fs.For(repo.URL, Credentials{Username: "fleet", Password: "secret"}).Refs(context.Background(), time.Second, time.Second); err != nil {
		t.Fatalf("right password: %v", err)
	}
}

// TestPushNotificationTriesDuringBackoff: a verified push (Nudge) newer than the last attempt lets
// the next Refs reach the repository during a backoff, once; the same or an older notification
// does not.
func TestPushNotificationTriesDuringBackoff(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "back")
	repo.Commit("one", map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	srv.Fail("back", http.StatusServiceUnavailable)
	fs, c := newFakeFetchers(time.Minute)
	f := fs.For(repo.URL, Credentials{})
	ctx := context.Background()
	for range 3 { // three failures: the next attempt is 4 s away
		_, _ = f.Refs(ctx, time.Second, time.Second)
		c.Step(time.Minute)
	}
	_, _ = f.Refs(ctx, time.Second, time.Second) // fourth failure, 8 s of backoff
	c.Step(time.Second)
	// A push while the server still fails: one attempt, then the backoff holds again.
	f.Nudge(c.Now())
	c.Step(time.Millisecond)
	_, _ = f.Refs(ctx, time.Second, time.Second)
	if _, err := f.Refs(ctx, time.Second, time.Second); err == nil || len(srv.RefAdvertisements("back")) != 5 {
		t.Fatalf("one notification allowed %d attempts (err %v), want one", len(srv.RefAdvertisements("back"))-4, err)
	}
	srv.Fail("back", 0)
	c.Step(time.Second)

	f.Nudge(c.Now().Add(-2 * time.Second)) // older than the last attempt
	if _, err := f.Refs(ctx, time.Second, time.Second); err == nil {
		t.Fatal("a notification older than the last attempt ended the backoff")
	}
	f.Nudge(c.Now())
	c.Step(time.Millisecond)
	refs, err := f.Refs(ctx, time.Second, time.Second)
	if err != nil || len(refs) == 0 {
		t.Fatalf("after a push notification: %v, %v; want the refs", refs, err)
	}
	if n := len(srv.RefAdvertisements("back")); n != 6 {
		t.Fatalf("the server saw %d ls-remotes, want 6 (5 failures, then the one the second push allowed)", n)
	}
}

// TestPushNotificationDoesNotRetryRefusedCredentials: a repository that refused the credentials
// stays in its backoff whatever pushes arrive: a push does not fix a password.
func TestPushNotificationDoesNotRetryRefusedCredentials(t *testing.T) {
	srv := gitserver.NewHTTP(t, gitserver.WithBasicAuth("fleet", "secret"))
	repo := srv.NewRepo(t, "private")
	repo.Commit("one", map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	fs, c := newFakeFetchers(time.Minute)
	f := fs.For(repo.URL, Credentials{Username: "fleet", Password: "wrong"})
	ctx := context.Background()
	if _, err := f.Refs(ctx, time.Second, 4*time.Second); gitReason(err) != ReasonAuthenticationFailed {
		t.Fatalf("first attempt: %v", err)
	}
	c.Step(time.Second)
	f.Nudge(c.Now())
	c.Step(time.Millisecond)
	var be *BackoffError
	if _, err := f.Refs(ctx, time.Second, 4*time.Second); !errors.As(err, &be) || len(f.Attempts()) != 1 {
		t.Fatalf("after a push: %v with %d attempts; want the backoff, without a request", err, len(f.Attempts()))
	}
}

// TestPollPassesPushesToTheFetcher: the poll step of a GitRepo with a verified push waiting hands
// it to the shared Fetcher, so a repository in backoff is tried at once.
func TestPollPassesPushesToTheFetcher(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "pushed")
	commit := repo.Commit("one", map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	srv.Fail("pushed", http.StatusServiceUnavailable)
	fs, c := newFakeFetchers(time.Minute)
	r := &Reconciler{fetchers: fs, clock: c}
	gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}, Spec: v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main"}}
	s := &syncState{GitRepo: gr, interval: 10 * time.Second}
	if _, err := r.poll(context.Background(), s); err == nil {
		t.Fatal("the failing repository polled fine")
	}
	srv.Fail("pushed", 0)
	c.Step(time.Second) // well inside the 10 s backoff
	if _, err := r.poll(context.Background(), s); err == nil {
		t.Fatal("polled during the backoff without a push")
	}
	s.webhook = &webhookPush{ref: "refs/heads/main", commit: commit, at: c.Now()}
	c.Step(time.Millisecond)
	if _, err := r.poll(context.Background(), s); err != nil || s.target.commit != commit {
		t.Fatalf("with a push waiting: %v, target %+v; want the pushed commit", err, s.target)
	}
}
