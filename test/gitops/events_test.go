package gitops

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestEventsBehindKubeAPIServer: behind kube-apiserver the controller records core/v1 Events about the
// GitRepo — a Normal "Synced" event for a saved commit and a Warning with the failure's reason — so
// `kubectl describe gitrepo` shows what happened.
func TestEventsBehindKubeAPIServer(t *testing.T) {
	e := newClusterEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "events")
	repo.Commit("first", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("events", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}})
	e.createGitRepo("no-branch", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "missing"})

	eventFor := func(name, typ, reason string) func() (bool, error) {
		return func() (bool, error) {
			list, err := e.kube.CoreV1().Events(e.ns).List(e.ctx(), metav1.ListOptions{
				FieldSelector: fields.Set{"involvedObject.name": name, "involvedObject.kind": "GitRepo"}.String(),
			})
			if err != nil {
				return false, err
			}
			for _, ev := range list.Items {
				if ev.Type == typ && ev.Reason == reason && ev.InvolvedObject.APIVersion == v1alpha1.SchemeGroupVersion.String() {
					return true, nil
				}
			}
			return false, nil
		}
	}
	e.waitFor("Normal Synced event", eventFor("events", "Normal", "Synced"), func() string { return e.describe("events") })
	e.waitFor("Warning BranchNotFound event", eventFor("no-branch", "Warning", "BranchNotFound"), func() string { return e.describe("no-branch") })

	out, err := shared.Kube.Kubectl(e.ctx(), "", "describe", "gitrepo", "-n", e.ns, "events")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Synced") {
		t.Fatalf("kubectl describe gitrepo must list the events:\n%s", out)
	}
}
