package manifest

import "testing"

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
