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

// isManifestFile reports whether a raw-YAML bundle file holds objects.
func isManifestFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
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
	// kindlessSkipped skips the document, as Fleet skips raw-YAML files that are not objects (a
	// stray values.yaml, a kustomize fragment). Fleet skips the whole file; here only the document.
	kindlessSkipped
)

// parseObjects decodes every non-empty YAML/JSON document of data into objects; source names the
// file in errors, which carry the line of the offending document. A document with a kind but no
// apiVersion is always an error.
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
		if u.GetKind() == "" && noKind == kindlessSkipped {
			continue
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("%s:%d: document %d: apiVersion and kind are required", source, docLine, doc)
		}
		if kind := u.GetKind(); strings.HasSuffix(kind, "List") && u.IsList() {
			list, err := u.ToList()
			if err != nil {
				return nil, fmt.Errorf("%s:%d: document %d: %w", source, docLine, doc, err)
			}
			for i := range list.Items {
				out = append(out, Object{Unstructured: &list.Items[i], Source: source})
			}
			continue
		}
		out = append(out, Object{Unstructured: u, Source: source})
	}
}

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
