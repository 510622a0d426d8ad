package chartserver

import (
	"os"
	"path/filepath"
	"testing"
)

// MinimalChart writes chart name at version (a Chart.yaml and one ConfigMap template naming the
// version) into a new directory and returns it, ready for Repo.Add or Registry.Add.
func MinimalChart(t testing.TB, name, version string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	WriteTree(t, dir, map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n",
		"templates/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  version: " + version + "\n",
	})
	return dir
}

// WriteTree writes files (slash-separated paths relative to dir) under dir.
func WriteTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
