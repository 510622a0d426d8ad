package v1alpha1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// newObject returns an empty object for each kind of the group.
var newObject = map[string]func() interface{}{
	"GitRepo":                  func() interface{} { return &v1alpha1.GitRepo{} },
	"HelmOp":                   func() interface{} { return &v1alpha1.HelmOp{} },
	"Bundle":                   func() interface{} { return &v1alpha1.Bundle{} },
	"BundleDeployment":         func() interface{} { return &v1alpha1.BundleDeployment{} },
	"Content":                  func() interface{} { return &v1alpha1.Content{} },
	"Cluster":                  func() interface{} { return &v1alpha1.Cluster{} },
	"ClusterGroup":             func() interface{} { return &v1alpha1.ClusterGroup{} },
	"ClusterRegistration":      func() interface{} { return &v1alpha1.ClusterRegistration{} },
	"ClusterRegistrationToken": func() interface{} { return &v1alpha1.ClusterRegistrationToken{} },
	"GitRepoRestriction":       func() interface{} { return &v1alpha1.GitRepoRestriction{} },
	"Policy":                   func() interface{} { return &v1alpha1.Policy{} },
	"BundleNamespaceMapping":   func() interface{} { return &v1alpha1.BundleNamespaceMapping{} },
	"ImageScan":                func() interface{} { return &v1alpha1.ImageScan{} },
	"Schedule":                 func() interface{} { return &v1alpha1.Schedule{} },
}

// TestFleetYAMLRoundTrip decodes Fleet-shaped objects strictly, so a renamed or missing field fails,
// and checks that encoding them again keeps every field and value that was written.
func TestFleetYAMLRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/fleet-objects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("reading kind: %v", err)
		}
		seen[head.Kind] = true
		t.Run(head.Kind, func(t *testing.T) {
			factory, ok := newObject[head.Kind]
			if !ok {
				t.Fatalf("unknown kind %q", head.Kind)
			}
			obj := factory()
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Fatalf("strict decode: %v", err)
			}
			out, err := json.Marshal(obj)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if diff := missingFrom(toJSONValue(t, []byte(doc), true), toJSONValue(t, out, false), ""); diff != "" {
				t.Errorf("re-encoding lost or changed fields:\n%s\nencoded: %s", diff, out)
			}
		})
	}
	for kind := range newObject {
		if !seen[kind] {
			t.Errorf("testdata has no %s", kind)
		}
	}
}

func toJSONValue(t *testing.T, data []byte, isYAML bool) interface{} {
	t.Helper()
	if isYAML {
		var err error
		if data, err = yaml.YAMLToJSON(data); err != nil {
			t.Fatal(err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// missingFrom lists the paths of want that got lacks or holds with another value. Extra fields in
// got (always-serialized counters, `ignore: {}`) are fine, and so is a missing field whose wanted
// value is the zero value (false, "", 0), which omitempty drops exactly as in Fleet.
func missingFrom(want, got interface{}, path string) string {
	switch w := want.(type) {
	case map[string]interface{}:
		g, ok := got.(map[string]interface{})
		if !ok {
			return fmt.Sprintf("%s: want an object, got %v\n", path, got)
		}
		var b strings.Builder
		for k, wv := range w {
			gv, ok := g[k]
			if !ok && !isZero(wv) {
				fmt.Fprintf(&b, "%s.%s: missing\n", path, k)
				continue
			}
			if !ok {
				continue
			}
			b.WriteString(missingFrom(wv, gv, path+"."+k))
		}
		return b.String()
	case []interface{}:
		g, ok := got.([]interface{})
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v\n", path, w, got)
		}
		var b strings.Builder
		for i := range w {
			b.WriteString(missingFrom(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)))
		}
		return b.String()
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Sprintf("%s: want %v, got %v\n", path, want, got)
		}
		return ""
	}
}

func isZero(v interface{}) bool {
	switch t := v.(type) {
	case bool:
		return !t
	case string:
		return t == ""
	case json.Number:
		return t.String() == "0"
	}
	return false
}
