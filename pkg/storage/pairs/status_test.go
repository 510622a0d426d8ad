package pairs

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func readyStatus(at time.Time, revision string) *v1alpha1.BundleDeploymentStatus {
	ts := at.UTC().Format(time.RFC3339)
	return &v1alpha1.BundleDeploymentStatus{
		AppliedDeploymentID: "s-abc:def", Ready: true, NonModified: true, Release: "apps/web:" + revision,
		Conditions: []v1alpha1.GenericCondition{
			{Type: "Ready", Status: corev1.ConditionTrue, LastUpdateTime: ts, LastTransitionTime: ts},
			{Type: "Deployed", Status: corev1.ConditionTrue, LastUpdateTime: ts},
		},
		Resources: []v1alpha1.BundleDeploymentResource{{Kind: "ConfigMap", APIVersion: "v1", Namespace: "apps", Name: "a",
			CreatedAt: metav1.NewTime(at.Truncate(time.Second))}},
		ResourceCounts: v1alpha1.ResourceCounts{Ready: 1, DesiredReady: 1},
		Display:        v1alpha1.BundleDeploymentDisplay{State: "Ready"},
	}
}

func TestStatusRoundTrip(t *testing.T) {
	st := readyStatus(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), "3")
	body, locals, err := SplitStatus(st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := JoinStatus(body.JSON, locals)
	if err != nil {
		t.Fatal(err)
	}
	want := st.DeepCopy()
	want.Display = v1alpha1.BundleDeploymentDisplay{} // computed, not stored
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if len(locals) != 2 || locals[0] != "2026-12-04T10:00:00Z" || locals[1] != "3" {
		t.Errorf("locals %q, want the one time and the revision", locals)
	}
}

func TestStatusBodiesAreShared(t *testing.T) {
	a, la, err := SplitStatus(readyStatus(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), "1"))
	if err != nil {
		t.Fatal(err)
	}
	b, lb, err := SplitStatus(readyStatus(time.Date(2026, 12, 4, 11, 30, 5, 0, time.UTC), "7"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest || string(a.JSON) != string(b.JSON) {
		t.Errorf("two Ready pairs at other times got different bodies:\n%s\n%s", a.JSON, b.JSON)
	}
	if reflect.DeepEqual(la, lb) {
		t.Errorf("locals are the same: %q", la)
	}
	notReady := readyStatus(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), "1")
	notReady.Ready = false
	c, _, err := SplitStatus(notReady)
	if err != nil {
		t.Fatal(err)
	}
	if c.Digest == a.Digest {
		t.Error("a different status got the same body")
	}
}

func TestStatusRefusesNUL(t *testing.T) {
	st := readyStatus(time.Now(), "1")
	st.Conditions[0].LastUpdateTime = "x\x00" + "0"
	if _, _, err := SplitStatus(st); err == nil || !strings.Contains(err.Error(), "status.conditions[0].lastUpdateTime") {
		t.Errorf("err = %v", err)
	}
}

func TestJoinStatusRefusesBadSlots(t *testing.T) {
	body, _, err := SplitStatus(readyStatus(time.Now(), "1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := JoinStatus(body.JSON, Locals{"only one"}); err == nil || !strings.Contains(err.Error(), "slot") {
		t.Errorf("err = %v", err)
	}
}
