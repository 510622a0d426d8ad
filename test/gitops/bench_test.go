package gitops

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// The benchmark, run with the real fleet-apiserver --standalone and a real git http-backend:
//
//	go test -run '^$' -bench 'IdleGitRepos|OneOf200' -benchtime 1x -timeout 60m ./test/gitops/
//
// FLEET_BENCH_GITREPOS (default 500) and FLEET_BENCH_IDLE (default 60s) size the idle benchmark.
// Numbers go to docs/benchmarks.md.

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchEnvDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// procStat is what /proc says of a process: CPU time used and resident memory.
type procStat struct {
	cpu       time.Duration // user + system
	rss, peak int64         // bytes
}

func readProc(tb testing.TB, pid int) procStat {
	tb.Helper()
	ps, err := framework.ReadProc(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return procStat{cpu: ps.CPU, rss: ps.RSS, peak: ps.Peak}
}

// waitAllSynced waits until every GitRepo of ns has a commit and is Ready.
func waitAllSynced(tb testing.TB, cs *clientset.Clientset, ns string, n int, bound time.Duration) {
	tb.Helper()
	var ready int
	err := wait.PollUntilContextTimeout(context.Background(), time.Second, bound, true, func(ctx context.Context) (bool, error) {
		list, err := cs.FleetV1alpha1().GitRepos(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready = 0
		for _, gr := range list.Items {
			if gr.Status.Commit != "" && string(condition(&gr, v1alpha1.ConditionReady).Status) == "True" {
				ready++
			}
		}
		return ready == n, nil
	})
	if err != nil {
		tb.Fatalf("%d of %d GitRepos synced: %v", ready, n, err)
	}
}

// BenchmarkIdleGitRepos: N GitRepos with the default polling interval (15 s), all synced, then left
// alone for a window: the server's CPU (cores used on average) and memory, and the ls-remote requests
// the git server saw per second. "distinct-repos": each GitRepo has its own repository; "one-repo":
// all point at one repository (different paths), which the shared fetcher polls once per interval.
func BenchmarkIdleGitRepos(b *testing.B) {
	n := benchEnvInt("FLEET_BENCH_GITREPOS", 500)
	window := benchEnvDuration("FLEET_BENCH_IDLE", 60*time.Second)
	for _, shared := range []bool{false, true} {
		name := "distinct-repos"
		if shared {
			name = "one-repo"
		}
		b.Run(fmt.Sprintf("%s/gitrepos=%d", name, n), func(b *testing.B) {
			for range b.N {
				benchIdle(b, n, shared, window)
			}
		})
	}
}

func benchIdle(b *testing.B, n int, shared bool, window time.Duration) {
	b.StopTimer()
	srv := framework.StartStandalone(b, "", "--controllers=true")
	defer srv.Stop()
	cs := srv.Clientset()
	git := gitserver.NewHTTP(b)
	const ns = "fleet-local"
	var one *gitserver.Repo
	if shared {
		one = git.NewRepo(b, "shared")
		files := map[string]string{}
		for i := range n {
			files[fmt.Sprintf("apps/app-%03d/cm.yaml", i)] = cm
		}
		one.Commit("apps", files)
	}
	repos := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		if shared {
			repos[i] = one.URL
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := git.NewRepo(b, fmt.Sprintf("repo-%03d", i))
			r.Commit("app", map[string]string{"app/cm.yaml": cm})
			repos[i] = r.URL
		}()
	}
	wg.Wait()
	for i := range n {
		spec := v1alpha1.GitRepoSpec{Repo: repos[i], Branch: "main", Paths: []string{"app"}}
		if shared {
			spec.Paths = []string{fmt.Sprintf("apps/app-%03d", i)}
		}
		gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("gr-%03d", i), Namespace: ns}, Spec: spec}
		if _, err := cs.FleetV1alpha1().GitRepos(ns).Create(context.Background(), gr, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	waitAllSynced(b, cs, ns, n, 20*time.Minute)

	before := readProc(b, srv.PID())
	refsBefore := len(git.Requests(""))
	start := time.Now()
	b.StartTimer()
	time.Sleep(window) // the benchmark measures an idle period; nothing is waited for
	b.StopTimer()
	elapsed := time.Since(start)
	after := readProc(b, srv.PID())
	requests := len(git.Requests("")) - refsBefore
	b.ReportMetric(after.cpu.Seconds()-before.cpu.Seconds(), "cpu-s")
	b.ReportMetric((after.cpu-before.cpu).Seconds()/elapsed.Seconds(), "cores")
	b.ReportMetric(float64(after.rss)/(1<<20), "rss-MiB")
	b.ReportMetric(float64(after.peak)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(requests)/elapsed.Seconds(), "git-req/s")
}

// BenchmarkOneOf200BundlesChanged: one GitRepo over a repository with 200 bundle paths; each
// iteration commits a change to one of them and waits until the GitRepo is at that commit. writes/op
// counts the Bundles whose resourceVersion moved (the goal is 1).
func BenchmarkOneOf200BundlesChanged(b *testing.B) {
	const paths = 200
	b.StopTimer()
	srv := framework.StartStandalone(b, "", "--controllers=true")
	defer srv.Stop()
	cs := srv.Clientset()
	git := gitserver.NewHTTP(b)
	repo := git.NewRepo(b, "two-hundred")
	files := map[string]string{}
	for i := range paths {
		files[fmt.Sprintf("apps/app-%03d/cm.yaml", i)] = cm
	}
	repo.Commit("apps", files)
	const ns = "fleet-local"
	gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "two-hundred", Namespace: ns}, Spec: v1alpha1.GitRepoSpec{
		Repo: repo.URL, Branch: "main", Paths: []string{"apps/*"}, PollingInterval: &metav1.Duration{Duration: time.Second},
	}}
	ctx := context.Background()
	if _, err := cs.FleetV1alpha1().GitRepos(ns).Create(ctx, gr, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	waitAllSynced(b, cs, ns, 1, 5*time.Minute)
	var writes int
	for i := range b.N {
		list, err := cs.FleetV1alpha1().Bundles(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(list.Items) != paths {
			b.Fatalf("%d bundles, want %d", len(list.Items), paths)
		}
		rvBefore, _ := strconv.ParseInt(list.ResourceVersion, 10, 64)
		b.StartTimer()
		commit := repo.Commit(fmt.Sprintf("change %d", i), map[string]string{
			fmt.Sprintf("apps/app-%03d/cm.yaml", i%paths): strings.Replace(cm, `v: "1"`, fmt.Sprintf("v: \"%d\"", i+2), 1),
		})
		err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			g, err := cs.FleetV1alpha1().GitRepos(ns).Get(ctx, "two-hundred", metav1.GetOptions{})
			return err == nil && g.Status.Commit == commit, nil
		})
		b.StopTimer()
		if err != nil {
			b.Fatalf("commit %s not synced: %v", commit, err)
		}
		list, err = cs.FleetV1alpha1().Bundles(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, bd := range list.Items {
			if rv, _ := strconv.ParseInt(bd.ResourceVersion, 10, 64); rv > rvBefore {
				writes++
			}
		}
	}
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}
