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
				if src := objs[0].Source; src != "test/templates/cm.yaml" {
					t.Errorf("source %q", src)
				}
			}},
		{name: "a template error names the folder",
			files:   map[string]string{"templates/cm.yaml": "{{ .Values.missing.deeper }}\n"},
			wantErr: "templates/ (a chart, since the bundle has no Chart.yaml): "},
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

func names(objs []Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	return out
}
