package gitops

import (
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/gitserver"
)

// waitListings waits until the git server has answered n more ref listings of repository name
// than before: the GitRepo has been polled that often since.
func (e *env) waitListings(git *gitserver.Server, name string, before, n int) {
	e.t.Helper()
	e.waitFor("ref listings of "+name, func() (bool, error) {
		return len(git.RefAdvertisements(name)) >= before+n, nil
	}, func() string { return e.describe(name) })
}

// TestOversizedCommitStallsAcrossRestarts: a commit with a 100 MiB file (over the 64 MiB budget
// of a bundle's files) stalls with BundleTooLarge naming the file, its size and the budget, while
// another GitRepo keeps syncing. The stall is recorded in status: after a restart of the server
// the commit is polled but not cloned again (the git server counts the pack fetches), until a new
// commit comes.
func TestOversizedCommitStallsAcrossRestarts(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	huge := git.NewRepo(t, "huge")
	bad := huge.Commit("a huge file", map[string]string{"app/cm.yaml": cm, "app/big.bin": strings.Repeat("x", 100<<20)})
	other := git.NewRepo(t, "other")
	other.Commit("one", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("huge", v1alpha1.GitRepoSpec{Repo: huge.URL, Branch: "main"})
	e.createGitRepo("other", v1alpha1.GitRepoSpec{Repo: other.URL, Branch: "main"})

	c := e.waitCondition("huge", v1alpha1.ConditionStalled, "True", gitops.ReasonBundleTooLarge)
	for _, want := range []string{"commit " + bad + ", generation 1: ", "app/big.bin", "100 MiB", "budget of 64 MiB for the files of one bundle"} {
		if !strings.Contains(c.Message, want) {
			t.Fatalf("Stalled message %q does not say %q", c.Message, want)
		}
	}
	if r := condition(e.gitRepo("huge"), v1alpha1.ConditionReady); r.Reason != gitops.ReasonBundleTooLarge || !strings.Contains(r.Message, "app/big.bin") {
		t.Fatalf("Ready = %+v", r)
	}
	// Meanwhile other GitRepos sync.
	next := other.Commit("two", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"2"`, 1)})
	e.waitCommit("other", next)
	cloned := git.PackFetches("huge")
	e.waitListings(git, "huge", len(git.RefAdvertisements("huge")), 3)
	if n := git.PackFetches("huge"); n != cloned {
		t.Fatalf("the stalled commit was cloned %d more times while the server ran", n-cloned)
	}

	e.srv.Stop()
	e.srv.Start("--controllers=true")
	e.cs = e.srv.Clientset()
	// The restarted controllers run: a new commit of the other repository is synced, and the stalled
	// GitRepo is polled, three times, without a clone.
	after := other.Commit("three", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"3"`, 1)})
	e.waitCommit("other", after)
	e.waitListings(git, "huge", len(git.RefAdvertisements("huge")), 3)
	if n := git.PackFetches("huge"); n != cloned {
		t.Fatalf("after the restart the stalled commit was cloned %d more times", n-cloned)
	}
	if c := condition(e.gitRepo("huge"), v1alpha1.ConditionStalled); c.Status != "True" || !strings.Contains(c.Message, bad) {
		t.Fatalf("Stalled after the restart = %+v", c)
	}

	fixed := huge.Commit("no huge file", map[string]string{"app/big.bin": ""})
	e.waitCommit("huge", fixed)
	e.waitCondition("huge", v1alpha1.ConditionStalled, "False", "")
	if git.PackFetches("huge") == cloned {
		t.Fatal("the new commit was synced without a clone?")
	}
}

// TestZipBombChartStalls: fleet.yamls naming a chart whose 300 KiB archive expands to 300 MiB,
// and one holding three chart archives in charts/ that expand to 95 MiB each (which Helm's loader
// would expand in memory), stall their commits with BundleTooLarge naming the archive and the
// budget. Each archive is asked of the chart repository once, however often the GitRepos are
// polled, and another GitRepo keeps syncing. The charts are pinned to their version: an unpinned
// chart's failure is retried with a backoff instead (pkg/gitops TestUnpinnedChartOverBudgetIsRetried).
func TestZipBombChartStalls(t *testing.T) {
	e := newEnv(t)
	chartRepo := chartserver.NewRepo(t)
	chartRepo.AddArchive(t, chartserver.Bomb(t, "bomb", "1.0.0", 60, 5<<20),
		chartserver.Nested(t, "nest", "1.0.0", chartserver.Bomb(t, "zeros", "1.0.0", 19, 5<<20), 3))
	git := gitserver.NewHTTP(t)
	want := map[string][]string{
		"bomb": {"bomb-1.0.0.tgz", "more than 64 MiB once decompressed", "budget of 64 MiB for one chart"},
		"nest": {"more than 64 MiB of files and nested chart archives once decompressed", "charts/zeros-", "budget of 64 MiB for one chart"},
	}
	for name := range want {
		repo := git.NewRepo(t, name)
		repo.Commit("a zip bomb", map[string]string{"app/fleet.yaml": "helm:\n  repo: " + chartRepo.URL + "\n  chart: " + name + "\n  version: 1.0.0\n"})
		e.createGitRepo(name, v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main"})
	}
	other := git.NewRepo(t, "fine")
	other.Commit("one", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("fine", v1alpha1.GitRepoSpec{Repo: other.URL, Branch: "main"})

	for name, parts := range want {
		c := e.waitCondition(name, v1alpha1.ConditionStalled, "True", gitops.ReasonBundleTooLarge)
		for _, p := range parts {
			if !strings.Contains(c.Message, p) {
				t.Fatalf("%s: Stalled message %q does not say %q", name, c.Message, p)
			}
		}
	}
	next := other.Commit("two", map[string]string{"app/cm.yaml": strings.Replace(cm, `"1"`, `"2"`, 1)})
	e.waitCommit("fine", next)
	for name := range want {
		e.waitListings(git, name, len(git.RefAdvertisements(name)), 3)
		if n := git.PackFetches(name); n != 1 {
			t.Fatalf("%s: the stalled commit was cloned %d times, want once", name, n)
		}
		if n := chartRepo.ArchiveRequests(name + "-1.0.0.tgz"); n != 1 {
			t.Fatalf("%s: the chart repository was asked for the archive %d times, want once", name, n)
		}
	}
}
