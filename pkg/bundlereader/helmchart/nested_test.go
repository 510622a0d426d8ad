package helmchart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/test/framework"
)

// zerosChart is a chart archive of about 100 KiB that expands to 95 MiB: 19 files of 5 MiB of
// zeros, each within Helm's caps (5 MiB a file, 100 MiB an archive).
func zerosChart(t *testing.T) chartserver.Packaged {
	return chartserver.Bomb(t, "zeros", "1.0.0", 19, 5<<20)
}

// TestNestedZipBombStopsAtTheBudget: chart archives in charts/, which Helm's loader expands in
// memory, count decompressed against the chart's budget: three copies of a 100 KiB archive of
// 95 MiB are refused naming the chart, the archive and the budget, fetched from a chart repository,
// as a chart directory outside the bundle, and as the bundle's own chart whose dependencies are
// resolved, allocating a fraction of the budget (the loader took 2.3 GiB for twelve).
func TestNestedZipBombStopsAtTheBudget(t *testing.T) {
	nest := chartserver.Nested(t, "nest", "1.0.0", zerosChart(t), 3)
	repo := chartserver.NewRepo(t)
	repo.AddArchive(t, nest)
	root := t.TempDir()
	chartDir := filepath.Join(root, "nest")
	chartserver.WriteTree(t, chartDir, map[string]string{"Chart.yaml": "apiVersion: v2\nname: nest\nversion: 1.0.0\n" +
		"dependencies:\n- name: zeros\n  version: 1.0.0\n  repository: https://charts.example\n"})
	for i := range 3 {
		p := filepath.Join(chartDir, "charts", "zeros-"+string(rune('0'+i))+".tgz")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, zerosChart(t).Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &Fetcher{Root: root}
	ctx := context.Background()
	for name, fetch := range map[string]func() error{
		"chart repository": func() error {
			_, err := f.FetchChart(ctx, root, &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "nest", Version: "1.0.0"})
			return err
		},
		"chart directory": func() error {
			_, err := f.FetchChart(ctx, filepath.Join(root, "app"), &v1alpha1.HelmOptions{Chart: "../nest"})
			return err
		},
		"dependencies of the bundle's chart": func() error {
			_, err := f.Dependencies(ctx, chartDir)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			alloc := framework.Allocated(func() { err = fetch() })
			wantTooLarge(t, err, "more than 64 MiB of files and nested chart archives once decompressed", "charts/zeros-", "budget of 64 MiB for one chart")
			if alloc > 32<<20 {
				t.Errorf("fetching allocated %s", bundlereader.FormatSize(int64(alloc)))
			}
		})
	}
}

// TestDeeplyNestedArchivesAreRefused: archives nested in charts/ more than 8 levels deep are
// refused (each level holds a decompressor while it is checked); 8 levels are read.
func TestDeeplyNestedArchivesAreRefused(t *testing.T) {
	nest := func(levels int) chartserver.Packaged {
		p := chartserver.Bomb(t, "leaf", "1.0.0", 1, 10)
		for range levels {
			p = chartserver.Nested(t, "level", "1.0.0", p, 1)
		}
		return p
	}
	repo := chartserver.NewRepo(t)
	repo.AddArchive(t, nest(8))
	if _, err := (&Fetcher{}).FetchChart(context.Background(), t.TempDir(), &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "level"}); err != nil {
		t.Fatalf("8 levels: %v", err)
	}
	repo = chartserver.NewRepo(t)
	repo.AddArchive(t, nest(9))
	_, err := (&Fetcher{}).FetchChart(context.Background(), t.TempDir(), &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "level"})
	wantTooLarge(t, err, "9 levels of chart archives nested in charts/ is over the budget of 8")
}

// TestChartYAMLHasABudget: the YAML Helm's loader parses (values.yaml here: 3 MiB of tiny values,
// within Helm's own cap of 5 MiB a file, some 200 MiB to parse) is refused before the loader
// reads it, naming the file and the budget.
func TestChartYAMLHasABudget(t *testing.T) {
	root := t.TempDir()
	var b strings.Builder
	for i := 0; b.Len() < 3<<20; i++ {
		b.WriteString("- 1\n")
	}
	chartserver.WriteTree(t, filepath.Join(root, "big"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: big\nversion: 1.0.0\n",
		"values.yaml": "list:\n" + b.String()})
	var err error
	alloc := framework.Allocated(func() {
		_, err = (&Fetcher{}).FetchChart(context.Background(), filepath.Join(root, "app"), &v1alpha1.HelmOptions{Chart: "../big"})
	})
	wantTooLarge(t, err, filepath.Join(root, "big", "values.yaml"), "budget of 2 MiB for the YAML Helm parses to load one chart")
	if alloc > 16<<20 {
		t.Errorf("fetching allocated %s", bundlereader.FormatSize(int64(alloc)))
	}
}

// TestUnpinnedChartFailuresFloat: the failure of a remote chart without an exact version is
// marked bundlereader.Floating (a fix may be published under the same range); with one, not.
func TestUnpinnedChartFailuresFloat(t *testing.T) {
	repo := chartserver.NewRepo(t)
	repo.AddArchive(t, chartserver.Bomb(t, "bomb", "1.0.0", 60, 5<<20))
	for version, floating := range map[string]bool{"": true, "^1.0.0": true, "1.0.0": false} {
		_, err := (&Fetcher{}).FetchChart(context.Background(), t.TempDir(), &v1alpha1.HelmOptions{Repo: repo.URL, Chart: "bomb", Version: version})
		wantTooLarge(t, err, "bomb-1.0.0.tgz")
		if bundlereader.IsFloating(err) != floating {
			t.Errorf("version %q: IsFloating = %t, want %t", version, !floating, floating)
		}
	}
}
