package render

import (
	"context"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: php
        image: gb-frontend:v5
        env:
        - name: A
          value: "1"
`

const service = `apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  type: NodePort
  ports:
  - port: 80
`

const widget = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  list: [a, b]
  keep: yes
`

func resources(t *testing.T, files map[string]string) []v1alpha1.BundleResource {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []v1alpha1.BundleResource
	for _, n := range names {
		r, err := manifest.NewResource(n, []byte(files[n]), false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func find(objs []Object, kind, name string) *Object {
	for i := range objs {
		if objs[i].GetKind() == kind && objs[i].GetName() == name {
			return &objs[i]
		}
	}
	return nil
}

// renderCase is one table entry of the rendering tests: files and options rendered (for a cluster
// with mapper, when set), then either checked or expected to fail with wantErr and no objects.
type renderCase struct {
	name    string
	files   map[string]string
	opts    v1alpha1.BundleDeploymentOptions
	cfg     Config
	commit  string
	check   func(t *testing.T, objs []Object)
	wantErr string
}

func runRenderCases(t *testing.T, cases []renderCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Render(context.Background(), Input{Name: "test", Resources: resources(t, tt.files), Options: tt.opts, Commit: tt.commit}, tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if objs != nil {
					t.Errorf("objects returned with an error")
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

func overlay(names ...string) v1alpha1.BundleDeploymentOptions {
	return v1alpha1.BundleDeploymentOptions{YAML: &v1alpha1.YAMLOptions{Overlays: names}}
}

func TestOverlays(t *testing.T) {
	base := map[string]string{"frontend-deployment.yaml": deployment, "frontend-service.yaml": service, "widget.yaml": widget, "README.md": "x"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	runRenderCases(t, []renderCase{
		{name: "no overlay: overlay files are not rendered", files: with(map[string]string{"overlays/x/extra.yaml": service}),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if len(objs) != 3 {
					t.Errorf("got %d objects, want 3", len(objs))
				}
			}},
		{name: "strategic merge patch keeps list entries", files: with(map[string]string{"overlays/scale3/frontend-deployment_patch.yaml": "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: php\n        image: gb-frontend:v6\n"}),
			opts: overlay("scale3"),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				d := find(objs, "Deployment", "frontend")
				if r, _, _ := unstructuredInt(d.Object, "spec", "replicas"); r != 3 {
					t.Errorf("replicas = %d", r)
				}
				c := d.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
				if c["image"] != "gb-frontend:v6" || c["env"] == nil {
					t.Errorf("container = %v (env must survive a strategic merge)", c)
				}
			}},
		{name: "JSON merge patch for unknown kinds replaces lists", files: with(map[string]string{"overlays/o/widget_patch.yaml": "spec:\n  list: [c]\n"}),
			opts: overlay("o"),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				l := find(objs, "Widget", "w").Object["spec"].(map[string]any)["list"].([]any)
				if len(l) != 1 || l[0] != "c" {
					t.Errorf("list = %v", l)
				}
			}},
		{name: "JSON patch", files: with(map[string]string{"overlays/o/frontend-service_patch.yaml": "- op: replace\n  path: /spec/type\n  value: LoadBalancer\n"}),
			opts: overlay("o"),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ty, _, _ := unstructured.NestedString(find(objs, "Service", "frontend").Object, "spec", "type"); ty != "LoadBalancer" {
					t.Errorf("type = %q", ty)
				}
			}},
		{name: "empty overlay file deletes", files: with(map[string]string{"overlays/noreplication/frontend-service.yaml": ""}),
			opts: overlay("noreplication"),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if find(objs, "Service", "frontend") != nil || len(objs) != 2 {
					t.Errorf("service not deleted: %d objects", len(objs))
				}
			}},
		{name: "overlay replaces and adds files, in order", files: with(map[string]string{
			"overlays/a/frontend-service.yaml":       strings.Replace(service, "NodePort", "ClusterIP", 1),
			"overlays/b/frontend-service_patch.yaml": "spec:\n  type: LoadBalancer\n",
			"overlays/b/new/cm.yaml":                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"}),
			opts: overlay("a", "b"),
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if ty, _, _ := unstructured.NestedString(find(objs, "Service", "frontend").Object, "spec", "type"); ty != "LoadBalancer" {
					t.Errorf("type = %q", ty)
				}
				if find(objs, "ConfigMap", "cm") == nil {
					t.Error("added file not rendered")
				}
			}},
		{name: "patch without base", files: with(map[string]string{"overlays/o/missing_patch.yaml": "a: 1\n"}), opts: overlay("o"),
			wantErr: "overlays/o/missing_patch.yaml: no base file missing.yaml"},
		{name: "unknown overlay", files: base, opts: overlay("nope"), wantErr: `overlay "nope" not found`},
		{name: "bad patch names the file", files: with(map[string]string{"overlays/o/frontend-service_patch.yaml": "- op: bogus\n"}), opts: overlay("o"),
			wantErr: "overlays/o/frontend-service_patch.yaml: patching frontend-service.yaml"},
	})
}

func unstructuredInt(obj map[string]any, fields ...string) (int64, bool, error) {
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		cur = m[f]
	}
	switch n := cur.(type) {
	case int64:
		return n, true, nil
	case float64:
		return int64(n), true, nil
	}
	return 0, false, nil
}
