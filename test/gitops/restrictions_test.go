package gitops

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestRestrictionsGateGitRepos: a GitRepo whose repo matches no allowed pattern of the namespace's
// GitRepoRestriction is refused (Accepted=False, Stalled), the git server is never asked, and no Bundle
// is created; changing the restriction to allow it re-checks the GitRepo at once and it syncs. A Policy
// that requires a service account refuses a GitRepo without one, and its default service account
// lets it through and reaches the Bundles, also when it changes later.
func TestRestrictionsGateGitRepos(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "gated")
	repo.Commit("first", map[string]string{"app/cm.yaml": cm})

	rr := &v1alpha1.GitRepoRestriction{
		ObjectMeta:          metav1.ObjectMeta{Name: "only-corp", Namespace: e.ns},
		AllowedRepoPatterns: []string{`https://git\.corp\.example/.*`},
	}
	rr, err := e.cs.FleetV1alpha1().GitRepoRestrictions(e.ns).Create(e.ctx(), rr, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.createGitRepo("gated", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}})
	c := e.waitCondition("gated", v1alpha1.ConditionAccepted, "False", gitops.ReasonRestricted)
	if !strings.Contains(c.Message, repo.URL) || !strings.Contains(c.Message, "only-corp") {
		t.Fatalf("Accepted message must name the repo and the restriction: %q", c.Message)
	}
	e.waitCondition("gated", v1alpha1.ConditionStalled, "True", gitops.ReasonRestricted)
	e.waitCondition("gated", v1alpha1.ConditionReady, "False", gitops.ReasonRestricted)
	if got := e.bundles("gated"); len(got) != 0 {
		t.Fatalf("a refused GitRepo must create nothing, got bundles %s", names(got))
	}
	if reqs := git.Requests("gated"); len(reqs) != 0 {
		t.Fatalf("a refused GitRepo must not reach the git server, got %d requests", len(reqs))
	}
	if out := e.srv.Kubectl("get", "gitrepos", "-n", e.ns, "gated"); !strings.Contains(out, "not allowed") {
		t.Fatalf("the Status column must say why:\n%s", out)
	}

	// A refusal quotes the repo, but not a token in it.
	e.createGitRepo("token-url", v1alpha1.GitRepoSpec{Repo: "https://s3cr3t-t0ken@evil.example/x.git", Branch: "main"})
	if c := e.waitCondition("token-url", v1alpha1.ConditionAccepted, "False", gitops.ReasonRestricted); strings.Contains(c.Message, "s3cr3t") ||
		!strings.Contains(c.Message, "https://***@evil.example/x.git") {
		t.Fatalf("the refusal must redact the URL's credentials: %q", c.Message)
	}

	// Allowing the repository re-checks the GitRepo without touching it.
	rr.AllowedRepoPatterns = append(rr.AllowedRepoPatterns, `http://127\.0\.0\.1:\d+/gated\.git`)
	if _, err := e.cs.FleetV1alpha1().GitRepoRestrictions(e.ns).Update(e.ctx(), rr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitBundles("gated", "gated-app")
	e.waitCondition("gated", v1alpha1.ConditionAccepted, "True", gitops.ReasonAccepted)

	// A Policy requiring a service account refuses a new GitRepo without one; its default admits it.
	p := &v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Name: "tenants", Namespace: e.ns}, RequireServiceAccount: true}
	p, err = e.cs.FleetV1alpha1().Policies(e.ns).Create(e.ctx(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.createGitRepo("needs-sa", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}})
	c = e.waitCondition("needs-sa", v1alpha1.ConditionAccepted, "False", gitops.ReasonRestricted)
	if !strings.Contains(c.Message, "serviceAccount is required") {
		t.Fatalf("Accepted message: %q", c.Message)
	}
	p.GitRepo = &v1alpha1.GitRepoPolicySpec{DefaultServiceAccount: "deployer"}
	if _, err := e.cs.FleetV1alpha1().Policies(e.ns).Update(e.ctx(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := e.waitBundles("needs-sa", "needs-sa-app")["needs-sa-app"]
	if b.Spec.ServiceAccount != "deployer" {
		t.Fatalf("the Policy's default service account must reach the Bundle, got %q", b.Spec.ServiceAccount)
	}

	// A changed default reaches the Bundles of the same commit: no push, no edit of the GitRepo.
	p, err = e.cs.FleetV1alpha1().Policies(e.ns).Get(e.ctx(), "tenants", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.GitRepo.DefaultServiceAccount = "deployer-v2"
	if _, err := e.cs.FleetV1alpha1().Policies(e.ns).Update(e.ctx(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the new default service account on the Bundle", func() (bool, error) {
		return e.bundles("needs-sa")["needs-sa-app"].Spec.ServiceAccount == "deployer-v2", nil
	}, func() string { return e.describe("needs-sa") })
}
