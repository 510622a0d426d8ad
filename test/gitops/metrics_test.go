package gitops

import (
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestMetricsOnTheServer: the controller's metrics are on the server's /metrics.
func TestMetricsOnTheServer(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "m")
	repo.Commit("one", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("m", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main"})
	e.waitCondition("m", v1alpha1.ConditionReady, "True", gitops.ReasonSynced)

	body, err := e.cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`fleet_controller_reconcile_total{controller="gitrepo",result="requeue"}`,
		`fleet_controller_reconcile_duration_seconds_count{controller="gitrepo"}`,
		`fleet_gitops_git_fetch_duration_seconds_count{operation="ls-remote",result="success"}`,
		`fleet_gitops_git_fetch_duration_seconds_count{operation="clone",result="success"}`,
		`fleet_gitops_bundle_writes_total{operation="create"}`,
		`workqueue_depth{name="gitrepo"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
