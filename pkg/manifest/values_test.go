package manifest

import (
	"reflect"
	"testing"
)

func TestMergeMaps(t *testing.T) {
	base := map[string]any{"a": 1, "nested": map[string]any{"x": 1, "y": 2}, "list": []any{1, 2}}
	over := map[string]any{"b": 2, "nested": map[string]any{"y": 3}, "list": []any{3}}
	got := MergeMaps(base, over)
	want := map[string]any{"a": 1, "b": 2, "nested": map[string]any{"x": 1, "y": 3}, "list": []any{3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeMaps = %v, want %v", got, want)
	}
	if base["nested"].(map[string]any)["y"] != 2 {
		t.Errorf("MergeMaps modified its base argument")
	}
}
