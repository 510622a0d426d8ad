package bundlereader

import (
	"errors"
	"testing"
)

// FuzzParseFleetYAML checks that any input either parses or fails with a *FileError, never panics.
func FuzzParseFleetYAML(f *testing.F) {
	for _, seed := range []string{
		"",
		"namespace: a\nhelm:\n  values: {a: 1}\n",
		"targetCustomizations:\n- name: dev\n  clusterSelector: {matchLabels: {env: dev}}\n  yaml: {overlays: [a]}\n",
		"dependsOn:\n- selector: {matchLabels: {a: b}}\n  acceptedStates: [Ready]\n",
		"helm: [\n",
		"a: &x {b: *x}\n",
		"<<: {namespace: a}\n",
		"rolloutStrategy: {maxUnavailable: 10%, partitions: [{name: p, clusterName: c}]}\n",
		"- 1\n- 2\n",
		"imageScans:\n- image: x\n  interval: 5m\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fy, _, err := ParseFleetYAML("fleet.yaml", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FileError", err)
			}
			return
		}
		if fy == nil {
			t.Fatal("nil result without error")
		}
	})
}
