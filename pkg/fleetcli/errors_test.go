package fleetcli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// runCLI runs the fleet command in dir and returns stdout, stderr and the error.
func runCLI(t testing.TB, dir string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCommand(Config{Out: &out, Err: &errOut, WorkDir: dir})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"

func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		args    []string
		wantErr string // substrings, all required
	}{
		{name: "malformed fleet.yaml", files: map[string]string{"fleet.yaml": "namespace: a\nhelm:\n  values: {a: [}\n", "cm.yaml": cm},
			args: []string{"apply", "-o", "-", "x"}, wantErr: "fleet.yaml:3: invalid YAML"},
		{name: "wrong type in fleet.yaml", files: map[string]string{"fleet.yaml": "namespace: a\ntargetCustomizations:\n- name: dev\n  doNotDeploy: maybe\n", "cm.yaml": cm},
			args: []string{"test"}, wantErr: "fleet.yaml:4: targetCustomizations[0].doNotDeploy: expected true or false"},
		{name: "chart that fails to render", files: map[string]string{
			"Chart.yaml":        "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.deeper }}\n",
			"fleet.yaml":        "helm:\n  releaseName: broken\n"},
			args: []string{"test"}, wantErr: "Chart.yaml: rendering chart broken: template: broken/templates/cm.yaml:4"},
		{name: "patch without a base file", files: map[string]string{"cm.yaml": cm, "overlays/o/nothere_patch.yaml": "data: {a: b}\n",
			"fleet.yaml": "yaml:\n  overlays: [o]\n"},
			args: []string{"test"}, wantErr: "overlays/o/nothere_patch.yaml: no base file nothere.yaml"},
		{name: "templating error", files: map[string]string{"cm.yaml": cm,
			"fleet.yaml": "helm:\n  values:\n    a: ok\n    b: ${ .ClusterValues.nope.deeper }\n"},
			args: []string{"test"}, wantErr: "fleet.yaml:4: helm.values: template"},
		{name: "no target matches", files: map[string]string{"cm.yaml": cm,
			"fleet.yaml": "targetCustomizations:\n- name: dev\n  clusterSelector: {matchLabels: {env: dev}}\n"},
			args: []string{"test", "-l", "env=prod"}, wantErr: "no target matches"},
		{name: "bad label flag", files: map[string]string{"cm.yaml": cm}, args: []string{"test", "-l", "novalue"}, wantErr: "expected key=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			out, _, err := runCLI(t, dir, tt.args...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if out != "" {
				t.Errorf("partial output on error:\n%s", out)
			}
		})
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	dir := writeTree(t, map[string]string{"cm.yaml": cm, "fleet.yaml": "namespace: a\nhelm:\n  vaules: {a: 1}\nnamepsace: b\n"})
	out, errOut, err := runCLI(t, dir, "apply", "-o", "-", "x")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "unknown keys ignored: helm.vaules (line 3), namepsace (line 4)") {
		t.Errorf("stderr = %q", errOut)
	}
	if !strings.Contains(out, "kind: Bundle") {
		t.Errorf("no bundle written:\n%s", out)
	}
}

func TestApplyOrderAndFile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"b/fleet.yaml": "namespace: b", "b/cm.yaml": cm,
		"a/fleet.yaml": "namespace: a", "a/cm.yaml": cm,
	})
	out, _, err := runCLI(t, dir, "apply", "-o", "out.yaml", "repo", "b", "a")
	if err != nil {
		t.Fatal(err)
	}
	if out != "" {
		t.Errorf("stdout should be empty with -o FILE: %q", out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	ia, ib := strings.Index(s, "name: repo-a"), strings.Index(s, "name: repo-b")
	if ia < 0 || ib < 0 || ia > ib || strings.Count(s, "---\n") != 2 {
		t.Errorf("bundles not in name order as two documents:\n%s", s)
	}
}

func TestTargetAndDeployDryRun(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"app/fleet.yaml":                 "namespace: app\ntargetCustomizations:\n- name: dev\n  clusterSelector: {matchLabels: {env: dev}}\n  yaml: {overlays: [dev]}\n- name: prod\n  clusterSelector: {matchLabels: {env: prod}}\n",
		"app/cm.yaml":                    cm + "data:\n  env: base\n",
		"app/overlays/dev/cm_patch.yaml": "data:\n  env: dev\n",
		"clusters.yaml": `apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c-dev, namespace: fleet-default, labels: {env: dev}}
status: {namespace: cluster-fleet-default-c-dev-1}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c-prod, namespace: fleet-default, labels: {env: prod}}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c-none, namespace: fleet-default}
`,
	})
	if _, _, err := runCLI(t, dir, "apply", "-n", "fleet-default", "-o", "bundle.yaml", "repo", "app"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, dir, "target", "-n", "fleet-default", "-b", "bundle.yaml", "--clusters", "clusters.yaml", "-o", "bd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "bd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bds := string(data)
	if strings.Count(bds, "kind: BundleDeployment") != 2 || strings.Count(bds, "kind: Content") != 1 || out != "" {
		t.Fatalf("target output:\n%s", bds)
	}
	if !strings.Contains(bds, "namespace: cluster-fleet-default-c-dev-1") {
		t.Errorf("cluster namespace not used:\n%s", bds)
	}
	out, _, err = runCLI(t, dir, "deploy", "-i", "bd.yaml", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "kind: ConfigMap") != 2 || !strings.Contains(out, "env: dev") || !strings.Contains(out, "env: base") {
		t.Errorf("deploy output:\n%s", out)
	}
	// The output of several BundleDeployments is one stream of well-formed documents.
	docs := strings.Split(out, "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("deploy output has %d documents, want 2:\n%s", len(docs), out)
	}
	for _, doc := range docs {
		var obj map[string]any
		if err := yaml.UnmarshalStrict([]byte(doc), &obj); err != nil || obj["kind"] != "ConfigMap" {
			t.Errorf("document %q: %v", doc, err)
		}
	}
	if _, _, err := runCLI(t, dir, "deploy", "-i", "bd.yaml"); err == nil || !strings.Contains(err.Error(), "--dry-run") {
		t.Errorf("deploy without --dry-run: %v", err)
	}
}

// TestOverrideTargetsAndRestrictions drives a GitRepo-like flow: --targets-file targets, a
// customization that must not add clusters, and overrideTargets replacing the GitRepo targets.
func TestOverrideTargetsAndRestrictions(t *testing.T) {
	clusters := `apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterGroup
metadata: {name: prod-group, namespace: fleet-default}
spec: {selector: {matchLabels: {env: prod}}}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c-dev, namespace: fleet-default, labels: {env: dev}}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c-prod, namespace: fleet-default, labels: {env: prod}}
---
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata: {name: c-test, namespace: fleet-default, labels: {env: test}}
`
	dir := writeTree(t, map[string]string{
		"clusters.yaml": clusters,
		"targets.yaml":  "- name: prod\n  clusterGroup: prod-group\n",
		// The customization selects test clusters, but the GitRepo only targets prod: no test BD.
		"restricted/fleet.yaml": "targetCustomizations:\n- name: test\n  clusterSelector: {matchLabels: {env: test}}\n  namespace: t\n",
		"restricted/cm.yaml":    cm,
		// overrideTargets replaces the GitRepo targets for this bundle only.
		"override/fleet.yaml": "overrideTargets:\n- name: dev-only\n  clusterSelector: {matchLabels: {env: dev}}\n",
		"override/cm.yaml":    cm,
	})
	if _, _, err := runCLI(t, dir, "apply", "-n", "fleet-default", "--targets-file", "targets.yaml", "-o", "b.yaml", "repo", "restricted", "override"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, dir, "target", "-n", "fleet-default", "-b", "b.yaml", "--clusters", "clusters.yaml", "-o", "bd.yaml"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "bd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, doc := range strings.Split(string(data), "---\n") {
		if !strings.Contains(doc, "kind: BundleDeployment") {
			continue
		}
		var bundle, cluster string
		for _, l := range strings.Split(doc, "\n") {
			l = strings.TrimSpace(l)
			if v, ok := strings.CutPrefix(l, "fleet.cattle.io/bundle-name: "); ok {
				bundle = v
			}
			if v, ok := strings.CutPrefix(l, "fleet.cattle.io/cluster: "); ok {
				cluster = v
			}
		}
		got[bundle+"@"+cluster] = true
	}
	want := map[string]bool{"repo-restricted@c-prod": true, "repo-override@c-dev": true}
	if len(got) != len(want) {
		t.Fatalf("bundle deployments %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing %s; got %v", k, got)
		}
	}
}
