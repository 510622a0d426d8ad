package bundlereader

import (
	"context"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// recordingFetcher stands in for the Helm SDK fetcher (tested in package helmchart against real
// servers); it records calls and returns fixed files.
type recordingFetcher struct {
	fetched []string
	deps    []string
}

var _ ChartFetcher = (*recordingFetcher)(nil)

func (f *recordingFetcher) FetchChart(_ context.Context, _ string, h *v1alpha1.HelmOptions) (map[string][]byte, error) {
	f.fetched = append(f.fetched, h.Repo+"|"+h.Chart+"|"+h.Version)
	return map[string][]byte{"remote/Chart.yaml": []byte("name: remote\n")}, nil
}

func (f *recordingFetcher) Dependencies(_ context.Context, chartDir string) (map[string][]byte, error) {
	f.deps = append(f.deps, chartDir)
	return map[string][]byte{"charts/dep-1.0.0.tgz": {0x1f, 0x8b}}, nil
}

func TestChartFetching(t *testing.T) {
	chartWithDeps := "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: dep\n  version: 1.0.0\n  repository: https://charts.example\n"
	tests := []struct {
		name        string
		files       map[string]string
		wantFetched []string
		wantDeps    int
		wantRes     string
	}{
		{name: "local chart with dependencies", files: map[string]string{"Chart.yaml": chartWithDeps, "fleet.yaml": ""},
			wantDeps: 1, wantRes: "charts/dep-1.0.0.tgz"},
		{name: "disableDependencyUpdate", files: map[string]string{"Chart.yaml": chartWithDeps, "fleet.yaml": "helm:\n  disableDependencyUpdate: true\n"}},
		{name: "chart in a sub-directory", files: map[string]string{"chart/Chart.yaml": chartWithDeps, "fleet.yaml": "helm:\n  chart: ./chart\n"},
			wantDeps: 1, wantRes: "chart/charts/dep-1.0.0.tgz"},
		{name: "repository chart, root and customization versions",
			files: map[string]string{"fleet.yaml": "helm: {repo: https://charts.example, chart: remote, version: 1.0.0}\n" +
				"targetCustomizations:\n- name: new\n  clusterSelector: {}\n  helm: {version: 2.0.0}\n- name: same\n  clusterSelector: {}\n  helm: {values: {a: 1}}\n"},
			wantFetched: []string{"https://charts.example|remote|1.0.0", "https://charts.example|remote|2.0.0"},
			wantRes:     manifest.ChartPath(&v1alpha1.HelmOptions{Repo: "https://charts.example", Chart: "remote", Version: "2.0.0"}) + "/remote/Chart.yaml"},
		{name: "tgz URL", files: map[string]string{"fleet.yaml": "helm: {chart: https://example.com/x-1.tgz}\n"},
			wantFetched: []string{"|https://example.com/x-1.tgz|"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			f := &recordingFetcher{}
			res := readAll(t, root, Options{Charts: f})
			if strings.Join(f.fetched, ",") != strings.Join(tt.wantFetched, ",") {
				t.Errorf("fetched %v, want %v", f.fetched, tt.wantFetched)
			}
			if len(f.deps) != tt.wantDeps {
				t.Errorf("dependency updates %v, want %d", f.deps, tt.wantDeps)
			}
			if tt.wantRes != "" && !strings.Contains(strings.Join(resourceNames(res[0].Bundle), ","), tt.wantRes) {
				t.Errorf("resources %v lack %s", resourceNames(res[0].Bundle), tt.wantRes)
			}
		})
	}
}

func TestRemoteChartWithoutFetcher(t *testing.T) {
	root := writeTree(t, map[string]string{"fleet.yaml": "helm: {repo: https://charts.example, chart: remote}\n"})
	_, err := Read(context.Background(), Options{Name: "x", Paths: []string{root}, BaseDir: root})
	if err == nil || !strings.Contains(err.Error(), "no chart fetcher") {
		t.Errorf("err = %v", err)
	}
}
