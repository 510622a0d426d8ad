package gitops

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestPausedAndForceSync: paused and forceSyncGeneration on the GitRepo reach its Bundles without a new
// commit (paused stops the rollout downstream; a new forceSyncGeneration forces a redeployment), and
// status.updateGeneration records the forceSyncGeneration that was synced.
func TestPausedAndForceSync(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "opts")
	c1 := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("opts", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}})
	b := e.waitBundles("opts", "opts-app")["opts-app"]
	e.waitCommit("opts", c1)
	if b.Spec.Paused || b.Spec.ForceSyncGeneration != 0 {
		t.Fatalf("fresh bundle: paused=%v forceSyncGeneration=%d", b.Spec.Paused, b.Spec.ForceSyncGeneration)
	}

	gr := e.gitRepo("opts")
	gr.Spec.Paused = true
	gr.Spec.ForceSyncGeneration = 7
	if _, err := e.cs.FleetV1alpha1().GitRepos(e.ns).Update(e.ctx(), gr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("bundle paused with forceSyncGeneration 7", func() (bool, error) {
		b = e.bundles("opts")["opts-app"]
		return b.Spec.Paused && b.Spec.ForceSyncGeneration == 7, nil
	}, func() string { return e.describe("opts") })
	e.waitFor("status.updateGeneration 7", func() (bool, error) {
		return e.gitRepo("opts").Status.UpdateGeneration == 7, nil
	}, func() string { return e.describe("opts") })
	if got := e.gitRepo("opts").Status.Commit; got != c1 {
		t.Fatalf("no new commit was pushed; status.commit = %s, want %s", got, c1)
	}
}
