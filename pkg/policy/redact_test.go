package policy

import (
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
)

// token is the credential the refusals below must not show.
const token = "ghp_P0l1cyT0ken"

// TestRefusalsHideCredentials: a refusal quotes the repository or chart URL with %q, which escapes
// a quote in it; the message must still hide the token, whether it is given as the user name or
// the password, and whether the URL is in the spec or in an admin's allow-list.
func TestRefusalsHideCredentials(t *testing.T) {
	only := func(p *v1alpha1.Policy) {
		p.GitRepo = &v1alpha1.GitRepoPolicySpec{AllowedRepoPatterns: []string{`https://git\.example\.com/acme/.*`}}
		p.HelmOp = &v1alpha1.HelmOpPolicySpec{AllowedHelmRepoPatterns: []string{`https://charts\.example\.com/.*`}}
	}
	for _, repo := range []string{
		"https://" + token + "@evil.example/x.git",
		"https://" + token + ":x-oauth-basic@evil.example/x.git",
		`https://u:p"w` + token + "@evil.example/x.git", // %q writes p\"w…
	} {
		_, gitErr := ForGitRepo(&v1alpha1.GitRepoSpec{Repo: repo}, nil, []*v1alpha1.Policy{policy("p", only)})
		_, restrictErr := ForGitRepo(&v1alpha1.GitRepoSpec{Repo: repo}, []*v1alpha1.GitRepoRestriction{
			restriction("r", func(r *v1alpha1.GitRepoRestriction) {
				r.AllowedRepoPatterns = []string{"https://" + token + "@git.example.com/.*"}
			}),
		}, nil)
		var op v1alpha1.HelmOpSpec
		op.Helm = &v1alpha1.HelmOptions{Chart: strings.Replace(repo, "x.git", "c.tgz", 1)}
		_, helmErr := ForHelmOp(&op, []*v1alpha1.Policy{policy("p", only)})
		for _, err := range []error{gitErr, restrictErr, helmErr} {
			if err == nil || !strings.Contains(err.Error(), "matches no allowed") {
				t.Fatalf("%s: %v; want a refusal", repo, err)
			}
			if refused := Refused("Restricted", err); strings.Contains(err.Error(), token) || strings.Contains(refused.Error(), token) ||
				!strings.Contains(refused.Error(), "***") || controller.ReasonOf(refused) != "Restricted" || !controller.IsStalling(refused) {
				t.Errorf("%s: refusal %q (%s) shows the token or is not a Restricted stall", repo, refused, controller.ReasonOf(refused))
			}
		}
	}
}
