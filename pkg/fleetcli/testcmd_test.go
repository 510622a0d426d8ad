package fleetcli

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

const ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n"

// TestFleetTestOutput checks what scripts written for Fleet's `fleet test` read: the match on
// stderr, and on stdout only the objects, without a leading document separator.
func TestFleetTestOutput(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.yaml": cm, "b.yaml": ns,
		"fleet.yaml": "targetCustomizations:\n- name: prod\n  clusterSelector: {matchLabels: {env: prod}}\n"})
	out, errOut, err := runCLI(t, dir, "test", "-l", "env=prod")
	if err != nil {
		t.Fatal(err)
	}
	if errOut != "# Matched: prod\n" {
		t.Errorf("stderr = %q, want the match line", errOut)
	}
	if !strings.HasPrefix(out, "apiVersion: v1\nkind: ConfigMap\n") || strings.Count(out, "\n---\n") != 1 || strings.Contains(out, "Matched") {
		t.Errorf("stdout is not two documents without a leading separator:\n%s", out)
	}
	out, errOut, err = runCLI(t, dir, "test", "-q", "-l", "env=prod")
	if err != nil || out != "" || errOut != "# Matched: prod\n" {
		t.Errorf("-q: stdout %q, stderr %q, err %v; want only the match on stderr", out, errOut, err)
	}
}

// TestFleetTestNamespaces: defaultNamespace is the release namespace and is not written into
// objects; `namespace` is written into every object, cluster-scoped ones included, since without a
// cluster nothing says which kinds are cluster-scoped (as Fleet's `fleet test`).
func TestFleetTestNamespaces(t *testing.T) {
	for _, tt := range []struct{ fleetYAML, want string }{
		{"defaultNamespace: dflt\n", ""},
		{"defaultNamespace: dflt\nnamespace: forced\n", "forced"},
	} {
		dir := writeTree(t, map[string]string{"a.yaml": cm, "b.yaml": ns, "fleet.yaml": tt.fleetYAML})
		out, _, err := runCLI(t, dir, "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(out, "\n---\n") {
			var obj struct {
				Kind     string         `json:"kind"`
				Metadata map[string]any `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatal(err)
			}
			if got, _ := obj.Metadata["namespace"].(string); got != tt.want {
				t.Errorf("%q: %s has namespace %q, want %q", tt.fleetYAML, obj.Kind, got, tt.want)
			}
		}
	}
}

// TestFleetTestRootWithNestedBundlesOnly: a directory whose bundles are all in sub-directories
// renders nothing at its root, as Fleet, and does not fetch the nested bundles' charts (this CLI
// has no chart fetcher: a fetch would fail).
func TestFleetTestRootWithNestedBundlesOnly(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"app/fleet.yaml": "helm:\n  repo: https://charts.example.invalid\n  chart: app\n",
		"web/fleet.yaml": "defaultNamespace: web\n", "web/cm.yaml": cm,
	})
	out, errOut, err := runCLI(t, dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if out != "" || errOut != "# Matched: default\n" {
		t.Errorf("stdout %q, stderr %q; want nothing rendered and the default match", out, errOut)
	}
	out, _, err = runCLI(t, dir, "test", "web")
	if err != nil || !strings.Contains(out, "name: cm") {
		t.Errorf("fleet test web: %v\n%s", err, out)
	}
}

// TestApplyTargetsFileAsFleet feeds `fleet apply --targets-file` the file Fleet's GitRepo
// controller writes (json of a BundleSpec with targets and targetRestrictions) and checks the
// Bundle's targets: customizations named by position first, then the file's entries as they are,
// names absent where absent; overrideTargets replace them, unnamed ones stay unnamed; no empty
// `ignore: {}` is written.
func TestApplyTargetsFileAsFleet(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"targets.yaml": `{"targets":[{"clusterGroup":"prod-group","ignore":{}},{"name":"dev","clusterSelector":{"matchLabels":{"env":"dev"}},"ignore":{}}],` +
			`"targetRestrictions":[{"clusterGroup":"prod-group"},{"name":"dev","clusterSelector":{"matchLabels":{"env":"dev"}}}],"ignore":{}}`,
		"app/fleet.yaml":      "targetCustomizations:\n- clusterSelector: {matchLabels: {env: test}}\n  namespace: t\n",
		"app/cm.yaml":         cm,
		"override/fleet.yaml": "overrideTargets:\n- clusterSelector: {matchLabels: {env: dev}}\n",
		"override/cm.yaml":    cm,
	})
	out, _, err := runCLI(t, dir, "apply", "-n", "fleet-default", "--targets-file", "targets.yaml", "-o", "-", "repo", "app", "override")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "ignore") {
		t.Errorf("empty ignore options written:\n%s", out)
	}
	bundles := map[string]v1alpha1.Bundle{}
	for _, doc := range strings.Split(out, "---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var b v1alpha1.Bundle
		if err := yaml.UnmarshalStrict([]byte(doc), &b); err != nil {
			t.Fatal(err)
		}
		bundles[b.Name] = b
	}
	names := func(b v1alpha1.Bundle) (ts, rs []string) {
		for _, x := range b.Spec.Targets {
			ts = append(ts, x.Name)
		}
		for _, x := range b.Spec.TargetRestrictions {
			rs = append(rs, x.Name)
		}
		return ts, rs
	}
	ts, rs := names(bundles["repo-app"])
	if strings.Join(ts, ",") != "target000,,dev" || strings.Join(rs, ",") != ",dev" {
		t.Errorf("repo-app targets %q restrictions %q, want [target000 '' dev] ['' dev]", ts, rs)
	}
	if g := bundles["repo-app"].Spec.Targets[1].ClusterGroup; g != "prod-group" {
		t.Errorf("the file's first target has clusterGroup %q", g)
	}
	ts, rs = names(bundles["repo-override"])
	if strings.Join(ts, ",") != "" || strings.Join(rs, ",") != "" || len(ts) != 1 || len(rs) != 1 {
		t.Errorf("repo-override targets %q restrictions %q, want one unnamed of each", ts, rs)
	}
	for _, tt := range []struct{ file, want string }{
		{"targets: [{clustrName: x}]\n", `unknown field "targets[0].clustrName"`},
		{"- clustrName: x\n", `unknown field "[0].clustrName"`},
	} {
		_, errOut, err := runCLI(t, writeTree(t, map[string]string{"t.yaml": tt.file, "cm.yaml": cm}), "apply", "--targets-file", "t.yaml", "-o", "-", "x")
		if err != nil || !strings.Contains(errOut, "warning: t.yaml: ") || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: err %v, stderr %q; want a warning naming %s (ignored, as Fleet ignores it)", tt.file, err, errOut, tt.want)
		}
	}
	out, _, err = runCLI(t, writeTree(t, map[string]string{"t.yaml": "", "cm.yaml": cm}), "apply", "--targets-file", "t.yaml", "-o", "-", "x")
	if err != nil || strings.Contains(out, "targetRestrictions") || !strings.Contains(out, "clusterGroup: default") {
		t.Errorf("an empty targets file adds nothing (the default target, no restrictions): %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, writeTree(t, map[string]string{"t.yaml": "targets: {a: 1}\n", "cm.yaml": cm}),
		"apply", "--targets-file", "t.yaml", "-o", "-", "x"); err == nil || !strings.Contains(err.Error(), "t.yaml: expected {targets") {
		t.Errorf("a targets file of the wrong shape: %v", err)
	}
}

// TestFleetTestClusterAndTarget: as Fleet's `fleet test`, a cluster name alone still puts the
// synthetic cluster in the group "default", and -t takes a target by name, matching or not.
func TestFleetTestClusterAndTarget(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.yaml": cm,
		"fleet.yaml": "targetCustomizations:\n- name: edge\n  clusterSelector: {matchLabels: {env: edge}}\n  namespace: edge-ns\n" +
			"- name: all\n  clusterGroup: default\n"})
	_, errOut, err := runCLI(t, dir, "test", "-N", "c1")
	if err != nil || errOut != "# Matched: all\n" {
		t.Errorf("-N alone: %v, stderr %q; want the default group's target", err, errOut)
	}
	out, errOut, err := runCLI(t, dir, "test", "-t", "edge")
	if err != nil || errOut != "# Matched: edge\n" || !strings.Contains(out, "namespace: edge-ns") {
		t.Errorf("-t edge: %v, stderr %q, stdout:\n%s", err, errOut, out)
	}
	if _, _, err := runCLI(t, dir, "test", "-t", "nope"); err == nil || !strings.Contains(err.Error(), `no target named "nope"`) {
		t.Errorf("-t of a missing target: %v", err)
	}
}

// TestFleetTestExportsAsFleet: objects are cleaned as Fleet's CLI prints them.
func TestFleetTestExportsAsFleet(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  finalizers: [x]
  uid: "1"
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    keep: "yes"
status: {phase: done}
spec: {}
data: {a: b}
`})
	out, _, err := runCLI(t, dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatal(err)
	}
	md := obj["metadata"].(map[string]any)
	ann := md["annotations"].(map[string]any)
	if _, ok := obj["status"]; ok || obj["spec"] != nil || md["finalizers"] != nil || md["uid"] != nil ||
		ann["keep"] != "yes" || ann["kubectl.kubernetes.io/last-applied-configuration"] != nil || obj["data"] == nil {
		t.Errorf("exported object:\n%s", out)
	}
	dir = writeTree(t, map[string]string{"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n"})
	if _, _, err := runCLI(t, dir, "test"); err == nil || !strings.Contains(err.Error(), "a.yaml: v1 ConfigMap: an object needs a name") {
		t.Errorf("an object without a name: %v", err)
	}
}
