package bundles

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// criteria are the cluster-selecting fields of a target, restriction or partition.
type criteria struct {
	name          string
	selector      *metav1.LabelSelector
	group         string
	groupSelector bool
}

// selectorKeys are the label keys the cluster selector reads.
func (c criteria) selectorKeys() []string {
	if c.selector == nil {
		return nil
	}
	keys := make([]string, 0, len(c.selector.MatchLabels)+len(c.selector.MatchExpressions))
	for k := range c.selector.MatchLabels {
		keys = append(keys, k)
	}
	for _, r := range c.selector.MatchExpressions {
		keys = append(keys, r.Key)
	}
	return keys
}
