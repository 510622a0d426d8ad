package render

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

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

// clusterMapper is the REST mapping of a cluster that serves Services, ConfigMaps (namespaced),
// ClusterRoles and CRDs (cluster-scoped) and nothing else: meta.DefaultRESTMapper, the mapper
// client-go's discovery mappers are built on.
func clusterMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Service"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}, meta.RESTScopeRoot)
	m.Add(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}, meta.RESTScopeRoot)
	return m
}

func TestPostProcess(t *testing.T) {
	runRenderCases(t, []renderCase{
		{name: "defaultNamespace is not written into objects",
			files: map[string]string{"a.yaml": service, "b.yaml": clusterRole, "w.yaml": widget, "c.yaml": strings.Replace(service, "name: frontend", "name: other\n  namespace: keep", 1)},
			opts:  v1alpha1.BundleDeploymentOptions{DefaultNamespace: "dflt"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				for _, o := range objs {
					if want := map[string]string{"other": "keep"}[o.GetName()]; o.GetNamespace() != want {
						t.Errorf("%s %s: namespace %q, want %q", o.GetKind(), o.GetName(), o.GetNamespace(), want)
					}
				}
			}},
		{name: "without a cluster, namespace is written into every object (as Fleet's template path)",
			files: map[string]string{"a.yaml": strings.Replace(service, "name: frontend", "name: frontend\n  namespace: mine", 1), "b.yaml": clusterRole, "w.yaml": widget},
			opts:  v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced", DefaultNamespace: "dflt"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				for _, o := range objs {
					if ns := o.GetNamespace(); ns != "forced" {
						t.Errorf("%s %s: namespace %q", o.GetKind(), o.GetName(), ns)
					}
				}
			}},
		{name: "with the cluster's REST mapping, namespace forces namespaced objects",
			files: map[string]string{"a.yaml": strings.Replace(service, "name: frontend", "name: frontend\n  namespace: mine", 1)},
			opts:  v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced"},
			cfg:   Config{Mapper: clusterMapper()},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ns := objs[0].GetNamespace(); ns != "forced" {
					t.Errorf("namespace %q", ns)
				}
			}},
		{name: "with the cluster's REST mapping, namespace refuses a cluster-scoped object, naming the file",
			files:   map[string]string{"a.yaml": service, "rbac/role.yaml": clusterRole},
			opts:    v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced"},
			cfg:     Config{Mapper: clusterMapper()},
			wantErr: "rbac/role.yaml: invalid cluster scoped object [name=reader kind=ClusterRole apiVersion=rbac.authorization.k8s.io/v1]"},
		{name: "with the cluster's REST mapping, a CRD is cluster-scoped",
			files:   map[string]string{"crd.yaml": crd},
			opts:    v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced"},
			cfg:     Config{Mapper: clusterMapper()},
			wantErr: "crd.yaml: invalid cluster scoped object [name=widgets.example.com kind=CustomResourceDefinition"},
		{name: "with the cluster's REST mapping, a kind the cluster does not serve is an error",
			files:   map[string]string{"w.yaml": widget},
			opts:    v1alpha1.BundleDeploymentOptions{TargetNamespace: "forced"},
			cfg:     Config{Mapper: clusterMapper()},
			wantErr: "w.yaml: example.com/v1 Widget: no matches for kind"},
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
				if v, _, _ := unstructured.NestedString(objs[0].Object, "data", "t"); v != "{{ .Values.x }}" {
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
		{name: "documents without a kind are skipped, as Fleet skips them",
			files: map[string]string{"values.yaml": "replicas: 1\n", "kustomize/patch.yaml": "spec:\n  replicas: 2\n",
				"mixed.yaml": "a: 1\n---\n" + service},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 1 || find(objs, "Service", "frontend") == nil {
					t.Errorf("objects = %v, want only the Service", objs)
				}
			}},
		{name: "a document with a kind but no apiVersion is skipped too, as Fleet",
			files: map[string]string{"cm.yaml": "kind: ConfigMap\nmetadata:\n  name: cm\n", "svc.yaml": service},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 1 || objs[0].GetKind() != "Service" {
					t.Errorf("objects = %v", names(objs))
				}
			}},
		{name: "List items get the list's kind and apiVersion; items still without one are skipped",
			files: map[string]string{"l.yaml": "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n" +
				"---\napiVersion: v1\nkind: List\nitems:\n- metadata: {name: nokind}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n"},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if got := names(objs); len(got) != 2 || got[0] != "ConfigMap/a" || got[1] != "Secret/s" || objs[0].GetAPIVersion() != "v1" {
					t.Errorf("objects = %v", got)
				}
			}},
	})
}
