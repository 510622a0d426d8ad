package helmchart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// TestRootConfinesLocalCharts: with Root set (as the controllers set it to a checkout), a local chart
// or a file:// dependency that resolves outside Root — by .., an absolute path or a symlink — is
// refused; one inside is read.
func TestRootConfinesLocalCharts(t *testing.T) {
	outside, err := filepath.Abs(filepath.Join(chartsDir, "guestbook"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := copyDir(outside, filepath.Join(root, "charts", "guestbook")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(root, "app")
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{Root: root}
	ctx := context.Background()
	if files, err := f.FetchChart(ctx, bundle, &v1alpha1.HelmOptions{Chart: "../charts/guestbook"}); err != nil {
		t.Fatalf("a chart inside the root must be read: %v", err)
	} else {
		assertHasFile(t, files, "guestbook/Chart.yaml", "name: guestbook")
	}
	for _, chart := range []string{"../../" + filepath.Base(filepath.Dir(root)) + "/nope", outside, "../link"} {
		_, err := f.FetchChart(ctx, bundle, &v1alpha1.HelmOptions{Chart: chart})
		if err == nil || !strings.Contains(err.Error(), "inside the repository") {
			t.Errorf("chart %s: err = %v, want a refusal", chart, err)
		}
	}

	dep := filepath.Join(root, "withdep")
	if err := os.MkdirAll(dep, 0o755); err != nil {
		t.Fatal(err)
	}
	chart := "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: guestbook\n  version: 0.0.1\n  repository: file://" + outside + "\n"
	if err := os.WriteFile(filepath.Join(dep, "Chart.yaml"), []byte(chart), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Dependencies(ctx, dep); err == nil || !strings.Contains(err.Error(), "inside the repository") {
		t.Errorf("file:// dependency outside the root: err = %v, want a refusal", err)
	}
	if _, err := (&Fetcher{}).Dependencies(ctx, dep); err != nil {
		t.Errorf("without Root the CLI may use any local dependency: %v", err)
	}
}

// TestLocalDependencies: a relative file:// dependency resolves from the chart's own directory (not
// from the copy Helm works on) and is packaged; with Root, one that climbs out of the root through
// enough .. to reach any absolute path is refused.
func TestLocalDependencies(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("common/Chart.yaml", "apiVersion: v2\nname: common\nversion: 0.1.0\n")
	write("a/b/c/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: common\n  version: 0.1.0\n  repository: file://../../../../common\n")
	f := &Fetcher{Root: root}
	files, err := f.Dependencies(context.Background(), filepath.Join(root, "a/b/c/app"))
	if err != nil {
		t.Fatalf("a file:// dependency inside the repository must resolve: %v", err)
	}
	if _, ok := files["charts/common-0.1.0.tgz"]; !ok {
		t.Fatalf("files = %v, want charts/common-0.1.0.tgz", len(files))
	}

	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "Chart.yaml"), []byte("apiVersion: v2\nname: secret\nversion: 0.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", strings.Count(filepath.Join(root, "a/b/c/escape"), "/")+2)
	write("a/b/c/escape/Chart.yaml", "apiVersion: v2\nname: escape\nversion: 1.0.0\ndependencies:\n- name: secret\n  version: 0.1.0\n  repository: file://"+up+strings.TrimPrefix(outside, "/")+"\n")
	if _, err := f.Dependencies(context.Background(), filepath.Join(root, "a/b/c/escape")); err == nil || !strings.Contains(err.Error(), "inside the repository") {
		t.Fatalf("a file:// dependency climbing out of the root: err = %v, want a refusal", err)
	}
}
