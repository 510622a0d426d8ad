package fleetcli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func isAbs(p string) bool     { return filepath.IsAbs(p) }
func join(a, b string) string { return filepath.Join(a, b) }

// objects is what the commands read: Fleet objects from YAML streams.
type objects struct {
	bundles     []v1alpha1.Bundle
	clusters    []v1alpha1.Cluster
	groups      []v1alpha1.ClusterGroup
	deployments []v1alpha1.BundleDeployment
	contents    []v1alpha1.Content
}

// readObjects reads Fleet objects (and Lists of them) from a file, or stdin for "-".
func readObjects(path string, stdin io.Reader) (*objects, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	out := &objects{}
	r := utilyaml.NewYAMLReader(bufioReader(data))
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		if err := out.add(js); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
		}
	}
}

func (o *objects) add(js []byte) error {
	var head struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return err
	}
	var err error
	switch head.Kind {
	case "List", "BundleList", "ClusterList", "ClusterGroupList", "BundleDeploymentList", "ContentList":
		for _, it := range head.Items {
			if err := o.add(it); err != nil {
				return err
			}
		}
	case "Bundle":
		var b v1alpha1.Bundle
		err = json.Unmarshal(js, &b)
		o.bundles = append(o.bundles, b)
	case "Cluster":
		var c v1alpha1.Cluster
		err = json.Unmarshal(js, &c)
		o.clusters = append(o.clusters, c)
	case "ClusterGroup":
		var g v1alpha1.ClusterGroup
		err = json.Unmarshal(js, &g)
		o.groups = append(o.groups, g)
	case "BundleDeployment":
		var bd v1alpha1.BundleDeployment
		err = json.Unmarshal(js, &bd)
		o.deployments = append(o.deployments, bd)
	case "Content":
		var c v1alpha1.Content
		err = json.Unmarshal(js, &c)
		o.contents = append(o.contents, c)
	default:
		return fmt.Errorf("unexpected kind %q", head.Kind)
	}
	return err
}

// encodeYAML writes objects as YAML documents without status, empty creation timestamps and empty
// `ignore: {}` options, as Fleet's CLI writes them.
func encodeYAML(w *bytes.Buffer, objs ...any) error {
	for _, obj := range objs {
		js, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		m := map[string]any{}
		if err := json.Unmarshal(js, &m); err != nil {
			return err
		}
		delete(m, "status")
		dropEmptyIgnore(m)
		if md, ok := m["metadata"].(map[string]any); ok && md["creationTimestamp"] == nil {
			delete(md, "creationTimestamp")
		}
		data, err := yaml.Marshal(m)
		if err != nil {
			return err
		}
		w.WriteString("---\n")
		w.Write(data)
	}
	return nil
}

// writeOutput writes data to path ("-" for out) only once everything succeeded.
func writeOutput(path string, out io.Writer, data []byte) error {
	if path == "-" || path == "" {
		_, err := out.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// dropEmptyIgnore removes `ignore: {}` where options sit in a Bundle (spec, spec.targets[*]) or a
// BundleDeployment (spec.options, spec.stagedOptions). IgnoreOptions is a struct, which
// encoding/json always writes; the stored object and its hash keep it.
func dropEmptyIgnore(obj map[string]any) {
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		return
	}
	var options []any
	switch obj["kind"] {
	case "Bundle":
		options = append([]any{spec}, asList(spec["targets"])...)
	case "BundleDeployment":
		options = []any{spec["options"], spec["stagedOptions"]}
	}
	for _, o := range options {
		if m, ok := o.(map[string]any); ok {
			if ig, ok := m["ignore"].(map[string]any); ok && len(ig) == 0 {
				delete(m, "ignore")
			}
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
