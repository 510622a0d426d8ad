package gitops

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/test/gitserver"
)

// withoutFileDescriptors runs f with the process's soft limit of open files at the lowest free
// descriptor, so that the next open fails with EMFILE (a real one, as a busy server gets), then
// restores the limit. No test of this package runs in parallel.
func withoutFileDescriptors(t *testing.T, f func()) {
	t.Helper()
	probe, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	lowest := probe.Fd() // the kernel gives the lowest free descriptor
	_ = probe.Close()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = uint64(lowest)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
			t.Fatal(err)
		}
	}()
	f()
}

// TestServerTroubleIsNotAStall: a commit that could not be read because the server ran out of
// file descriptors (EMFILE) is Waiting ReadFailed, not Stalled, and leaves no record in status:
// the restarted server clones the commit again. A failure of the commit's own content leaves one,
// and is not cloned again.
func TestServerTroubleIsNotAStall(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("bad", map[string]string{"app/fleet.yaml": "helm: [\n", "app/cm.yaml": configMap})
	gr := helmGitRepo(func(s *v1alpha1.GitRepoSpec) { s.Repo = repo.URL })
	gr.Generation = 1
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	state := func(conds []v1alpha1.GenericCondition) *syncState {
		g := gr.DeepCopy()
		g.Status.Conditions = conds
		return &syncState{GitRepo: g, interval: time.Second, target: target{ref: "refs/heads/main", commit: commit}}
	}
	dir, _, err := checkout(context.Background(), t.TempDir(), repo.URL, Credentials{}, target{ref: "refs/heads/main", commit: commit})
	if err != nil {
		t.Fatal(err)
	}
	var readErr error
	withoutFileDescriptors(t, func() {
		_, readErr = readBundles(context.Background(), gr, dir, commit, nil, time.Second)
	})
	if !errors.Is(readErr, syscall.EMFILE) || controller.ReasonOf(readErr) != ReasonReadFailed || controller.IsStalling(readErr) {
		t.Fatalf("err = %v (%s); want a Waiting %s error from EMFILE", readErr, controller.ReasonOf(readErr), ReasonReadFailed)
	}
	var conds []v1alpha1.GenericCondition
	setStalled(&conds, &syncState{GitRepo: gr, syncRan: true}, readErr, ReasonReadFailed, readErr.Error(), now)
	if c := conditions.Find(conds, v1alpha1.ConditionStalled); c.Status != "False" {
		t.Fatalf("Stalled = %+v after a server error", c)
	}

	// The restarted server: nothing in memory, the status written above.
	restarted := &Reconciler{clock: clocktesting.NewFakeClock(now), failed: map[types.NamespacedName]failedSync{}}
	before := srv.PackFetches("app")
	s := state(conds)
	_, err = restarted.sync(context.Background(), s)
	if srv.PackFetches("app") != before+1 {
		t.Fatalf("the commit was not cloned again after the server error (%v)", err)
	}
	var sc *stalledCommit
	if !errors.As(err, &sc) || controller.ReasonOf(err) != ReasonInvalidBundle {
		t.Fatalf("sync = %v; want the commit's own error, a stall", err)
	}
	setStalled(&conds, s, err, controller.ReasonOf(err), err.Error(), now)
	again := &Reconciler{clock: clocktesting.NewFakeClock(now), failed: map[types.NamespacedName]failedSync{}}
	if _, err := again.sync(context.Background(), state(conds)); controller.ReasonOf(err) != ReasonInvalidBundle || srv.PackFetches("app") != before+1 {
		t.Fatalf("a recorded stall: sync = %v after %d clones, want the record and no clone", err, srv.PackFetches("app")-before)
	}
}

// TestServerTroubleErrors: which errors are the server's (retried) rather than the commit's.
func TestServerTroubleErrors(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	_, diskFull := full.Write([]byte("x")) // a real ENOSPC
	_, notFound := os.Open("/nonexistent/fleet.yaml")
	for err, want := range map[error]bool{
		diskFull: true, context.Canceled: true, &os.PathError{Op: "mkdir", Path: "/tmp/x", Err: syscall.EROFS}: true,
		notFound: false, errors.New("fleet.yaml:1: did not find expected node content"): false,
	} {
		if got := serverTrouble(&checkoutError{msg: "commit c: " + err.Error(), err: err}); got != want {
			t.Errorf("serverTrouble(%v) = %t, want %t", err, got, want)
		}
	}
}

// TestUnpinnedChartOverBudgetIsRetried: a chart without an exact version that is over its budget
// is Ready=False BundleTooLarge but not Stalled and not recorded: a release under the same range
// may fix it. It is retried with the chart backoff (a poll before the retry is due clones
// nothing). The same chart pinned to its version stalls the commit.
func TestUnpinnedChartOverBudgetIsRetried(t *testing.T) {
	charts := chartserver.NewRepo(t)
	charts.AddArchive(t, chartserver.Bomb(t, "bomb", "1.0.0", 60, 5<<20))
	srv := gitserver.NewHTTP(t)
	for version, floating := range map[string]bool{"^1.0.0": true, "1.0.0": false} {
		name := map[bool]string{true: "floating", false: "pinned"}[floating]
		repo := srv.NewRepo(t, name)
		commit := repo.Commit("a bomb", map[string]string{"app/fleet.yaml": "helm:\n  repo: " + charts.URL + "\n  chart: bomb\n  version: " + version + "\n"})
		clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		r := &Reconciler{clock: clk, failed: map[types.NamespacedName]failedSync{}}
		s := &syncState{GitRepo: helmGitRepo(func(sp *v1alpha1.GitRepoSpec) { sp.Repo = repo.URL }), interval: 10 * time.Second,
			target: target{ref: "refs/heads/main", commit: commit}}
		_, err := r.sync(context.Background(), s)
		if controller.ReasonOf(err) != ReasonBundleTooLarge || controller.IsStalling(err) == floating {
			t.Fatalf("version %s: sync = %v (%s, stalling %t)", version, err, controller.ReasonOf(err), controller.IsStalling(err))
		}
		clk.Step(5 * time.Second)
		if _, err := r.sync(context.Background(), s); controller.ReasonOf(err) != ReasonBundleTooLarge || srv.PackFetches(name) != 1 {
			t.Fatalf("version %s: a poll before the retry: %v after %d clones", version, err, srv.PackFetches(name))
		}
		var conds []v1alpha1.GenericCondition
		setStalled(&conds, s, err, ReasonBundleTooLarge, err.Error(), clk.Now())
		if c := conditions.Find(conds, v1alpha1.ConditionStalled); (c.Status == "True") == floating {
			t.Fatalf("version %s: Stalled = %+v", version, c)
		}
		if floating {
			clk.Step(6 * time.Second)
			if _, _ = r.sync(context.Background(), s); srv.PackFetches(name) != 2 {
				t.Fatalf("the retry after the backoff did not clone")
			}
		}
	}
}
