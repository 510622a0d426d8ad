package summary

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestState(t *testing.T) {
	deployedFalse := []v1alpha1.GenericCondition{{Type: v1alpha1.ConditionDeployed, Status: corev1.ConditionFalse, Reason: "Error", Message: "boom"}}
	tests := []struct {
		name string
		d    Deployment
		want v1alpha1.BundleState
	}{
		{"not applied yet", Deployment{StagedDeploymentID: "a", DeploymentID: "a"}, v1alpha1.WaitApplied},
		{"not applied, Deployed=False", Deployment{StagedDeploymentID: "a", DeploymentID: "a", Conditions: deployedFalse}, v1alpha1.ErrApplied},
		{"applied, not ready", Deployment{StagedDeploymentID: "a", DeploymentID: "a", AppliedDeploymentID: "a"}, v1alpha1.NotReady},
		{"ready, a newer one staged (paused or held by the rollout)", Deployment{StagedDeploymentID: "b", DeploymentID: "a", AppliedDeploymentID: "a", Ready: true, NonModified: true}, v1alpha1.OutOfSync},
		{"ready but modified", Deployment{StagedDeploymentID: "a", DeploymentID: "a", AppliedDeploymentID: "a", Ready: true}, v1alpha1.Modified},
		{"ready", Deployment{StagedDeploymentID: "a", DeploymentID: "a", AppliedDeploymentID: "a", Ready: true, NonModified: true}, v1alpha1.Ready},
		{"applied an older one: WaitApplied before NotReady", Deployment{StagedDeploymentID: "b", DeploymentID: "b", AppliedDeploymentID: "a", Ready: true}, v1alpha1.WaitApplied},
	}
	for _, tt := range tests {
		if got := State(tt.d); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	d := Deployment{DeploymentID: "a", AppliedDeploymentID: "a", Ready: true, NonModified: true, StagedDeploymentID: "a",
		Conditions: []v1alpha1.GenericCondition{
			{Type: v1alpha1.ConditionDeployed, Status: corev1.ConditionTrue},
			{Type: v1alpha1.ConditionMonitored, Status: corev1.ConditionFalse, Reason: v1alpha1.ReasonError, Message: "cannot watch"},
		}}
	want := v1alpha1.BundleDeploymentDisplay{Deployed: "True", Monitored: "Error: cannot watch", State: "Ready"}
	if got := Display(d); got != want {
		t.Errorf("display %+v, want %+v", got, want)
	}
	if got := Display(Deployment{}); got.Deployed != "" || got.State != "NotReady" {
		t.Errorf("no conditions: %+v", got)
	}
}

func TestMessage(t *testing.T) {
	conds := []v1alpha1.GenericCondition{{Type: v1alpha1.ConditionMonitored, Message: "m"}, {Type: v1alpha1.ConditionInstalled, Message: "i"}}
	if got := Message(conds); got != "i" {
		t.Errorf("message %q, want Installed's before Monitored's", got)
	}
	conds = append(conds, v1alpha1.GenericCondition{Type: v1alpha1.ConditionDeployed, Message: "d"})
	if got := Message(conds); got != "d" {
		t.Errorf("message %q, want Deployed's first", got)
	}
}

func TestAddAndRanking(t *testing.T) {
	var s v1alpha1.BundleSummary
	for _, st := range []v1alpha1.BundleState{v1alpha1.Ready, v1alpha1.Ready, v1alpha1.WaitApplied, v1alpha1.Modified, v1alpha1.Pending} {
		Add(&s, st, 1)
	}
	Add(&s, v1alpha1.Ready, -1)
	if s.Ready != 1 || s.WaitApplied != 1 || s.Modified != 1 || s.Pending != 1 || s.DesiredReady != 4 || IsReady(s) {
		t.Errorf("summary %+v", s)
	}
	s.NonReadyResources = []v1alpha1.NonReadyResource{{Name: "a", State: v1alpha1.Modified}, {Name: "b", State: v1alpha1.ErrApplied}, {Name: "c", State: v1alpha1.WaitApplied}}
	if got := WorstState(s); got != v1alpha1.ErrApplied {
		t.Errorf("worst state %s, want ErrApplied (Fleet's ranking)", got)
	}
	// Past the ten listed resources the counters tell: one ErrApplied cluster not listed.
	if got := WorstState(v1alpha1.BundleSummary{WaitApplied: 10, ErrApplied: 1, DesiredReady: 11,
		NonReadyResources: []v1alpha1.NonReadyResource{{Name: "a", State: v1alpha1.WaitApplied}}}); got != v1alpha1.ErrApplied {
		t.Errorf("worst state past the cap %s, want ErrApplied", got)
	}
	if got := WorstState(v1alpha1.BundleSummary{}); got != "" {
		t.Errorf("worst state of a ready summary: %q", got)
	}
}

func TestReadyMessage(t *testing.T) {
	tests := []struct {
		name string
		s    v1alpha1.BundleSummary
		want string
	}{
		{name: "ready: empty", s: v1alpha1.BundleSummary{Ready: 3, DesiredReady: 3}, want: ""},
		{name: "Fleet's docs example", s: v1alpha1.BundleSummary{WaitApplied: 1, DesiredReady: 1,
			NonReadyResources: []v1alpha1.NonReadyResource{{Name: "fleet-default/downstream4", State: v1alpha1.WaitApplied}}},
			want: "WaitApplied(1) [Cluster fleet-default/downstream4]"},
		{name: "messages, details capped at four, entries sorted", s: v1alpha1.BundleSummary{NotReady: 2, Modified: 1, DesiredReady: 3,
			NonReadyResources: []v1alpha1.NonReadyResource{
				{Name: "ns/c2", State: v1alpha1.NotReady, Message: "waiting", NonReadyStatus: []v1alpha1.NonReadyStatus{
					{Kind: "Deployment", APIVersion: "apps/v1", Namespace: "a", Name: "d1", Summary: v1alpha1.ResourceSummary{State: "in-progress"}}}},
				{Name: "ns/c1", State: v1alpha1.NotReady, Message: "second: not used"},
				{Name: "ns/c3", State: v1alpha1.Modified, ModifiedStatus: []v1alpha1.ModifiedStatus{
					{Kind: "ConfigMap", APIVersion: "v1", Namespace: "a", Name: "m1", Create: true},
					{Kind: "ConfigMap", APIVersion: "v1", Namespace: "a", Name: "m2", Create: true},
					{Kind: "ConfigMap", APIVersion: "v1", Namespace: "a", Name: "m3", Create: true},
					{Kind: "ConfigMap", APIVersion: "v1", Namespace: "a", Name: "m4", Create: true},
					{Kind: "ConfigMap", APIVersion: "v1", Namespace: "a", Name: "m5", Create: true}}},
			}},
			want: "Modified(1) [Cluster ns/c3]; NotReady(2) [Cluster ns/c2: waiting]; configmap.v1 a/m1 missing; configmap.v1 a/m2 missing; " +
				"configmap.v1 a/m3 missing; configmap.v1 a/m4 missing; deployment.apps a/d1 in-progress"},
		{name: "a counted state without a listed resource still shows", s: v1alpha1.BundleSummary{OutOfSync: 5, DesiredReady: 5},
			want: "OutOfSync(5)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadyMessage(tt.s, "Cluster"); got != tt.want {
				t.Errorf("message\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestCapNonReadyIsStable(t *testing.T) {
	var entries []v1alpha1.NonReadyResource
	for i := 0; i < 25; i++ {
		entries = append(entries, v1alpha1.NonReadyResource{Name: fmt.Sprintf("ns/c%02d", i), State: v1alpha1.WaitApplied})
	}
	first, cut := CapNonReady(entries)
	if !cut || len(first) != MaxNonReadyResources || first[0].Name != "ns/c00" || first[9].Name != "ns/c09" {
		t.Fatalf("capped list %v (cut %v)", first, cut)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		r.Shuffle(len(entries), func(a, b int) { entries[a], entries[b] = entries[b], entries[a] })
		if got, _ := CapNonReady(entries); !reflect.DeepEqual(got, first) {
			t.Fatalf("the capped list depends on the input order:\n%v\n%v", got, first)
		}
	}
	if got, cut := CapNonReady(entries[:3]); cut || len(got) != 3 {
		t.Errorf("short list cut: %v %v", got, cut)
	}
}
