package target

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestMatcher(t *testing.T) {
	dev := ClusterInfo{Name: "c1", Labels: map[string]string{"env": "dev", v1alpha1.ClusterDisplayNameLabel: "pretty"},
		Groups: []Group{{Name: "default", Labels: map[string]string{"region": "eu"}}, {Name: "g2"}}}
	tests := []struct {
		name string
		c    Criteria
		want bool
	}{
		{name: "no criteria matches nothing", c: Criteria{}, want: false},
		{name: "empty selector matches everything", c: Criteria{ClusterSelector: &metav1.LabelSelector{}}, want: true},
		{name: "cluster name", c: Criteria{ClusterName: "c1"}, want: true},
		{name: "display name label", c: Criteria{ClusterName: "pretty"}, want: true},
		{name: "other name", c: Criteria{ClusterName: "c2"}, want: false},
		{name: "selector", c: Criteria{ClusterSelector: sel("env", "dev")}, want: true},
		{name: "selector mismatch", c: Criteria{ClusterSelector: sel("env", "prod")}, want: false},
		{name: "AND: name and selector both needed", c: Criteria{ClusterName: "c1", ClusterSelector: sel("env", "prod")}, want: false},
		{name: "group", c: Criteria{ClusterGroup: "g2"}, want: true},
		{name: "unknown group", c: Criteria{ClusterGroup: "g3"}, want: false},
		{name: "group selector", c: Criteria{ClusterGroupSelector: sel("region", "eu")}, want: true},
		{name: "group and group selector must hold for the same group", c: Criteria{ClusterGroup: "g2", ClusterGroupSelector: sel("region", "eu")}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMatcher(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Match(dev); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewMatcherInvalidSelector(t *testing.T) {
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}
	if _, err := NewMatcher(Criteria{ClusterSelector: bad}); err == nil {
		t.Error("no error for an invalid selector")
	}
}

func TestGroupsForCluster(t *testing.T) {
	c := cluster("c1", "env", "dev")
	groups := []v1alpha1.ClusterGroup{
		{ObjectMeta: metav1.ObjectMeta{Name: "z-dev", Namespace: "fleet-default"}, Spec: v1alpha1.ClusterGroupSpec{Selector: sel("env", "dev")}},
		{ObjectMeta: metav1.ObjectMeta{Name: "a-all", Namespace: "fleet-default"}, Spec: v1alpha1.ClusterGroupSpec{Selector: &metav1.LabelSelector{}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "nil-selector", Namespace: "fleet-default"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "other-ns", Namespace: "elsewhere"}, Spec: v1alpha1.ClusterGroupSpec{Selector: &metav1.LabelSelector{}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "prod", Namespace: "fleet-default"}, Spec: v1alpha1.ClusterGroupSpec{Selector: sel("env", "prod")}},
	}
	got, err := GroupsForCluster(c, groups)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a-all" || got[1].Name != "z-dev" {
		t.Errorf("groups = %+v, want a-all, z-dev", got)
	}
}
