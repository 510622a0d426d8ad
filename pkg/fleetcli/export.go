package fleetcli

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetapi/fleet/pkg/render"
)

// exportPrefixes are the label and annotation prefixes Fleet's CLI removes from exported objects.
var exportPrefixes = []string{"kubectl.kubernetes.io/"}

// exportObjects cleans rendered objects as Fleet's `fleet test` prints them (wrangler's
// yaml.Export): metadata keeps only name (or generateName), namespace, labels and annotations,
// without kubectl.kubernetes.io/ keys; status and an empty spec are dropped. An object with
// neither a name nor a generateName is an error naming its file.
func exportObjects(objs []render.Object) ([]render.Object, error) {
	out := make([]render.Object, 0, len(objs))
	for _, o := range objs {
		c := o.DeepCopy()
		md := map[string]any{}
		switch {
		case c.GetName() != "":
			md["name"] = c.GetName()
		case c.GetGenerateName() != "":
			md["generateName"] = c.GetGenerateName()
		default:
			return nil, fmt.Errorf("%s: %s %s: an object needs a name or a generateName", o.Source, c.GetAPIVersion(), c.GetKind())
		}
		if ns := c.GetNamespace(); ns != "" {
			md["namespace"] = ns
		}
		if m := cleanMap(c.GetLabels()); len(m) > 0 {
			md["labels"] = m
		}
		if m := cleanMap(c.GetAnnotations()); len(m) > 0 {
			md["annotations"] = m
		}
		c.Object["metadata"] = md
		delete(c.Object, "status")
		if spec, ok := c.Object["spec"]; ok {
			if m, isMap := spec.(map[string]any); spec == nil || (isMap && len(m) == 0) {
				delete(c.Object, "spec")
			}
		}
		out = append(out, render.Object{Unstructured: &unstructured.Unstructured{Object: c.Object}, Source: o.Source})
	}
	return out, nil
}

func cleanMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		drop := false
		for _, p := range exportPrefixes {
			drop = drop || strings.HasPrefix(k, p)
		}
		if !drop {
			out[k] = v
		}
	}
	return out
}
