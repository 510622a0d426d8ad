package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Object is a rendered object and where it came from (a bundle file or a chart template).
type Object struct {
	*unstructured.Unstructured
	// Source is the bundle file or chart template the object came from.
	Source string
}

// isManifestFile reports whether a raw-YAML bundle file holds objects: a .yaml, .yml or .json
// suffix, matched case-sensitively as Fleet does.
func isManifestFile(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// kindless says what parseObjects does with a document that has no kind.
type kindless int

const (
	// kindlessIsError fails: Helm and kustomize output must be objects.
	kindlessIsError kindless = iota
	// kindlessSkipped skips documents (and List items) without a kind or an apiVersion, as Fleet
	// skips raw-YAML content that is not objects (a stray values.yaml, a kustomize fragment). Fleet
	// skips the whole file when a document has no kind; here only that document.
	kindlessSkipped
)

// parseObjects decodes every non-empty YAML/JSON document of data into objects; source names the
// file in errors, which carry the line of the offending document. List items without a kind or
// apiVersion get the list's (its kind without "List"), as the unstructured decoder does.
func parseObjects(source string, data []byte, noKind kindless) ([]Object, error) {
	var out []Object
	r := utilyaml.NewYAMLReader(bufioReader(data))
	line := 1
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", source, line, err)
		}
		docLine := line + leadingLines(raw)
		line += bytes.Count(raw, []byte("\n"))
		if isEmptyDoc(raw) {
			continue
		}
		obj := map[string]any{}
		if err := utilyaml.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("%s:%d: document %d: %w", source, docLine+yamlErrLine(err), doc, err)
		}
		if len(obj) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		if kind := u.GetKind(); strings.HasSuffix(kind, "List") && u.IsList() {
			list, err := u.ToList()
			if err != nil {
				return nil, fmt.Errorf("%s:%d: document %d: %w", source, docLine, doc, err)
			}
			for i := range list.Items {
				item := &list.Items[i]
				if item.GetKind() == "" && item.GetAPIVersion() == "" {
					item.SetKind(strings.TrimSuffix(kind, "List"))
					item.SetAPIVersion(u.GetAPIVersion())
				}
				if !complete(item) {
					if noKind == kindlessSkipped {
						continue
					}
					return nil, fmt.Errorf("%s:%d: document %d: items[%d]: apiVersion and kind are required", source, docLine, doc, i)
				}
				out = append(out, Object{Unstructured: item, Source: source})
			}
			continue
		}
		if !complete(u) {
			if noKind == kindlessSkipped {
				continue
			}
			return nil, fmt.Errorf("%s:%d: document %d: apiVersion and kind are required", source, docLine, doc)
		}
		out = append(out, Object{Unstructured: u, Source: source})
	}
}

// complete reports whether an object has a kind and an apiVersion.
func complete(u *unstructured.Unstructured) bool { return u.GetKind() != "" && u.GetAPIVersion() != "" }

func isEmptyDoc(raw []byte) bool {
	for _, l := range bytes.Split(raw, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return false
		}
	}
	return true
}

// leadingLines counts the separator and comment lines before a document's content.
func leadingLines(raw []byte) int {
	n := 0
	for _, l := range bytes.Split(raw, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return n
		}
		n++
	}
	return 0
}
