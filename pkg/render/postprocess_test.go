package render

import (
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true}]
`

const clusterRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
`

func TestPostProcess(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    v1alpha1.BundleDeploymentOptions
		check   func(t *testing.T, objs []Object)
		wantErr string
	}{
		{name: "defaultNamespace fills namespaced objects only",
			files: map[string]string{"a.yaml": service, "b.yaml": clusterRole, "c.yaml": strings.Replace(service, "name: frontend", "name: other\n  namespace: keep", 1)},
			opts:  v1alpha1.BundleDeploymentOptions{DefaultNamespace: "dflt"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ns := find(objs, "Service", "frontend").GetNamespace(); ns != "dflt" {
					t.Errorf("service namespace %q", ns)
				}
				if ns := find(objs, "Service", "other").GetNamespace(); ns != "keep" {
					t.Errorf("explicit namespace overwritten: %q", ns)
				}
				if ns := find(objs, "ClusterRole", "reader").GetNamespace(); ns != "" {
					t.Errorf("cluster-scoped object got namespace %q", ns)
				}
			}},
		{name: "namespace forces every object",
			files: map[string]string{"a.yaml": strings.Replace(service, "name: frontend", "name: frontend\n  namespace: mine", 1)},
			opts:  v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced", DefaultNamespace: "dflt"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ns := objs[0].GetNamespace(); ns != "forced" {
					t.Errorf("namespace %q", ns)
				}
			}},
		{name: "namespace with a cluster-scoped object fails naming the file",
			files:   map[string]string{"a.yaml": service, "rbac/role.yaml": clusterRole},
			opts:    v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced"},
			wantErr: "rbac/role.yaml: invalid cluster scoped object [name=reader kind=ClusterRole]"},
		{name: "namespaced CRD kinds may be forced; the CRD itself may not",
			files:   map[string]string{"crd.yaml": crd, "w.yaml": widget},
			opts:    v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced"},
			wantErr: "crd.yaml: invalid cluster scoped object [name=widgets.example.com kind=CustomResourceDefinition]"},
		{name: "CRDs are kept unless deleteCRDResources",
			files: map[string]string{"crd.yaml": crd, "w.yaml": widget},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if p := find(objs, "CustomResourceDefinition", "widgets.example.com").GetAnnotations()[v1alpha1.HelmResourcePolicyAnnotation]; p != "keep" {
					t.Errorf("resource policy %q", p)
				}
				if _, ok := find(objs, "Widget", "w").GetAnnotations()[v1alpha1.HelmResourcePolicyAnnotation]; ok {
					t.Error("non-CRD got the keep policy")
				}
			}},
		{name: "deleteCRDResources drops the keep policy",
			files: map[string]string{"crd.yaml": crd},
			opts:  v1alpha1.BundleDeploymentOptions{DeleteCRDResources: true},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if _, ok := objs[0].GetAnnotations()[v1alpha1.HelmResourcePolicyAnnotation]; ok {
					t.Error("keep policy set")
				}
			}},
		{name: "objectset label and annotation",
			files: map[string]string{"a.yaml": service},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if id := objs[0].GetAnnotations()[v1alpha1.ObjectSetIDAnnotation]; id != "-test" {
					t.Errorf("objectset id %q", id)
				}
				if h := objs[0].GetLabels()[v1alpha1.ObjectSetHashLabel]; h != ObjectSetHash("-test") || len(h) != 40 {
					t.Errorf("objectset hash %q", h)
				}
			}},
		{name: "raw YAML is not Helm-templated",
			files: map[string]string{"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  t: '{{ .Values.x }}'\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if v, _, _ := unstructuredString(objs[0].Object, "data", "t"); v != "{{ .Values.x }}" {
					t.Errorf("data.t = %q", v)
				}
			}},
		{name: "multi-document files, lists and empty documents",
			files: map[string]string{"a.yaml": "---\n# comment\n---\n" + service + "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: l1}\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 2 || find(objs, "ConfigMap", "l1") == nil {
					t.Errorf("objects = %d", len(objs))
				}
			}},
		{name: "malformed YAML names file and line",
			files:   map[string]string{"ok.yaml": service, "bad.yaml": service + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n"},
			wantErr: "bad.yaml:"},
		{name: "objects need a kind",
			files:   map[string]string{"values.yaml": "replicas: 1\n"},
			wantErr: "values.yaml:1: document 1: apiVersion and kind are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := render(t, tt.files, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, objs)
		})
	}
}
