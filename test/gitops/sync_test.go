package gitops

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: \"1\"\n"

// TestCommitsBecomeBundles follows one GitRepo through its life: first commit → Bundles with
// Fleet's names and labels; a commit changing one bundle rewrites only that one; a removed path is
// pruned; deleting the GitRepo deletes its Bundles.
func TestCommitsBecomeBundles(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "fleet-examples")
	c1 := repo.Commit("first", map[string]string{
		"apps/web/cm.yaml":     cm,
		"apps/db/fleet.yaml":   "defaultNamespace: db\n",
		"apps/db/cm.yaml":      cm,
		"apps/cache/cm.yaml":   cm,
		"docs/not-scanned.yml": cm,
	})
	e.createGitRepo("demo", v1alpha1.GitRepoSpec{
		Repo: repo.URL, Branch: "main", Paths: []string{"apps/*"},
		Targets: []v1alpha1.GitTarget{{Name: "prod", ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}},
	})

	first := e.waitBundles("demo", "demo-apps-cache,demo-apps-db,demo-apps-web")
	e.waitCommit("demo", c1)
	for name, b := range first {
		if b.Labels[v1alpha1.RepoLabel] != "demo" || b.Labels[v1alpha1.CommitLabel] != c1 {
			t.Fatalf("bundle %s labels = %v", name, b.Labels)
		}
		if len(b.Spec.TargetRestrictions) != 1 || b.Spec.TargetRestrictions[0].Name != "prod" {
			t.Fatalf("bundle %s: the GitRepo targets must become targetRestrictions: %+v", name, b.Spec.TargetRestrictions)
		}
		if last := b.Spec.Targets[len(b.Spec.Targets)-1]; last.Name != "prod" {
			t.Fatalf("bundle %s: the GitRepo targets must be appended: %+v", name, b.Spec.Targets)
		}
	}
	if first["demo-apps-db"].Spec.DefaultNamespace != "db" {
		t.Fatalf("fleet.yaml not applied: %+v", first["demo-apps-db"].Spec.BundleDeploymentOptions)
	}
	gr := e.gitRepo("demo")
	if c := condition(gr, v1alpha1.ConditionGitPolling); c.Status != "True" {
		t.Fatalf("GitPolling = %+v", c)
	}
	if gr.Status.GitJobStatus != "Current" || gr.Status.Display.State != "" || !containsFinalizer(gr) {
		t.Fatalf("status %+v, finalizers %v", gr.Status.Display, gr.Finalizers)
	}

	t.Run("a commit changing one bundle rewrites only that bundle", func(t *testing.T) {
		e := e.with(t)
		c2 := repo.Commit("second", map[string]string{"apps/web/cm.yaml": strings.Replace(cm, `"1"`, `"2"`, 1)})
		pushed := time.Now()
		e.waitCommit("demo", c2)
		// Within one polling interval: the first ls-remote that reached the server after the push
		// found the commit, and the clone followed it — at most two ref listings (that ls-remote and
		// the clone's own) before the fetch of the pack, none missed.
		listings := 0
		for _, r := range git.Requests("fleet-examples") {
			if r.Time.Before(pushed) {
				continue
			}
			if strings.HasSuffix(r.Path, "/git-upload-pack") {
				break
			}
			if strings.HasSuffix(r.Path, "/info/refs") {
				listings++
			}
		}
		if listings == 0 || listings > 2 {
			t.Fatalf("%d ref listings between the push and the clone; want the next poll to find the commit", listings)
		}
		second := e.bundles("demo")
		for name, b := range second {
			// The Bundles' status is the server's (their summaries): a rewrite by the sync is the rest.
			changed := !framework.EqualExcept(b, first[name], append(framework.ServerWritten, "status")...)
			if changed != (name == "demo-apps-web") {
				t.Fatalf("bundle %s rewritten=%v (rv %s → %s); only demo-apps-web changed", name, changed, first[name].ResourceVersion, b.ResourceVersion)
			}
		}
		if second["demo-apps-web"].Labels[v1alpha1.CommitLabel] != c2 || second["demo-apps-db"].Labels[v1alpha1.CommitLabel] != c1 {
			t.Fatal("commit labels: a changed bundle gets the new commit, an unchanged one keeps the commit it last changed at")
		}
	})

	t.Run("a removed path prunes its bundle", func(t *testing.T) {
		e := e.with(t)
		c3 := repo.Commit("drop cache", map[string]string{"apps/cache": ""})
		e.waitCommit("demo", c3)
		e.waitBundles("demo", "demo-apps-db,demo-apps-web")
	})

	t.Run("deleting the GitRepo deletes its bundles", func(t *testing.T) {
		e := e.with(t)
		if err := e.cs.FleetV1alpha1().GitRepos(e.ns).Delete(e.ctx(), "demo", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitBundles("demo", "")
		e.waitFor("the GitRepo to go", func() (bool, error) {
			_, err := e.cs.FleetV1alpha1().GitRepos(e.ns).Get(context.Background(), "demo", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		}, func() string { return e.describe("demo") })
	})
}

// TestBadCommitKeepsTheLastGoodBundles: a broken fleet.yaml makes the GitRepo Ready=False and
// Stalled, naming the file and line in the Status column; the Bundles of the last good commit stay;
// the next good commit recovers.
func TestBadCommitKeepsTheLastGoodBundles(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "bad")
	c1 := repo.Commit("good", map[string]string{"one/cm.yaml": cm, "two/cm.yaml": cm})
	e.createGitRepo("bad", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"one", "two"}})
	before := e.waitBundles("bad", "bad-one,bad-two")
	e.waitCommit("bad", c1)

	repo.Commit("broken", map[string]string{"two/fleet.yaml": "defaultNamespace: x\nhelm:\n  values: [unclosed\n", "one/cm.yaml": strings.Replace(cm, `"1"`, `"3"`, 1)})
	ready := e.waitCondition("bad", v1alpha1.ConditionReady, "False", gitops.ReasonInvalidBundle)
	if !strings.Contains(ready.Message, "two/fleet.yaml:") {
		t.Fatalf("Ready message must name the file and line: %q", ready.Message)
	}
	if c := condition(e.gitRepo("bad"), v1alpha1.ConditionStalled); c.Status != "True" || c.Reason != gitops.ReasonInvalidBundle {
		t.Fatalf("Stalled = %+v", c)
	}
	if out := e.srv.Kubectl("get", "gitrepos", "-n", e.ns, "bad"); !strings.Contains(out, "two/fleet.yaml:") {
		t.Fatalf("kubectl get gitrepos must show the error in the Status column:\n%s", out)
	}
	after := e.bundles("bad")
	for name, b := range before {
		if !framework.EqualExcept(after[name], b, append(framework.ServerWritten, "status")...) {
			t.Fatalf("bundle %s changed on a bad commit", name)
		}
	}
	if gr := e.gitRepo("bad"); gr.Status.Commit != c1 {
		t.Fatalf("status.commit = %s, want the last good %s", gr.Status.Commit, c1)
	}

	c3 := repo.Commit("fixed", map[string]string{"two/fleet.yaml": "defaultNamespace: x\n"})
	e.waitCommit("bad", c3)
	if c := condition(e.gitRepo("bad"), v1alpha1.ConditionStalled); c.Status != "False" {
		t.Fatalf("Stalled after the fix = %+v", c)
	}
}

func containsFinalizer(gr *v1alpha1.GitRepo) bool {
	for _, f := range gr.Finalizers {
		if f == v1alpha1.GitRepoFinalizer {
			return true
		}
	}
	return false
}
