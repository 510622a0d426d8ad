package framework

import (
	"encoding/json"
	"reflect"
	"strings"
)

// ServerWritten are the fields of an object that fleet-apiserver writes itself (the summaries it
// computes from the BundleDeployments: docs/bundledeployments.md §7), with its resourceVersion and
// managedFields: a test that asks whether a controller wrote an object compares all but these.
var ServerWritten = []string{"metadata.resourceVersion", "metadata.managedFields", "status.summary",
	"status.display.readyClusters", "status.display.readyBundleDeployments", "status.display.readyBundles"}

// EqualExcept reports whether a and b have the same JSON once the dotted paths are removed from
// both (e.g. "status" for all of it).
func EqualExcept(a, b any, paths ...string) bool {
	return reflect.DeepEqual(withoutPaths(a, paths), withoutPaths(b, paths))
}

func withoutPaths(obj any, paths []string) map[string]any {
	data, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	for _, p := range paths {
		keys := strings.Split(p, ".")
		cur := m
		for i, k := range keys {
			if i == len(keys)-1 {
				delete(cur, k)
				break
			}
			next, ok := cur[k].(map[string]any)
			if !ok {
				break
			}
			cur = next
		}
	}
	return m
}
