package gitops

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// BenchmarkHostileRepositoryMemory measures the peak resident memory (VmHWM) of fleet-apiserver
// --standalone while its GitRepo controller reads a hostile commit, against the same server after
// syncing an ordinary one:
//
//	go test -run '^$' -bench HostileRepositoryMemory -benchtime 1x -timeout 30m ./test/gitops/
//
// "huge-file": one 512 MiB file (under the 1 GiB clone quota); "large-file": one of 90 MiB (under
// the 100 MiB budget of one git object, over the 64 MiB of a bundle's files); "zip-bomb-chart": a
// fleet.yaml naming a 300 KiB chart archive that expands to 300 MiB (60 files of 5 MiB);
// "nested-chart-bomb": one naming a chart holding 12 archives in charts/ of 95 MiB each (Helm's
// loader expands them in memory); "many-files": a bundle of 100,000 files of a few bytes in 100
// directories;
// "deep-fleetignore": 10 nested directories each with a 1 MiB .fleetignore of one-letter rules;
// "huge-chart-yaml": a bundle's chart whose Chart.yaml is 16 MiB of tiny values. Each case gets
// its own server. Numbers go to docs/benchmarks.md.
func BenchmarkHostileRepositoryMemory(b *testing.B) {
	cases := map[string]func(b *testing.B, repo *gitserver.Repo){
		"huge-file": func(b *testing.B, repo *gitserver.Repo) {
			repo.Commit("huge", map[string]string{"app/cm.yaml": cm, "app/big.bin": strings.Repeat("x", 512<<20)})
		},
		"large-file": func(b *testing.B, repo *gitserver.Repo) {
			repo.Commit("large", map[string]string{"app/cm.yaml": cm, "app/big.bin": strings.Repeat("x", 90<<20)})
		},
		"zip-bomb-chart": func(b *testing.B, repo *gitserver.Repo) {
			charts := chartserver.NewRepo(b)
			charts.AddArchive(b, chartserver.Bomb(b, "bomb", "1.0.0", 60, 5<<20))
			repo.Commit("bomb", map[string]string{"app/fleet.yaml": "helm:\n  repo: " + charts.URL + "\n  chart: bomb\n  version: 1.0.0\n"})
		},
		"nested-chart-bomb": func(b *testing.B, repo *gitserver.Repo) {
			charts := chartserver.NewRepo(b)
			charts.AddArchive(b, chartserver.Nested(b, "nest", "1.0.0", chartserver.Bomb(b, "zeros", "1.0.0", 19, 5<<20), 12))
			repo.Commit("nested", map[string]string{"app/fleet.yaml": "helm:\n  repo: " + charts.URL + "\n  chart: nest\n  version: 1.0.0\n"})
		},
		"many-files": func(b *testing.B, repo *gitserver.Repo) {
			repo.CommitMany("many", 100_000, func(i int) (string, string) {
				if i == 0 {
					return "app/fleet.yaml", "{}\n"
				}
				return fmt.Sprintf("app/d%d/f%d.txt", i%100, i), fmt.Sprint(i)
			})
		},
		"deep-fleetignore": func(b *testing.B, repo *gitserver.Repo) {
			files, dir := map[string]string{"app/cm.yaml": cm}, "app"
			for i := range 10 {
				dir += fmt.Sprintf("/d%d", i)
				files[dir+"/.fleetignore"] = strings.Repeat("a\n", 512<<10)
			}
			repo.Commit("ignores", files)
		},
		"huge-chart-yaml": func(b *testing.B, repo *gitserver.Repo) {
			var y strings.Builder
			y.WriteString("apiVersion: v2\nname: c\nversion: 1.0.0\nannotations:\n")
			for i := 0; y.Len() < 16<<20; i++ {
				fmt.Fprintf(&y, "  k%d: v\n", i)
			}
			repo.Commit("chart", map[string]string{"app/fleet.yaml": "helm:\n  chart: ./chart\n", "app/chart/Chart.yaml": y.String()})
		},
	}
	for _, name := range []string{"huge-file", "large-file", "zip-bomb-chart", "nested-chart-bomb", "many-files", "deep-fleetignore", "huge-chart-yaml"} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				benchHostile(b, cases[name])
			}
		})
	}
}

func benchHostile(b *testing.B, commit func(*testing.B, *gitserver.Repo)) {
	b.StopTimer()
	srv := framework.StartStandalone(b, "", "--controllers=true")
	defer srv.Stop()
	cs := srv.Clientset()
	git := gitserver.NewHTTP(b)
	const ns = "fleet-local"
	ctx := context.Background()
	create := func(name, url string) {
		gr := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1alpha1.GitRepoSpec{
			Repo: url, Branch: "main", PollingInterval: &metav1.Duration{Duration: time.Second}}}
		if _, err := cs.FleetV1alpha1().GitRepos(ns).Create(ctx, gr, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	ordinary := git.NewRepo(b, "ordinary")
	ordinary.Commit("one", map[string]string{"app/cm.yaml": cm})
	create("ordinary", ordinary.URL)
	waitAllSynced(b, cs, ns, 1, 2*time.Minute)
	before := readProc(b, srv.PID())

	hostile := git.NewRepo(b, "hostile")
	commit(b, hostile)
	create("hostile", hostile.URL)
	// Done when the commit is either synced (without budgets) or stalled (with them).
	var outcome string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		gr, err := cs.FleetV1alpha1().GitRepos(ns).Get(ctx, "hostile", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		ready, stalled := condition(gr, v1alpha1.ConditionReady), condition(gr, v1alpha1.ConditionStalled)
		switch {
		case ready.Status == "True":
			outcome = "synced"
		case stalled.Status == "True":
			outcome = "stalled: " + stalled.Reason
		}
		return outcome != "", nil
	})
	if err != nil {
		b.Fatalf("the hostile commit was neither synced nor stalled: %v\n%s", err, tail(srv.Output(), 20))
	}
	after := readProc(b, srv.PID())
	b.Logf("outcome: %s", outcome)
	b.ReportMetric(float64(before.peak)/(1<<20), "peak-rss-before-MiB")
	b.ReportMetric(float64(after.peak)/(1<<20), "peak-rss-after-MiB")
	b.ReportMetric(float64(after.peak-before.peak)/(1<<20), "peak-growth-MiB")
}
