package gitops

import (
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestSyncBehindKubeAPIServer runs the sync loop of fleet-apiserver in delegated mode, registered with a
// real kube-apiserver: a GitRepo created through the aggregator becomes Bundles, as in standalone mode.
func TestSyncBehindKubeAPIServer(t *testing.T) {
	e := newClusterEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "delegated")
	c1 := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("delegated", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}})
	e.waitBundles("delegated", "delegated-app")
	e.waitCommit("delegated", c1)
}
