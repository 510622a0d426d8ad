package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
	kjson "sigs.k8s.io/json"
)

// GenericMap holds a free-form JSON object, such as Helm values or a cluster's template values.
//
// The wire form is the bare object (`values: {replicas: 2}`), exactly as in Rancher Fleet, and the Go
// form is Fleet's `GenericMap{Data: map[string]interface{}}` so code ported from Fleet keeps working.
//
// Decoding follows the rules kube-apiserver applies to `x-kubernetes-preserve-unknown-fields` data in
// Fleet's CRDs (sigs.k8s.io/json "PreserveInts"): integers that fit in int64 decode to int64, other
// numbers to float64, so large integers such as `replicas: 9007199254740993` survive a round trip
// unchanged (plain encoding/json would turn them into float64 and lose digits). Keys are re-emitted in
// sorted order, which is semantically identical JSON. The OpenAPI schema is an object with
// `x-kubernetes-preserve-unknown-fields: true`, so server-side apply merges it key by key.
//
// Data may only hold JSON-compatible values: nil, bool, string, int64, float64 (other Go numbers are
// accepted by json.Marshal too), []interface{} and map[string]interface{}.
//
// +k8s:deepcopy-gen=false
type GenericMap struct {
	// Data is the decoded object.
	Data map[string]interface{} `json:"-"`
}

// MarshalJSON encodes Data as a JSON object; a nil Data encodes as `{}` so the value always matches
// its object schema.
func (in GenericMap) MarshalJSON() ([]byte, error) {
	if in.Data == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(in.Data)
}

// UnmarshalJSON decodes a JSON object into Data, keeping integers as int64. JSON null leaves Data nil;
// any other non-object value is an error.
func (in *GenericMap) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		in.Data = nil
		return nil
	}
	out := map[string]interface{}{}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, &out); err != nil {
		return fmt.Errorf("GenericMap: expected a JSON object: %w", err)
	}
	in.Data = out
	return nil
}

// DeepCopyInto copies the receiver into out, recursing into nested maps and slices. A nil Data stays
// nil, so a copy compares equal to its original.
func (in *GenericMap) DeepCopyInto(out *GenericMap) {
	if in.Data == nil {
		out.Data = nil
		return
	}
	out.Data = deepCopyJSONMap(in.Data)
}

// DeepCopy returns a deep copy of the receiver.
func (in *GenericMap) DeepCopy() *GenericMap {
	if in == nil {
		return nil
	}
	out := new(GenericMap)
	in.DeepCopyInto(out)
	return out
}

// OpenAPIDefinition describes GenericMap to openapi-gen as an object whose content is not pruned or
// typed. The extension must be the boolean true (server-side apply ignores anything else), which a
// "+k8s:openapi-gen=x-kubernetes-..." tag cannot express: it emits the string "true". For the same
// reason GenericMap has no OpenAPISchemaType/OpenAPISchemaFormat methods: openapi-gen prefers those
// over OpenAPIDefinition when registering the type but then skips generating their schema function.
func (GenericMap) OpenAPIDefinition() common.OpenAPIDefinition {
	return common.OpenAPIDefinition{
		Schema: spec.Schema{
			SchemaProps: spec.SchemaProps{
				Description: "Free-form object; every key and value is kept as written.",
				Type:        []string{"object"},
			},
			VendorExtensible: spec.VendorExtensible{
				Extensions: spec.Extensions{"x-kubernetes-preserve-unknown-fields": true},
			},
		},
	}
}

func deepCopyJSONMap(src map[string]interface{}) map[string]interface{} {
	dst := make(map[string]interface{}, len(src))
	for k, v := range src {
		dst[k] = deepCopyJSONValue(v)
	}
	return dst
}

// deepCopyJSONValue copies maps and slices recursively; every other JSON value is immutable and is
// copied by value. Unlike runtime.DeepCopyJSONValue it never panics on an unexpected type.
func deepCopyJSONValue(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		if t == nil {
			return t
		}
		return deepCopyJSONMap(t)
	case []interface{}:
		if t == nil {
			return t
		}
		out := make([]interface{}, len(t))
		for i := range t {
			out[i] = deepCopyJSONValue(t[i])
		}
		return out
	default:
		return v
	}
}
