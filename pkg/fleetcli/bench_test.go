package fleetcli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generateRepo writes bundles directories of filesPerBundle files (fleet.yaml included).
func generateRepo(tb testing.TB, bundles, filesPerBundle int) string {
	tb.Helper()
	files := map[string]string{}
	payload := strings.Repeat("x", 512)
	for i := 0; i < bundles; i++ {
		dir := fmt.Sprintf("apps/app-%03d/", i)
		files[dir+"fleet.yaml"] = fmt.Sprintf("namespace: app-%03d\n", i)
		for j := 1; j < filesPerBundle; j++ {
			files[dir+fmt.Sprintf("cm-%02d.yaml", j)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  payload: %s\n", j, payload)
		}
	}
	root := tb.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// BenchmarkApply is `fleet apply -o FILE repo apps` over 200 bundles / 2,000 files.
func BenchmarkApply(b *testing.B) {
	root := generateRepo(b, 200, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := runCLI(b, root, "apply", "-o", "out.yaml", "repo", "apps"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	data, err := os.ReadFile(filepath.Join(root, "out.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if n := strings.Count(string(data), "kind: Bundle\n"); n != 200 {
		b.Fatalf("%d bundles written", n)
	}
	b.ReportMetric(float64(len(data)), "output-bytes")
}
