package helmchart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/test/framework"
)

func wantTooLarge(t *testing.T, err error, parts ...string) {
	t.Helper()
	if !errors.Is(err, bundlereader.ErrTooLarge) {
		t.Fatalf("error %v is not bundlereader.ErrTooLarge", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// TestZipBombChartStopsAtTheBudget: archives of 300 KiB to 700 KiB from a chart repository that
// expand to 300 MiB (60 entries of 5 MiB of zeros, each within Helm's own 5 MiB cap per file) or
// hold 100,000 entries are refused while they are expanded, naming the archive, the entry and the
// budget, and fetching them allocates a fraction of the budget: nothing is held in memory.
func TestZipBombChartStopsAtTheBudget(t *testing.T) {
	repo := chartserver.NewRepo(t)
	repo.AddArchive(t, chartserver.Bomb(t, "bomb", "1.0.0", 60, 5<<20), chartserver.Bomb(t, "many", "1.0.0", 100_000, 0))
	f := &Fetcher{}
	tests := []struct {
		chart string
		want  []string
	}{
		{chart: "bomb", want: []string{"bomb-1.0.0.tgz", "more than 64 MiB once decompressed", `at entry "bomb/templates/zeros-12.yaml"`, "budget of 64 MiB for one chart"}},
		{chart: "many", want: []string{"many-1.0.0.tgz", "more than 10000 entries", "budget of 10000 entries for one chart"}},
	}
	for _, tt := range tests {
		t.Run(tt.chart, func(t *testing.T) {
			var err error
			alloc := framework.Allocated(func() {
				_, err = f.FetchChart(context.Background(), t.TempDir(), &v1alpha1.HelmOptions{Repo: repo.URL, Chart: tt.chart})
			})
			wantTooLarge(t, err, tt.want...)
			if alloc > 32<<20 {
				t.Errorf("fetching allocated %s; the archive must be streamed to disk and stopped at the budget", bundlereader.FormatSize(int64(alloc)))
			}
		})
	}
}

// TestLargeChartDirectoryIsNotLoaded: a local chart directory whose files exceed the budget
// together is refused before Helm's loader reads it into memory.
func TestLargeChartDirectoryIsNotLoaded(t *testing.T) {
	root := t.TempDir()
	chartserver.WriteTree(t, filepath.Join(root, "big"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: big\nversion: 1.0.0\n"})
	for i := range 14 { // 5 MiB each: within Helm's cap per file, 70 MiB together
		f, err := os.Create(filepath.Join(root, "big", fmt.Sprintf("templates-%d.yaml", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(5 << 20); err != nil { // a hole: no disk space
			t.Fatal(err)
		}
		_ = f.Close()
	}
	var err error
	alloc := framework.Allocated(func() {
		_, err = (&Fetcher{}).FetchChart(context.Background(), filepath.Join(root, "app"), &v1alpha1.HelmOptions{Chart: "../big"})
	})
	wantTooLarge(t, err, filepath.Join(root, "big"), "of files", "budget of 64 MiB for one chart")
	if alloc > 8<<20 {
		t.Errorf("fetching allocated %s; the files must not be read", bundlereader.FormatSize(int64(alloc)))
	}
}
