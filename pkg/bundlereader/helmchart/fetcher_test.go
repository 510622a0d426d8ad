package helmchart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
)

const chartsDir = "../../../test/fixtures/charts"

func assertHasFile(t *testing.T, files map[string][]byte, name, substr string) {
	t.Helper()
	data, ok := files[name]
	if !ok {
		keys := make([]string, 0, len(files))
		for k := range files {
			keys = append(keys, k)
		}
		t.Fatalf("file %s missing; have %v", name, keys)
	}
	if !strings.Contains(string(data), substr) {
		t.Errorf("%s does not contain %q", name, substr)
	}
}

func TestFetchChart(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "guestbook"), filepath.Join(chartsDir, "redis"))
	reg := chartserver.NewRegistry(t, "charts", filepath.Join(chartsDir, "guestbook"))
	tests := []struct {
		name    string
		h       v1alpha1.HelmOptions
		wantErr string
	}{
		{name: "chart repository, exact version", h: v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook", Version: "0.0.1"}},
		{name: "chart repository, constraint", h: v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook", Version: "~0.0"}},
		{name: "chart repository, latest", h: v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook"}},
		{name: "tgz URL", h: v1alpha1.HelmOptions{Chart: repo.URL + "/guestbook-0.0.1.tgz"}},
		{name: "OCI in repo", h: v1alpha1.HelmOptions{Repo: "oci://" + reg.Host + "/charts/guestbook", Version: "0.0.1"}},
		{name: "OCI repo plus chart", h: v1alpha1.HelmOptions{Repo: "oci://" + reg.Host + "/charts", Chart: "guestbook", Version: "0.0.1"}},
		{name: "OCI in chart", h: v1alpha1.HelmOptions{Chart: "oci://" + reg.Host + "/charts/guestbook", Version: "0.0.1"}},
		{name: "local chart outside the bundle", h: v1alpha1.HelmOptions{Chart: "../guestbook"}},
		{name: "unknown chart", h: v1alpha1.HelmOptions{Repo: repo.URL, Chart: "nope"}, wantErr: "nope"},
		{name: "unknown version", h: v1alpha1.HelmOptions{Repo: repo.URL, Chart: "guestbook", Version: "9.9.9"}, wantErr: "9.9.9"},
	}
	f := &Fetcher{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := f.FetchChart(context.Background(), filepath.Join(chartsDir, "redis"), &tt.h)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertHasFile(t, files, "guestbook/Chart.yaml", "name: guestbook")
			assertHasFile(t, files, "guestbook/templates/frontend-deployment.yaml", "kind: Deployment")
		})
	}
}

func TestDependencies(t *testing.T) {
	repo := chartserver.NewRepo(t, filepath.Join(chartsDir, "redis"))
	dir := t.TempDir()
	chart := "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 0.1.x\n  repository: " + repo.URL + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(chart), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{}
	files, err := f.Dependencies(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["charts/redis-0.1.0.tgz"]; !ok || len(files) != 1 {
		t.Fatalf("files = %v, want charts/redis-0.1.0.tgz", len(files))
	}
	if _, err := os.Stat(filepath.Join(dir, "charts")); !os.IsNotExist(err) {
		t.Errorf("the chart directory was modified: %v", err)
	}
	// A chart whose charts/ is complete needs nothing.
	if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "charts", "redis-0.1.0.tgz"), files["charts/redis-0.1.0.tgz"], 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := f.Dependencies(context.Background(), dir)
	if err != nil || len(again) != 0 {
		t.Errorf("complete charts/: files %d err %v", len(again), err)
	}
}
