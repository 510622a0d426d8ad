package render

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

const templatedConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  labels:
    chart: {{ .Chart.Name }}
data:
  color: {{ .Values.color | quote }}
  version: {{ .Chart.Version | quote }}
`

func TestRawYAMLBundles(t *testing.T) {
	values := v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{Values: &v1alpha1.GenericMap{Data: map[string]any{"color": "blue"}}}}
	runRenderCases(t, []renderCase{
		{name: "a root templates/ folder without Chart.yaml is a chart, rendered with the values",
			files: map[string]string{"templates/cm.yaml": templatedConfigMap, "plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  t: '{{ .Values.color }}'\n"},
			opts:  values,
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 2 || objs[0].GetName() != "test-cm" || objs[1].GetName() != "plain" {
					t.Fatalf("objects = %v, want the chart's test-cm, then plain", names(objs))
				}
				data := objs[0].Object["data"].(map[string]any)
				if data["color"] != "blue" || objs[0].GetLabels()["chart"] != "test" || !strings.HasPrefix(data["version"].(string), "v0.0.0+s-") {
					t.Errorf("templated ConfigMap = %v, labels %v", data, objs[0].GetLabels())
				}
				if v, _, _ := unstructured.NestedString(objs[1].Object, "data", "t"); v != "{{ .Values.color }}" {
					t.Errorf("a file outside templates/ was templated: %q", v)
				}
				if src := objs[0].Source; src != "templates/cm.yaml" {
					t.Errorf("source %q", src)
				}
			}},
		{name: "a template error names the folder and the bundle's file",
			files:   map[string]string{"templates/cm.yaml": "{{ .Values.missing.deeper }}\n"},
			wantErr: "templates/ (a chart, since the bundle has no Chart.yaml): template: templates/cm.yaml:1:"},
		{name: "the chart's version is v0.0.0+<manifest ID>, as Fleet computes it",
			files: map[string]string{"templates/cm.yaml": versionConfigMap},
			// The manifest ID of the one resource, from Fleet's formula (sha256 of the JSON and a
			// newline), computed with Python's json and hashlib.
			check: wantVersion("v0.0.0+s-a816d8c82c4efabb52933b1eb1e15125dd40d579467288ebb5153410e7bfe")},
		{name: "overlays/ are not part of the version's manifest without overlays",
			files: map[string]string{"templates/cm.yaml": versionConfigMap, "overlays/x/a.yaml": "a: 1\n"},
			check: wantVersion("v0.0.0+s-a816d8c82c4efabb52933b1eb1e15125dd40d579467288ebb5153410e7bfe")},
		{name: "with a commit the version is v0.0.0+git-<commit[:12]>",
			files: map[string]string{"templates/cm.yaml": versionConfigMap}, commit: "0123456789abcdef0123",
			check: wantVersion("v0.0.0+git-0123456789ab")},
		{name: "overlays apply before the chart is made",
			files: map[string]string{"templates/cm.yaml": versionConfigMap, "plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n",
				"overlays/o/plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n"},
			opts: overlay("o"),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if got := names(objs); len(got) != 2 || got[0] != "ConfigMap/v" || got[1] != "ConfigMap/new" {
					t.Errorf("objects = %v", got)
				}
			}},
		{name: "the release name and namespace the templates see",
			files: map[string]string{"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n" +
				"data:\n  ns: {{ .Release.Namespace | quote }}\n"},
			opts: v1alpha1.BundleDeploymentOptions{DefaultNamespace: "apps", Helm: &v1alpha1.HelmOptions{ReleaseName: "rel"}},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ns, _, _ := unstructured.NestedString(objs[0].Object, "data", "ns"); objs[0].GetName() != "rel" || ns != "apps" {
					t.Errorf("name %q, namespace %q", objs[0].GetName(), ns)
				}
			}},
		{name: "without a namespace in the options: the agent's default namespace",
			files: map[string]string{"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  ns: {{ .Release.Namespace | quote }}\n"},
			cfg:   Config{DefaultNamespace: "agent-default"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ns, _, _ := unstructured.NestedString(objs[0].Object, "data", "ns"); ns != "agent-default" {
					t.Errorf("namespace %q", ns)
				}
			}},
		{name: "the object files are the chart's files under raw-yaml/",
			files: map[string]string{"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n" +
				"  plain: {{ .Files.Get \"raw-yaml/plain.yaml\" | quote }}\n", "plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if v, _, _ := unstructured.NestedString(objs[0].Object, "data", "plain"); !strings.Contains(v, "name: plain") {
					t.Errorf(".Files.Get of the object file: %q", v)
				}
			}},
		{name: "with a kustomization the templates are not rendered",
			files: map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\n",
				"templates/x.yaml": "{{ fail \"must not run\" }}\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if got := names(objs); len(got) != 1 || got[0] != "ConfigMap/k" {
					t.Errorf("objects = %v", got)
				}
			}},
		{name: "suffixes are case-sensitive, as Fleet's",
			files: map[string]string{"templates/CM.YAML": "{{ fail \"must not run\" }}\n", "A.YML": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: upper\n",
				"b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lower\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if got := names(objs); len(got) != 1 || got[0] != "ConfigMap/lower" {
					t.Errorf("objects = %v", got)
				}
			}},
		{name: "templates/ below the root are object files",
			files: map[string]string{"app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 1 || objs[0].GetName() != "nested" {
					t.Errorf("objects = %v", names(objs))
				}
			}},
		{name: "a directory with its own Chart.yaml or fleet.yaml is not part of the raw objects",
			files: map[string]string{
				"charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n", "charts/sub/templates/cm.yaml": templatedConfigMap,
				"other/fleet.yaml": "defaultNamespace: x\n", "other/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
				"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: root\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 1 || objs[0].GetName() != "root" {
					t.Errorf("objects = %v, want only root", names(objs))
				}
			}},
	})
}

const versionConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n  version: {{ .Chart.Version | quote }}\n"

func wantVersion(want string) func(t *testing.T, objs []Object) {
	return func(t *testing.T, objs []Object) {
		t.Helper()
		if v, _, _ := unstructured.NestedString(objs[0].Object, "data", "version"); v != want {
			t.Errorf("chart version %q, want %q", v, want)
		}
	}
}

func names(objs []Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	return out
}
