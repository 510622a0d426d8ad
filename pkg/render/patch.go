package render

import (
	"bytes"
	"encoding/json"
	"fmt"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// PatchStyle is how an overlay patch is applied.
type PatchStyle string

// The three patch styles Fleet chooses from, by content.
const (
	JSONPatch           PatchStyle = "json"
	StrategicMergePatch PatchStyle = "strategic"
	MergePatch          PatchStyle = "merge"
)

// Patch applies an overlay patch (YAML or JSON) to one object (YAML or JSON) and returns the
// patched object as JSON. The style is chosen as Fleet does: a list is a JSON patch; otherwise a
// strategic merge patch when the object's kind is a built-in Kubernetes kind, else a JSON merge
// patch.
func Patch(original, patch []byte) ([]byte, PatchStyle, error) {
	origJSON, err := yaml.YAMLToJSON(original)
	if err != nil {
		return nil, "", fmt.Errorf("base: %w", err)
	}
	// The base is one Kubernetes object. The JSON-patch library also panics on some operations
	// against a null document (a replace of the root with a null value, found by FuzzPatch).
	if !bytes.HasPrefix(bytes.TrimSpace(origJSON), []byte("{")) {
		return nil, "", fmt.Errorf("base: expected a mapping (one object)")
	}
	patchJSON, err := yaml.YAMLToJSON(patch)
	if err != nil {
		return nil, "", fmt.Errorf("patch: %w", err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(patchJSON), []byte("[")) {
		p, err := jsonpatch.DecodePatch(patchJSON)
		if err != nil {
			return nil, JSONPatch, fmt.Errorf("JSON patch: %w", err)
		}
		if err := checkJSONPatch(p); err != nil {
			return nil, JSONPatch, fmt.Errorf("JSON patch: %w", err)
		}
		out, err := p.Apply(origJSON)
		if err != nil {
			return nil, JSONPatch, fmt.Errorf("JSON patch: %w", err)
		}
		return out, JSONPatch, nil
	}
	if !bytes.HasPrefix(bytes.TrimSpace(patchJSON), []byte("{")) {
		return nil, "", fmt.Errorf("patch: expected a mapping or a list")
	}
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(origJSON, &meta); err != nil {
		return nil, "", fmt.Errorf("base: %w", err)
	}
	gv, _ := schema.ParseGroupVersion(meta.APIVersion)
	if obj, err := scheme.Scheme.New(gv.WithKind(meta.Kind)); err == nil {
		out, err := strategicpatch.StrategicMergePatch(origJSON, patchJSON, obj)
		if err != nil {
			return nil, StrategicMergePatch, fmt.Errorf("strategic merge patch: %w", err)
		}
		return out, StrategicMergePatch, nil
	}
	out, err := jsonpatch.MergePatch(origJSON, patchJSON)
	if err != nil {
		return nil, MergePatch, fmt.Errorf("JSON merge patch: %w", err)
	}
	return out, MergePatch, nil
}

// checkJSONPatch rejects operations that lack a member RFC 6902 requires for them. The library
// dereferences a missing "value" of a replace at the root and panics (gopkg.in/evanphx/json-patch.v4
// v4.13.0, found by FuzzPatch), so every operation is checked here, with its index in the message.
func checkJSONPatch(p jsonpatch.Patch) error {
	for i, op := range p {
		kind := op.Kind()
		if _, ok := op["path"]; !ok {
			return fmt.Errorf("operation %d (%q): missing \"path\"", i, kind)
		}
		switch kind {
		case "add", "replace", "test":
			if _, ok := op["value"]; !ok {
				return fmt.Errorf("operation %d (%q): missing \"value\"", i, kind)
			}
		case "move", "copy":
			if _, ok := op["from"]; !ok {
				return fmt.Errorf("operation %d (%q): missing \"from\"", i, kind)
			}
		case "remove":
		default:
			return fmt.Errorf("operation %d: unknown op %q (want add, remove, replace, move, copy or test)", i, kind)
		}
	}
	return nil
}
