package bundlereader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generateRepo writes a repository of bundles directories, each with a fleet.yaml and
// filesPerBundle-1 manifests, and returns its root.
func generateRepo(tb testing.TB, bundles, filesPerBundle int) string {
	tb.Helper()
	root := tb.TempDir()
	for i := 0; i < bundles; i++ {
		dir := filepath.Join(root, "apps", fmt.Sprintf("app-%03d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		fy := fmt.Sprintf("namespace: app-%03d\ntargetCustomizations:\n- name: prod\n  clusterSelector: {matchLabels: {env: prod}}\n  yaml: {overlays: [prod]}\n", i)
		if err := os.WriteFile(filepath.Join(dir, "fleet.yaml"), []byte(fy), 0o644); err != nil {
			tb.Fatal(err)
		}
		for j := 1; j < filesPerBundle; j++ {
			cm := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  bundle: \"%d\"\n  file: \"%d\"\n  payload: %q\n", j, i, j, fmt.Sprint(make([]byte, 512)))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("cm-%02d.yaml", j)), []byte(cm), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return root
}

// BenchmarkReadRepo is `fleet apply -o` over 200 bundles / 2,000 files.
func BenchmarkReadRepo(b *testing.B) {
	root := generateRepo(b, 200, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Read(context.Background(), Options{Name: "repo", Paths: []string{filepath.Join(root, "apps")}, BaseDir: root})
		if err != nil {
			b.Fatal(err)
		}
		if len(res) != 200 {
			b.Fatalf("%d bundles", len(res))
		}
	}
}

func TestGeneratedRepo(t *testing.T) {
	root := generateRepo(t, 3, 4)
	res, err := Read(context.Background(), Options{Name: "repo", Paths: []string{filepath.Join(root, "apps")}, BaseDir: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || len(res[0].Bundle.Spec.Resources) != 3 || res[0].Bundle.Name != "repo-apps-app-000" {
		t.Fatalf("bundles %d, resources %d, name %s", len(res), len(res[0].Bundle.Spec.Resources), res[0].Bundle.Name)
	}
}

// BenchmarkHostileFleetYAML: fleet.yaml files built to be expensive — a syntax error after 4,900
// long lines (the error-line search parses every prefix) and anchors expanding to 8 million values
// — must cost milliseconds, not minutes, of the server's CPU (docs/benchmarks.md).
func BenchmarkHostileFleetYAML(b *testing.B) {
	broken := strings.Repeat("k"+strings.Repeat("x", 90)+": v\n", 4900) + "bad: [\n"
	var bomb strings.Builder
	bomb.WriteString("dependsOn:\n- selector:\n    matchExpressions: &E\n    - {key: k, operator: In, values: &V [" +
		strings.TrimSuffix(strings.Repeat("a,", 200), ",") + "]}\n")
	for range 199 {
		bomb.WriteString("    - {key: k, operator: In, values: *V}\n")
	}
	for range 199 {
		bomb.WriteString("- selector: {matchExpressions: *E}\n")
	}
	for name, doc := range map[string]string{"SyntaxErrorAtTheEnd": broken, "AliasBomb": bomb.String()} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := ParseFleetYAML("fleet.yaml", []byte(doc)); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
