package manifest

import (
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// MergeMaps deep-merges override onto base and returns a new map, as wrangler's data.MergeMaps
// does for Helm values: nested maps are merged key by key, any other value (lists included) in
// override replaces the one in base. Neither argument is modified.
func MergeMaps(base, override map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(override))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if om, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = MergeMaps(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// UnmarshalYAML decodes YAML into v the way the API decodes JSON values: integers stay int64
// (not float64), so values read from files compare equal to values read from a Bundle.
func UnmarshalYAML(data []byte, v any) error {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(js, v)
}
