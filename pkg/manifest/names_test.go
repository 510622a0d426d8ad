package manifest

import (
	"strings"
	"testing"
)

func TestHelmReleaseName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "valid name kept", in: "test", want: "test"},
		{name: "slashes become dashes", in: "fleet-examples/multi-cluster/helm", want: "fleet-examples-multi-cluster-helm"},
		{name: "fleet docs example is limited to 53", in: "opni-fleet-examples-fleets-opni-ui-plugin-operator-crd",
			want: "opni-fleet-examples-fleets-opni-ui-plugin-opera-021f7"},
		{name: "upper case gets an md5 suffix", in: "Test", want: "test-" + Hex("Test", 8)},
		{name: "underscore replaced", in: "repo/my_app", want: "repo-my-app-" + Hex("repo-my_app", 8)},
		// Vectors of Fleet's own names tests: a dot is not kept, it forces the suffix.
		{name: "fleet: dots", in: "bundle.name.example.com", want: "bundle-name-example-com-645ef821"},
		{name: "fleet: dot, case and underscore", in: "long-name-test-0.App_ ", want: "long-name-test-0-app-5bf6b3fb"},
		{name: "fleet: dashes collapse", in: "long-name-test--App_-_12.factor", want: "long-name-test-app-12-factor-0efbac37"},
		{name: "only disallowed characters", in: "__", want: Hex("__", 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HelmReleaseName(tt.in)
			if got != tt.want {
				t.Errorf("HelmReleaseName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > 53 {
				t.Errorf("HelmReleaseName(%q) is %d characters long", tt.in, len(got))
			}
		})
	}
}

func TestLimit(t *testing.T) {
	long := "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	got := Limit(long, 53)
	if len(got) != 53 {
		t.Fatalf("Limit returned %d characters: %q", len(got), got)
	}
	if got[:47] != long[:47] || got[47:] != "-"+Hex(long, 5) {
		t.Errorf("Limit(%q) = %q", long, got)
	}
	if Limit("short", 53) != "short" {
		t.Errorf("Limit changed a short string")
	}
}

// TestSafeConcatNameAndKeyHash checks Fleet's names.SafeConcatName and KeyHash on a cluster
// namespace of the reference (cluster-fleet-local-local-1a3d67d0a899) and on long names cut after
// a letter and after a dash; the expected values were computed with Python's hashlib from Fleet's
// algorithm.
func TestSafeConcatNameAndKeyHash(t *testing.T) {
	cns := ClusterNamespace
	tests := []struct{ got, want string }{
		{cns("fleet-local", "local"), "cluster-fleet-local-local-1a3d67d0a899"},
		{cns("fleet-default", strings.Repeat("a", 40)), "cluster-fleet-default-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a981f"},
		{cns("fleet-default", strings.Repeat("c", 34)+"-"+strings.Repeat("d", 10)), "cluster-fleet-default-cccccccccccccccccccccccccccccccccc-990276"},
		{KeyHash(strings.Repeat("x", 150)), "09ecb6ebc8bc"}, // only the first 100 bytes count
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
		if len(tt.got) > 63 {
			t.Errorf("%q is longer than 63", tt.got)
		}
	}
}
