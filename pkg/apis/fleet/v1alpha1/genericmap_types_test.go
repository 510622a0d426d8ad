package v1alpha1_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestGenericMapRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty object", in: `{}`, want: `{}`},
		{name: "nested values", in: `{"a":{"b":[1,"x",true,null,{"c":2.5}]}}`, want: `{"a":{"b":[1,"x",true,null,{"c":2.5}]}}`},
		{name: "integers beyond float64 precision", in: `{"big":9007199254740993,"neg":-9223372036854775808}`, want: `{"big":9007199254740993,"neg":-9223372036854775808}`},
		{name: "keys are sorted", in: `{"z":1,"a":2}`, want: `{"a":2,"z":1}`},
		{name: "floats stay floats", in: `{"f":0.1,"e":1e+21}`, want: `{"e":1e+21,"f":0.1}`},
		{name: "a float with integral value becomes an integer, as in kube-apiserver", in: `{"f":1.0}`, want: `{"f":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m v1alpha1.GenericMap
			if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			out, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if string(out) != tt.want {
				t.Errorf("got %s, want %s", out, tt.want)
			}
		})
	}
}

func TestGenericMapDecodesIntegersAsInt64(t *testing.T) {
	var m v1alpha1.GenericMap
	if err := json.Unmarshal([]byte(`{"replicas":3,"ratio":0.5}`), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Data["replicas"].(int64); !ok {
		t.Errorf("replicas is %T, want int64", m.Data["replicas"])
	}
	if _, ok := m.Data["ratio"].(float64); !ok {
		t.Errorf("ratio is %T, want float64", m.Data["ratio"])
	}
}

func TestGenericMapRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[1,2]`, `"values"`, `3`} {
		var m v1alpha1.GenericMap
		if err := json.Unmarshal([]byte(in), &m); err == nil {
			t.Errorf("%s: expected an error", in)
		}
	}
}

func TestGenericMapNil(t *testing.T) {
	out, err := json.Marshal(v1alpha1.GenericMap{})
	if err != nil || string(out) != `{}` {
		t.Errorf("nil Data marshals to %s (%v), want {}", out, err)
	}
	var h v1alpha1.HelmOptions
	if err := json.Unmarshal([]byte(`{"values":null}`), &h); err != nil || h.Values != nil {
		t.Errorf("values: null decodes to %v (%v), want nil", h.Values, err)
	}
	if c := (&v1alpha1.GenericMap{}).DeepCopy(); c.Data != nil {
		t.Errorf("copy of nil Data is %v, want nil", c.Data)
	}
}

func TestGenericMapDeepCopyIsIndependent(t *testing.T) {
	orig := &v1alpha1.GenericMap{Data: map[string]interface{}{
		"list": []interface{}{map[string]interface{}{"k": "v"}},
		"map":  map[string]interface{}{"n": int64(1)},
	}}
	cp := orig.DeepCopy()
	if !reflect.DeepEqual(orig, cp) {
		t.Fatalf("copy differs: %v vs %v", orig.Data, cp.Data)
	}
	cp.Data["map"].(map[string]interface{})["n"] = int64(2)
	cp.Data["list"].([]interface{})[0].(map[string]interface{})["k"] = "changed"
	if orig.Data["map"].(map[string]interface{})["n"] != int64(1) || orig.Data["list"].([]interface{})[0].(map[string]interface{})["k"] != "v" {
		t.Errorf("mutating the copy changed the original: %v", orig.Data)
	}
}

func TestGenericMapOpenAPI(t *testing.T) {
	def := v1alpha1.GenericMap{}.OpenAPIDefinition()
	if got := def.Schema.Type; !reflect.DeepEqual([]string(got), []string{"object"}) {
		t.Errorf("type = %v, want [object]", got)
	}
	// Server-side apply only honours a boolean true.
	if v, ok := def.Schema.Extensions["x-kubernetes-preserve-unknown-fields"]; !ok || v != true {
		t.Errorf("x-kubernetes-preserve-unknown-fields = %#v, want true", v)
	}
}
