package render

import (
	"testing"
)

// FuzzPatch checks that patching never panics, whatever the base and the patch.
func FuzzPatch(f *testing.F) {
	f.Add([]byte(deployment), []byte("spec:\n  replicas: 3\n"))
	f.Add([]byte(service), []byte("- op: replace\n  path: /spec/type\n  value: LoadBalancer\n"))
	f.Add([]byte(widget), []byte("spec:\n  list: null\n"))
	f.Add([]byte("a: 1\n"), []byte("[]"))
	f.Add([]byte("[1]"), []byte("{\"$patch\": \"delete\"}"))
	f.Fuzz(func(t *testing.T, base, patch []byte) {
		_, _, _ = Patch(base, patch)
	})
}

// FuzzApplyOverlays checks overlay application on arbitrary file contents and names.
func FuzzApplyOverlays(f *testing.F) {
	f.Add("frontend.yaml", []byte(deployment), "frontend_patch.yaml", []byte("spec: {replicas: 2}\n"))
	f.Add("svc.yaml", []byte(service), "svc.yaml", []byte(""))
	f.Add("a.yaml", []byte("x: 1"), "b_patch.yml", []byte("- op: add\n  path: /y\n  value: 2\n"))
	f.Fuzz(func(t *testing.T, baseName string, base []byte, overlayName string, overlay []byte) {
		files := map[string][]byte{baseName: base, OverlayDir + "o/" + overlayName: overlay}
		out, err := ApplyOverlays(files, []string{"o"})
		if err == nil && out == nil {
			t.Fatal("nil files without error")
		}
		if err == nil {
			_, raw := splitRawYAML(out)
			_, _ = parseObjectFiles(out, raw)
		}
	})
}
