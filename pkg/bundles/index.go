package bundles

import (
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// Index records, per Bundle, which changes of a Cluster can change whether the Bundle targets it
// or with which options, and answers for a Cluster change which Bundles must be matched again for
// that Cluster. It over-approximates (a Bundle it names may turn out unchanged), never misses.
//
// A Bundle depends on a Cluster through:
//   - the label keys its target, restriction and partition selectors mention (clusterName also
//     reads the cluster-display-name label);
//   - the Cluster's ClusterGroups, when any criterion names a group or has a group selector;
//   - its labels, annotations and templateValues, when its Helm values are templated;
//   - the Cluster's paused flag, which every Bundle of the Cluster reads.
//
// Index is not safe for concurrent use.
type Index struct {
	bundles map[types.NamespacedName]*entry
	byKey   map[string]map[types.NamespacedName]struct{}
}

type entry struct {
	keys      []string
	groups    bool
	templated bool
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{bundles: map[types.NamespacedName]*entry{}, byKey: map[string]map[types.NamespacedName]struct{}{}}
}

// Set records (or replaces) what a Bundle depends on.
func (x *Index) Set(b *v1alpha1.Bundle) {
	k := types.NamespacedName{Namespace: b.Namespace, Name: b.Name}
	x.Delete(k)
	e := &entry{}
	keys := map[string]struct{}{}
	add := func(c criteria) {
		if c.name != "" {
			keys[v1alpha1.ClusterDisplayNameLabel] = struct{}{}
		}
		for _, k := range c.selectorKeys() {
			keys[k] = struct{}{}
		}
		e.groups = e.groups || c.group != "" || c.groupSelector
	}
	spec := &b.Spec
	for i := range spec.Targets {
		t := &spec.Targets[i]
		add(criteria{name: t.ClusterName, selector: t.ClusterSelector, group: t.ClusterGroup, groupSelector: t.ClusterGroupSelector != nil})
		e.templated = e.templated || templated(t.Helm)
	}
	for i := range spec.TargetRestrictions {
		r := &spec.TargetRestrictions[i]
		add(criteria{name: r.ClusterName, selector: r.ClusterSelector, group: r.ClusterGroup, groupSelector: r.ClusterGroupSelector != nil})
	}
	if spec.RolloutStrategy != nil {
		for i := range spec.RolloutStrategy.Partitions {
			p := &spec.RolloutStrategy.Partitions[i]
			add(criteria{name: p.ClusterName, selector: p.ClusterSelector, group: p.ClusterGroup, groupSelector: p.ClusterGroupSelector != nil})
		}
	}
	e.templated = e.templated || templated(spec.Helm)
	for key := range keys {
		e.keys = append(e.keys, key)
		set := x.byKey[key]
		if set == nil {
			set = map[types.NamespacedName]struct{}{}
			x.byKey[key] = set
		}
		set[k] = struct{}{}
	}
	x.bundles[k] = e
}

// Delete forgets a Bundle.
func (x *Index) Delete(k types.NamespacedName) {
	e := x.bundles[k]
	if e == nil {
		return
	}
	for _, key := range e.keys {
		delete(x.byKey[key], k)
		if len(x.byKey[key]) == 0 {
			delete(x.byKey, key)
		}
	}
	delete(x.bundles, k)
}

// Change is what changed about one Cluster.
type Change struct {
	// Labels are the keys whose values were added, changed or removed.
	Labels []string
	// Groups is true when the set of ClusterGroups the Cluster is in changed.
	Groups bool
	// Templating is true when labels, annotations or templateValues changed: whatever templated
	// values read.
	Templating bool
	// Paused is true when the Cluster's paused flag changed.
	Paused bool
}

// Affected returns the Bundles that may target the changed Cluster differently. in tells whether a
// Bundle can target the Cluster at all (its namespace, or one a BundleNamespaceMapping adds).
func (x *Index) Affected(c Change, in func(types.NamespacedName) bool) []types.NamespacedName {
	seen := map[types.NamespacedName]struct{}{}
	var out []types.NamespacedName
	consider := func(k types.NamespacedName) {
		if _, dup := seen[k]; dup || !in(k) {
			return
		}
		seen[k] = struct{}{}
		out = append(out, k)
	}
	for _, key := range c.Labels {
		for k := range x.byKey[key] {
			consider(k)
		}
	}
	if c.Groups || c.Templating || c.Paused {
		for k, e := range x.bundles {
			if c.Paused || (c.Groups && e.groups) || (c.Templating && e.templated) {
				consider(k)
			}
		}
	}
	return out
}

// LabelChanges returns the keys whose values differ between two label sets.
func LabelChanges(old, cur map[string]string) []string {
	var out []string
	for k, v := range cur {
		if ov, ok := old[k]; !ok || ov != v {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := cur[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// templated reports whether Helm values may depend on the Cluster: ${ } templates, templateValues,
// or Fleet's global.fleet.clusterLabels substitution. Values that say so only in a string that
// is not a template are counted too (over-approximation is safe).
func templated(h *v1alpha1.HelmOptions) bool {
	if h == nil || h.DisablePreProcess && !mentionsClusterLabels(h) {
		return false
	}
	if len(h.TemplateValues) > 0 {
		return true
	}
	return h.Values != nil && containsTemplate(h.Values.Data)
}

func mentionsClusterLabels(h *v1alpha1.HelmOptions) bool {
	return h.Values != nil && containsString(h.Values.Data, "global.fleet.clusterLabels.")
}

func containsTemplate(v any) bool {
	return containsString(v, "${") || containsString(v, "global.fleet.clusterLabels.")
}

func containsString(v any, sub string) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, sub)
	case map[string]any:
		for k, x := range t {
			if strings.Contains(k, sub) || containsString(x, sub) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if containsString(x, sub) {
				return true
			}
		}
	}
	return false
}
