package v1alpha1_test

import (
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestModifiedStatusString(t *testing.T) {
	base := v1alpha1.ModifiedStatus{Kind: "ConfigMap", APIVersion: "v1", Namespace: "ns", Name: "cm"}
	tests := []struct {
		name   string
		mutate func(*v1alpha1.ModifiedStatus)
		want   string
	}{
		{name: "missing", mutate: func(m *v1alpha1.ModifiedStatus) { m.Create = true }, want: "configmap.v1 ns/cm missing"},
		{name: "extra", mutate: func(m *v1alpha1.ModifiedStatus) { m.Delete = true }, want: "configmap.v1 ns/cm extra"},
		{name: "not owned", mutate: func(m *v1alpha1.ModifiedStatus) { m.Exist = true }, want: "configmap.v1 ns/cm is not owned by us"},
		{name: "patched", mutate: func(m *v1alpha1.ModifiedStatus) { m.Patch = `{"data":null}` }, want: `configmap.v1 ns/cm modified {"data":null}`},
		{
			name: "cluster-scoped with group",
			mutate: func(m *v1alpha1.ModifiedStatus) {
				*m = v1alpha1.ModifiedStatus{Kind: "ClusterRole", APIVersion: "rbac.authorization.k8s.io/v1", Name: "r", Create: true}
			},
			want: "clusterrole.rbac.authorization.k8s.io r missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			tt.mutate(&m)
			if got := m.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNonReadyStatusString(t *testing.T) {
	r := v1alpha1.NonReadyStatus{Kind: "Deployment", APIVersion: "apps/v1", Namespace: "ns", Name: "web"}
	tests := []struct {
		name    string
		summary v1alpha1.ResourceSummary
		want    string
	}{
		{name: "plain state", summary: v1alpha1.ResourceSummary{State: "active"}, want: "deployment.apps ns/web active"},
		{
			name:    "progressing",
			summary: v1alpha1.ResourceSummary{State: "updating", Transitioning: true, Message: []string{"a", "b"}},
			want:    "deployment.apps ns/web [progressing] a, b",
		},
		{
			name:    "progressing with error",
			summary: v1alpha1.ResourceSummary{Transitioning: true, Error: true, Message: []string{"boom"}},
			want:    "deployment.apps ns/web [progressing,error] boom",
		},
		{name: "error only (wrangler omits the opening bracket)", summary: v1alpha1.ResourceSummary{Error: true}, want: "deployment.apps ns/web error]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.Summary = tt.summary
			if got := r.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
