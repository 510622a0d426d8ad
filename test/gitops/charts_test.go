package gitops

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestRemoteChartsInGitRepos: a fleet.yaml naming a chart in a chart repository gets the chart into
// its Bundle, as `fleet apply` does; a fleet.yaml pointing a local chart outside the repository
// (../../ up into the server's file system) or a values file outside it is refused as InvalidBundle
// and reads nothing.
func TestRemoteChartsInGitRepos(t *testing.T) {
	e := newEnv(t)
	charts := filepath.Join(framework.RepoRoot(), "test", "fixtures", "charts")
	chartRepo := chartserver.NewRepo(t, filepath.Join(charts, "guestbook"))
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "charts")
	repo.Commit("remote chart", map[string]string{
		"remote/fleet.yaml": "helm:\n  repo: " + chartRepo.URL + "\n  chart: guestbook\n  version: 0.0.1\n",
	})
	e.createGitRepo("charts", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"remote"}})
	b := e.waitBundles("charts", "charts-remote")["charts-remote"]
	found := false
	for _, r := range b.Spec.Resources {
		found = found || strings.HasSuffix(r.Name, "guestbook/Chart.yaml")
	}
	if !found {
		t.Fatalf("the chart's files must be in the Bundle; resources: %d", len(b.Spec.Resources))
	}

	escape := "helm:\n  chart: ../../../../../../../../../../" + strings.TrimPrefix(charts, "/") + "/guestbook\n"
	repo.Commit("escape", map[string]string{"remote/fleet.yaml": escape})
	c := e.waitCondition("charts", v1alpha1.ConditionReady, "False", gitops.ReasonInvalidBundle)
	if !strings.Contains(c.Message, "inside the repository") || !strings.Contains(c.Message, "remote") {
		t.Fatalf("Ready message must refuse the chart outside the repository and name the bundle: %q", c.Message)
	}

	// A values file outside the repository: the server's own admin kubeconfig is YAML.
	kubeconfig := "../../../../../../../../../../" + strings.TrimPrefix(e.srv.Kubeconfig, "/")
	repo.Commit("values escape", map[string]string{"remote/fleet.yaml": "helm:\n  chart: ./chart\n  valuesFiles: [" + kubeconfig + "]\n",
		"remote/chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n"})
	e.waitFor("values file refused", func() (bool, error) {
		c := condition(e.gitRepo("charts"), v1alpha1.ConditionReady)
		return c.Reason == gitops.ReasonInvalidBundle && strings.Contains(c.Message, "valuesFiles"), nil
	}, func() string { return e.describe("charts") })
	if c := condition(e.gitRepo("charts"), v1alpha1.ConditionReady); !strings.Contains(c.Message, "inside the repository") || strings.Contains(c.Message, "token") {
		t.Fatalf("Ready message: %q", c.Message)
	}
}
