package bundlereader

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var (
	fleetYAMLType     = reflect.TypeOf(FleetYAML{})
	genericMapType    = reflect.TypeOf(v1alpha1.GenericMap{})
	jsonUnmarshalType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// checker walks a YAML node tree along a Go type, the way encoding/json would decode it, and
// records unknown keys and the first value of the wrong kind, with their lines.
type checker struct {
	unknown []UnknownKey
	err     error
	errLine int
	depth   int
	// visits counts the nodes checked, aliases expanded: a few anchors can stand for an exponential
	// number of values ("billion laughs").
	visits int
}

const maxCheckDepth = 64

// maxCheckNodes bounds the values a fleet.yaml may hold once its aliases are expanded (helm values
// and other free-form maps are not walked and do not count).
const maxCheckNodes = 100_000

func (c *checker) fail(n *yamlv3.Node, path, format string, args ...any) {
	if c.err != nil {
		return
	}
	c.err = fmt.Errorf("%s: %s", displayPath(path), fmt.Sprintf(format, args...))
	c.errLine = n.Line
}

func displayPath(p string) string {
	if p == "" {
		return "fleet.yaml"
	}
	return p
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *checker) check(n *yamlv3.Node, t reflect.Type, path string) {
	if c.err != nil || n == nil {
		return
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxCheckDepth {
		c.fail(n, path, "nesting too deep")
		return
	}
	if c.visits++; c.visits > maxCheckNodes {
		c.fail(n, path, "more than %d values once aliases are expanded", maxCheckNodes)
		return
	}
	if n.Kind == yamlv3.AliasNode {
		n = n.Alias
		if n == nil {
			return
		}
	}
	if n.Kind == yamlv3.ScalarNode && n.Tag == "!!null" {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == genericMapType {
		if n.Kind != yamlv3.MappingNode {
			c.fail(n, path, "expected a mapping, got %s", kindName(n))
		}
		return
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalType) {
		return // custom decoding (durations, int-or-string, times): checked by the decoder.
	}
	switch t.Kind() {
	case reflect.Struct:
		c.checkStruct(n, t, path)
	case reflect.Map:
		if n.Kind != yamlv3.MappingNode {
			c.fail(n, path, "expected a mapping, got %s", kindName(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.check(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			c.expectScalar(n, path, "a string")
			return
		}
		if n.Kind != yamlv3.SequenceNode {
			c.fail(n, path, "expected a list, got %s", kindName(n))
			return
		}
		for i, e := range n.Content {
			c.check(e, t.Elem(), path+"["+strconv.Itoa(i)+"]")
		}
	case reflect.String:
		if c.expectScalar(n, path, "a string") && n.Style == 0 && (n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!bool") {
			c.fail(n, path, "expected a string, got %s %q (quote it)", strings.TrimPrefix(n.Tag, "!!"), n.Value)
		}
	case reflect.Bool:
		if c.expectScalar(n, path, "true or false") && n.Tag != "!!bool" {
			c.fail(n, path, "expected true or false, got %q", n.Value)
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		if c.expectScalar(n, path, "an integer") && n.Tag != "!!int" {
			c.fail(n, path, "expected an integer, got %q", n.Value)
		}
	}
}

func (c *checker) expectScalar(n *yamlv3.Node, path, what string) bool {
	if n.Kind != yamlv3.ScalarNode {
		c.fail(n, path, "expected %s, got %s", what, kindName(n))
		return false
	}
	return true
}

func (c *checker) checkStruct(n *yamlv3.Node, t reflect.Type, path string) {
	if n.Kind != yamlv3.MappingNode {
		c.fail(n, path, "expected a mapping, got %s", kindName(n))
		return
	}
	fields := jsonFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value == "<<" { // YAML merge key: check the merged mapping in place.
			c.check(n.Content[i+1], t, path)
			continue
		}
		ft, ok := fields[k.Value]
		if !ok {
			c.unknown = append(c.unknown, UnknownKey{Path: join(path, k.Value), Line: k.Line})
			continue
		}
		c.check(n.Content[i+1], ft, join(path, k.Value))
	}
}

// jsonFields returns the JSON field names of a struct, flattening inline and embedded structs.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if (f.Anonymous && name == "") || strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, exists := out[k]; !exists {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func kindName(n *yamlv3.Node) string {
	switch n.Kind {
	case yamlv3.MappingNode:
		return "a mapping"
	case yamlv3.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

// lineOfPath finds the line of a dotted path ("helm.values", "dependsOn.0") in a YAML tree, or the
// line of the deepest existing ancestor.
func lineOfPath(root *yamlv3.Node, path string) int {
	n := root
	line := root.Line
	if path == "" {
		return line
	}
	for _, part := range strings.Split(path, ".") {
		if n.Kind == yamlv3.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yamlv3.Node
		switch n.Kind {
		case yamlv3.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == part {
					next = n.Content[i+1]
					line = n.Content[i].Line
					break
				}
			}
		case yamlv3.SequenceNode:
			if idx, err := strconv.Atoi(part); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}
