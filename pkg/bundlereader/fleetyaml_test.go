package bundlereader

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFleetYAML(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantErr     string // substring; empty = no error
		wantLine    int
		wantUnknown []string
		check       func(t *testing.T, fy *FleetYAML)
	}{
		{name: "empty file", in: ""},
		{name: "fleet-examples multi-cluster helm", in: `namespace: fleet-mc-helm-example
targetCustomizations:
- name: dev
  helm:
    values:
      replication: false
  clusterSelector:
    matchLabels:
      env: dev
`, check: func(t *testing.T, fy *FleetYAML) {
			t.Helper()
			if fy.TargetNamespace != "fleet-mc-helm-example" || len(fy.TargetCustomizations) != 1 {
				t.Fatalf("unexpected parse: %+v", fy)
			}
			if v := fy.TargetCustomizations[0].Helm.Values.Data["replication"]; v != false {
				t.Errorf("replication = %v", v)
			}
		}},
		{name: "syntax error names the line", in: "namespace: a\nhelm:\n  values: [\n", wantErr: "invalid YAML", wantLine: 3},
		{name: "unknown keys are warnings", in: "namespace: a\nhelm:\n  vaules: {}\ntargetCustomisations: []\n",
			wantUnknown: []string{"helm.vaules (line 3)", "targetCustomisations (line 4)"}},
		{name: "unknown key inside a customization", in: "targetCustomizations:\n- name: x\n  clustrName: c\n",
			wantUnknown: []string{"targetCustomizations[0].clustrName (line 3)"}},
		{name: "wrong kind names the line", in: "namespace: a\nhelm:\n  values: [1, 2]\n", wantErr: "helm.values: expected a mapping", wantLine: 3},
		{name: "number where a string is expected", in: "helm:\n  version: 1.2\n", wantErr: "quote it", wantLine: 2},
		{name: "quoted number is a string", in: "helm:\n  version: \"1.2\"\n", check: func(t *testing.T, fy *FleetYAML) {
			t.Helper()
			if fy.Helm.Version != "1.2" {
				t.Errorf("version = %q", fy.Helm.Version)
			}
		}},
		{name: "bool field", in: "keepResources: yes please\n", wantErr: "expected true or false", wantLine: 1},
		{name: "dependsOn needs name or selector", in: "dependsOn:\n- acceptedStates: [Ready]\n", wantErr: "name or selector", wantLine: 2},
		{name: "dependsOn state must exist", in: "dependsOn:\n- name: a\n  acceptedStates: [Happy]\n", wantErr: "Happy", wantLine: 2},
		{name: "customization mode must be known", in: "namespace: a\ntargetCustomizationMode: Sometimes\n", wantErr: "not FirstMatch or AllMatches", wantLine: 2},
		{name: "root must be a mapping", in: "- a\n", wantErr: "expected a mapping", wantLine: 1},
		{name: "overrideTargets and labels", in: "labels: {app: x}\noverrideTargets:\n- clusterSelector: {matchLabels: {env: dev}}\n",
			check: func(t *testing.T, fy *FleetYAML) {
				t.Helper()
				if fy.Labels["app"] != "x" || len(fy.OverrideTargets) != 1 {
					t.Errorf("unexpected parse: %+v", fy)
				}
			}},
		{name: "integers in values keep their type", in: "helm:\n  values:\n    replicas: 3\n", check: func(t *testing.T, fy *FleetYAML) {
			t.Helper()
			if v := fy.Helm.Values.Data["replicas"]; v != int64(3) {
				t.Errorf("replicas = %#v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fy, warn, err := ParseFleetYAML("dir/fleet.yaml", []byte(tt.in))
			if tt.wantErr != "" {
				assertFileError(t, err, "dir/fleet.yaml", tt.wantLine, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(tt.wantUnknown) > 0 {
				if warn == nil {
					t.Fatalf("no warning, want unknown keys %v", tt.wantUnknown)
				}
				for _, k := range tt.wantUnknown {
					if !strings.Contains(warn.String(), k) {
						t.Errorf("warning %q does not list %q", warn.String(), k)
					}
				}
			} else if warn != nil {
				t.Errorf("unexpected warning: %s", warn)
			}
			if tt.check != nil {
				tt.check(t, fy)
			}
		})
	}
}

func assertFileError(t *testing.T, err error, file string, line int, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", substr)
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FileError", err)
	}
	if fe.File != file || (line > 0 && fe.Line != line) {
		t.Errorf("error at %s:%d, want %s:%d (%v)", fe.File, fe.Line, file, line, err)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Errorf("error %q does not contain %q", err, substr)
	}
}

// TestAliasBombIsRefused: a few anchors that expand to millions of values are refused quickly with
// the file and line, instead of being walked.
func TestAliasBombIsRefused(t *testing.T) {
	var b strings.Builder
	values := strings.TrimSuffix(strings.Repeat("a,", 200), ",")
	b.WriteString("dependsOn:\n- selector:\n    matchExpressions: &E\n    - {key: k, operator: In, values: &V [" + values + "]}\n")
	for range 199 {
		b.WriteString("    - {key: k, operator: In, values: *V}\n")
	}
	for range 199 {
		b.WriteString("- selector: {matchExpressions: *E}\n")
	}
	_, _, err := ParseFleetYAML("fleet.yaml", []byte(b.String())) // 200 × 200 × 200 values
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "once aliases are expanded") || fe.Line == 0 {
		t.Fatalf("err = %v, want a FileError with a line about expanded aliases", err)
	}
}
