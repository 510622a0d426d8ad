package target

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestProcessValues(t *testing.T) {
	c := cluster("c1", "env", "dev", "region", "eu", "objectset.rio.cattle.io/hash", "x", "management.cattle.io/cluster-display-name", "pretty")
	c.Annotations = map[string]string{"note": "hello"}
	c.Spec.TemplateValues = values("size", "large", "nested", map[string]any{"n": int64(3)})
	tests := []struct {
		name    string
		h       *v1alpha1.HelmOptions
		want    map[string]any
		wantErr string
	}{
		{name: "context fields", h: &v1alpha1.HelmOptions{Values: values(
			"name", "${ .ClusterName }", "ns", "${ .ClusterNamespace }", "env", "${ .ClusterLabels.env }",
			"size", "${ .ClusterValues.size }", "note", "${ .ClusterAnnotations.note }")},
			want: map[string]any{"name": "c1", "ns": "fleet-default", "env": "dev", "size": "large", "note": "hello"}},
		{name: "sprig functions", h: &v1alpha1.HelmOptions{Values: values("up", "${ upper .ClusterName }", "def", `${ get .ClusterLabels "missing" | default "x" }`)},
			want: map[string]any{"up": "C1", "def": "x"}},
		{name: "cattle labels are hidden", h: &v1alpha1.HelmOptions{Values: values("h", `${ hasKey .ClusterLabels "objectset.rio.cattle.io/hash" }`, "m", `${ index .ClusterLabels "management.cattle.io/cluster-display-name" }`)},
			want: map[string]any{"h": false, "m": "pretty"}},
		{name: "missing key is an error", h: &v1alpha1.HelmOptions{Values: values("x", "${ .ClusterValues.nope.deeper }")}, wantErr: "helm.values"},
		{name: "env is not available", h: &v1alpha1.HelmOptions{Values: values("x", `${ env "HOME" }`)}, wantErr: "function \"env\" not defined"},
		{name: "syntax error", h: &v1alpha1.HelmOptions{Values: values("x", "${ .ClusterName ")}, wantErr: "helm.values"},
		{name: "cluster label references", h: &v1alpha1.HelmOptions{Values: values("r", "global.fleet.clusterLabels.region",
			"deep", map[string]any{"m": "global.fleet.clusterLabels.missing"})},
			want: map[string]any{"r": "eu", "deep": map[string]any{"m": ""}}},
		{name: "disablePreProcess keeps templates", h: &v1alpha1.HelmOptions{DisablePreProcess: true, Values: values("x", "${ .ClusterName }")},
			want: map[string]any{"x": "${ .ClusterName }"}},
		{name: "escaped with backticks", h: &v1alpha1.HelmOptions{Values: values("x", "${`${PWD}`}")},
			want: map[string]any{"x": "${PWD}"}},
		{name: "templateValues parsed as YAML and override", h: &v1alpha1.HelmOptions{Values: values("n", int64(1)),
			TemplateValues: map[string]string{"n": "${ .ClusterValues.nested.n }", "list": "[a, ${ .ClusterName }]"}},
			want: map[string]any{"n": int64(3), "list": []any{"a", "c1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ProcessValues(tt.h, NewTemplateContext(c))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("values = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestTemplateErrorExpr(t *testing.T) {
	h := &v1alpha1.HelmOptions{Values: values("a", "x", "b", map[string]any{"c": "${ .ClusterValues.missing }"})}
	_, err := ProcessValues(h, NewTemplateContext(cluster("c1")))
	var te *TemplateError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TemplateError", err)
	}
	if te.Field != "helm.values" || te.Expr != "${ .ClusterValues.missing }" {
		t.Errorf("field %q expr %q", te.Field, te.Expr)
	}
}

func TestTemplateBoundedFunctions(t *testing.T) {
	for _, expr := range []string{
		`${ repeat 100000000 "x" }`, `${ until 100000000 }`, `${ untilStep 0 100000000 1 }`,
		`${ untilStep 9223372036854775800 9223372036854775807 100 }`, `${ seq 1000000000 }`, `${ seq 0 1 1000000000 }`,
		`${ indent 2000000000 "x" }`, `${ nindent 2000000000 "x" }`,
		`${ randAlphaNum 2000000000 }`, `${ randBytes 2000000000 }`, `${ genPrivateKey "rsa" }`,
	} {
		h := &v1alpha1.HelmOptions{Values: values("v", expr)}
		if _, err := ProcessValues(h, NewTemplateContext(cluster("c"))); err == nil {
			t.Errorf("%s: no error", expr)
		}
	}
	for expr, want := range map[string]string{`${ seq 3 }`: "1 2 3", `${ seq 5 -2 1 }`: "5 3 1", `${ indent 2 "x" | quote }`: "  x"} {
		got, err := ProcessValues(&v1alpha1.HelmOptions{Values: values("v", expr)}, NewTemplateContext(cluster("c")))
		if err != nil || got["v"] != want {
			t.Errorf("%s = %v (%v), want %q", expr, got["v"], err, want)
		}
	}
	h := &v1alpha1.HelmOptions{Values: values("v", `${ repeat 3 "ab" }`)}
	got, err := ProcessValues(h, NewTemplateContext(cluster("c")))
	if err != nil || got["v"] != "ababab" {
		t.Errorf("repeat 3: %v %v", got, err)
	}
}
