package target

import (
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// Criteria are the cluster-selecting fields shared by targets, restrictions and partitions.
type Criteria struct {
	ClusterName          string
	ClusterSelector      *metav1.LabelSelector
	ClusterGroup         string
	ClusterGroupSelector *metav1.LabelSelector
}

// Group is a cluster group a cluster belongs to.
type Group struct {
	Name   string
	Labels map[string]string
}

// ClusterInfo is what matching needs to know about a cluster.
type ClusterInfo struct {
	Name   string
	Labels map[string]string
	// Groups are sorted by name.
	Groups []Group
}

// Matcher matches clusters against one set of Criteria.
type Matcher struct {
	name          string
	selector      labels.Selector
	group         string
	groupSelector labels.Selector
	empty         bool
}

// NewMatcher compiles criteria; it fails on an invalid label selector.
func NewMatcher(c Criteria) (*Matcher, error) {
	m := &Matcher{name: c.ClusterName, group: c.ClusterGroup}
	var err error
	if c.ClusterSelector != nil {
		if m.selector, err = metav1.LabelSelectorAsSelector(c.ClusterSelector); err != nil {
			return nil, fmt.Errorf("clusterSelector: %w", err)
		}
	}
	if c.ClusterGroupSelector != nil {
		if m.groupSelector, err = metav1.LabelSelectorAsSelector(c.ClusterGroupSelector); err != nil {
			return nil, fmt.Errorf("clusterGroupSelector: %w", err)
		}
	}
	m.empty = m.name == "" && m.selector == nil && m.group == "" && m.groupSelector == nil
	return m, nil
}

// Match reports whether the cluster meets every criterion that is set. Group criteria must be met
// by one group; a matcher without criteria matches nothing.
func (m *Matcher) Match(c ClusterInfo) bool {
	if m.empty {
		return false
	}
	if m.name != "" && m.name != c.Name && c.Labels[v1alpha1.ClusterDisplayNameLabel] != m.name {
		return false
	}
	if m.selector != nil && !m.selector.Matches(labels.Set(c.Labels)) {
		return false
	}
	if m.group == "" && m.groupSelector == nil {
		return true
	}
	for _, g := range c.Groups {
		if m.group != "" && m.group != g.Name {
			continue
		}
		if m.groupSelector != nil && !m.groupSelector.Matches(labels.Set(g.Labels)) {
			continue
		}
		return true
	}
	return false
}

// GroupsForCluster returns the groups of the cluster's namespace whose non-nil selector matches
// the cluster's labels, sorted by name.
func GroupsForCluster(c *v1alpha1.Cluster, groups []v1alpha1.ClusterGroup) ([]Group, error) {
	var out []Group
	for i := range groups {
		g := &groups[i]
		if g.Namespace != c.Namespace || g.Spec.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(g.Spec.Selector)
		if err != nil {
			return nil, fmt.Errorf("cluster group %s/%s: %w", g.Namespace, g.Name, err)
		}
		if sel.Matches(labels.Set(c.Labels)) {
			out = append(out, Group{Name: g.Name, Labels: g.Labels})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func targetCriteria(t *v1alpha1.BundleTarget) Criteria {
	return Criteria{ClusterName: t.ClusterName, ClusterSelector: t.ClusterSelector,
		ClusterGroup: t.ClusterGroup, ClusterGroupSelector: t.ClusterGroupSelector}
}

func restrictionCriteria(t *v1alpha1.BundleTargetRestriction) Criteria {
	return Criteria{ClusterName: t.ClusterName, ClusterSelector: t.ClusterSelector,
		ClusterGroup: t.ClusterGroup, ClusterGroupSelector: t.ClusterGroupSelector}
}
