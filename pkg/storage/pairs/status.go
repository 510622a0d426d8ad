package pairs

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// Locals are the pair-local values of a status, in order of first appearance: condition times,
// resource creation times and the Helm release revision. The body holds a slot for each.
type Locals []string

// slotPrefix marks a slot in a body: "\x00<n>" stands for Locals[n]. A NUL cannot appear in the
// values it replaces (validateLocals refuses them), so a slot is never mistaken for data.
const slotPrefix = "\x00"

// Body is the shared part of a status: canonical JSON (sorted keys) and its sha256.
type Body struct {
	JSON   []byte
	Digest [sha256.Size]byte
}

// SplitStatus lifts the pair-local values out of an agent-reported status. status.display is
// computed by the server and is not part of the body. Two pairs that report the same apart from
// their times and release revision get the same body.
func SplitStatus(st *v1alpha1.BundleDeploymentStatus) (Body, Locals, error) {
	c := st.DeepCopy()
	c.Display = v1alpha1.BundleDeploymentDisplay{}
	tree, err := toTree(c)
	if err != nil {
		return Body{}, nil, err
	}
	var locals Locals
	slot := func(v string) string {
		for i, l := range locals {
			if l == v {
				return slotPrefix + strconv.Itoa(i)
			}
		}
		locals = append(locals, v)
		return slotPrefix + strconv.Itoa(len(locals)-1)
	}
	if err := walkLocals(tree, func(field, v string) (string, error) {
		if strings.Contains(v, slotPrefix) {
			return "", fmt.Errorf("status.%s: NUL characters are not allowed", field)
		}
		if field == "release" {
			if i := strings.LastIndexByte(v, ':'); i >= 0 {
				return v[:i+1] + slot(v[i+1:]), nil
			}
			return v, nil
		}
		return slot(v), nil
	}); err != nil {
		return Body{}, nil, err
	}
	js, err := json.Marshal(tree)
	if err != nil {
		return Body{}, nil, err
	}
	return Body{JSON: js, Digest: sha256.Sum256(js)}, locals, nil
}

// JoinStatus puts the pair-local values back into a body.
func JoinStatus(body []byte, locals Locals) (*v1alpha1.BundleDeploymentStatus, error) {
	var tree map[string]any
	if err := json.Unmarshal(body, &tree); err != nil {
		return nil, fmt.Errorf("status body: %w", err)
	}
	if err := walkLocals(tree, func(field, v string) (string, error) {
		i := strings.Index(v, slotPrefix)
		if i < 0 {
			return v, nil
		}
		n, err := strconv.Atoi(v[i+len(slotPrefix):])
		if err != nil || n < 0 || n >= len(locals) {
			return "", fmt.Errorf("status body: %s: slot %q of %d locals", field, v[i:], len(locals))
		}
		return v[:i] + locals[n], nil
	}); err != nil {
		return nil, err
	}
	js, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	st := &v1alpha1.BundleDeploymentStatus{}
	dec := json.NewDecoder(bytes.NewReader(js))
	if err := dec.Decode(st); err != nil {
		return nil, fmt.Errorf("status body: %w", err)
	}
	return st, nil
}

func toTree(st *v1alpha1.BundleDeploymentStatus) (map[string]any, error) {
	js, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	err = json.Unmarshal(js, &tree)
	return tree, err
}

// walkLocals calls f on every pair-local string of a status tree and stores what it returns.
func walkLocals(tree map[string]any, f func(field, v string) (string, error)) error {
	each := func(list, key string) error {
		items, _ := tree[list].([]any)
		for i, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			if v, ok := m[key].(string); ok && v != "" {
				nv, err := f(fmt.Sprintf("%s[%d].%s", list, i, key), v)
				if err != nil {
					return err
				}
				m[key] = nv
			}
		}
		return nil
	}
	for _, lk := range [][2]string{{"conditions", "lastUpdateTime"}, {"conditions", "lastTransitionTime"}, {"resources", "createdAt"}} {
		if err := each(lk[0], lk[1]); err != nil {
			return err
		}
	}
	if v, ok := tree["release"].(string); ok && v != "" {
		nv, err := f("release", v)
		if err != nil {
			return err
		}
		tree["release"] = nv
	}
	return nil
}
