package gitops

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestFailuresShowInStatus: wrong password, an unreachable server and a deleted branch each make
// the GitRepo Ready=False with a reason and a message in the Status column; the Bundles stay.
func TestFailuresShowInStatus(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t, gitserver.WithBasicAuth("fleet", "s3cret"))
	repo := git.NewRepo(t, "private")
	repo.Commit("main", map[string]string{"app/cm.yaml": cm})
	repo.Checkout("dev")
	repo.Commit("dev", map[string]string{"app/cm.yaml": cm})

	t.Run("wrong password", func(t *testing.T) {
		e := e.with(t)
		url := strings.Replace(repo.URL, "http://", "http://fleet:wrong@", 1)
		e.createGitRepo("wrong-password", v1alpha1.GitRepoSpec{Repo: url, Branch: "main"})
		c := e.waitCondition("wrong-password", v1alpha1.ConditionReady, "False", gitops.ReasonAuthenticationFailed)
		if strings.Contains(c.Message, "wrong") || !strings.Contains(c.Message, "authentication") {
			t.Fatalf("message must explain and not show the password: %q", c.Message)
		}
		if p := condition(e.gitRepo("wrong-password"), v1alpha1.ConditionGitPolling); p.Status != "False" || p.Reason != gitops.ReasonAuthenticationFailed {
			t.Fatalf("GitPolling = %+v", p)
		}
	})

	t.Run("unreachable server", func(t *testing.T) {
		e := e.with(t)
		e.createGitRepo("unreachable", v1alpha1.GitRepoSpec{Repo: "http://127.0.0.1:1/nothing.git", Branch: "main"})
		e.waitCondition("unreachable", v1alpha1.ConditionReady, "False", gitops.ReasonRepositoryUnreachable)
		if out := e.srv.Kubectl("get", "gitrepos", "-n", e.ns, "unreachable"); !strings.Contains(out, "127.0.0.1:1") {
			t.Fatalf("the Status column must name the problem:\n%s", out)
		}
	})

	t.Run("clientSecretName is not readable in standalone mode", func(t *testing.T) {
		e := e.with(t)
		e.createGitRepo("secret", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", ClientSecretName: "git-auth"})
		e.waitCondition("secret", v1alpha1.ConditionAccepted, "False", gitops.ReasonCredentialsUnavailable)
		e.waitCondition("secret", v1alpha1.ConditionStalled, "True", gitops.ReasonCredentialsUnavailable)
	})

	t.Run("deleted branch", func(t *testing.T) {
		e := e.with(t)
		url := strings.Replace(repo.URL, "http://", "http://fleet:s3cret@", 1)
		e.createGitRepo("dev", v1alpha1.GitRepoSpec{Repo: url, Branch: "dev"})
		e.waitBundles("dev", "dev")
		e.waitCondition("dev", v1alpha1.ConditionReady, "True", gitops.ReasonSynced)
		repo.Checkout("main")
		repo.DeleteBranch("dev")
		c := e.waitCondition("dev", v1alpha1.ConditionReady, "False", gitops.ReasonBranchNotFound)
		if !strings.Contains(c.Message, `"dev"`) {
			t.Fatalf("message must name the branch: %q", c.Message)
		}
		e.waitBundles("dev", "dev") // the last good bundles stay
	})
}

// TestFailingRepositoryBacksOff: while a repository fails, the attempts the git server records
// come further and further apart (1s, 2s, 4s … from a 1s polling interval), and the status says so.
func TestFailingRepositoryBacksOff(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "flaky")
	repo.Commit("one", map[string]string{"app/cm.yaml": cm})
	git.Fail("flaky", http.StatusServiceUnavailable)
	e.createGitRepo("flaky", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main"})

	var attempts []time.Time
	e.waitFor("4 attempts", func() (bool, error) {
		attempts = git.RefAdvertisements("flaky")
		return len(attempts) >= 4, nil
	}, func() string { return e.describe("flaky") })
	// The schedule is 1 s (the polling interval), 2 s, 4 s after each failure. A loaded machine
	// delays attempts rather than advancing them, so each gap is checked against its lower bound,
	// with a quarter of slack for the time a request takes to reach the server (the backoff counts
	// from the start of an attempt, the server stamps its arrival): at a fixed 1 s polling (+10%
	// jitter) the third gap could not reach 3 s.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if gap := attempts[i+1].Sub(attempts[i]); gap < want*3/4 {
			t.Fatalf("attempts %v: gap %d is %v, want at least %v (backoff doubling from the polling interval)", attempts, i+1, gap, want)
		}
	}
	c := e.waitCondition("flaky", v1alpha1.ConditionGitPolling, "False", gitops.ReasonRepositoryUnreachable)
	if !strings.Contains(c.Message, "consecutive failures, next attempt at") {
		t.Fatalf("GitPolling must show the backoff: %q", c.Message)
	}

	git.Fail("flaky", 0)
	e.waitBundles("flaky", "flaky")
	e.waitCondition("flaky", v1alpha1.ConditionReady, "True", gitops.ReasonSynced)
}
