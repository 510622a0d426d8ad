package integration

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	fleetv1 "github.com/fleetapi/fleet/pkg/generated/clientset/versioned/typed/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

const (
	rolloutWS       = "rollout"
	rolloutClusters = 10
)

// TestRolloutSurvivesKill9: a Bundle updated to a new deploymentID rolls out partition by
// partition (partitions of 3, at most 3 clusters unavailable: reference/fleet.md §4.9). After
// two partitions are reported ready the server is killed with SIGKILL and started again on the
// same data directory: every BundleDeployment, its status and the Bundle's status are as before,
// and the rollout goes on from there. A second SIGKILL right after the agents' next reports (before
// the summaries were flushed) loses none of them. Nothing goes back to the old deploymentID.
func TestRolloutSurvivesKill9(t *testing.T) {
	s := framework.StartStandalone(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fleet := unthrottled(t, s)
	for i := range rolloutClusters {
		c := &v1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("r%02d", i), Namespace: rolloutWS,
			Labels: map[string]string{"env": "edge"}}}
		if _, err := fleet.Clusters(rolloutWS).Create(ctx, c, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	three, threshold := intstr.FromInt32(3), 1
	b := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: rolloutWS}, Spec: v1alpha1.BundleSpec{
		Resources: []v1alpha1.BundleResource{{Name: "cm.yaml", Content: "kind: ConfigMap\nmetadata: {name: v1}"}},
		Targets:   []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "edge"}}}},
		RolloutStrategy: &v1alpha1.RolloutStrategy{AutoPartitionThreshold: &threshold, AutoPartitionSize: &three,
			MaxUnavailable: &three},
	}}
	if _, err := fleet.Bundles(rolloutWS).Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The first deployment: every cluster at once (new BundleDeployments are unavailable already).
	var old []v1alpha1.BundleDeployment
	waitUntil(t, func() error {
		old = rolloutBDs(ctx, t, fleet)
		return countIf(old, func(bd *v1alpha1.BundleDeployment) bool { return bd.Spec.DeploymentID != "" }, rolloutClusters)
	})
	if _, err := reportReady(ctx, fleet, old); err != nil {
		t.Fatal(err)
	}
	waitRollout(ctx, t, fleet, v1alpha1.BundleSummary{Ready: 10, DesiredReady: 10})
	oldID := old[0].Spec.DeploymentID

	// A new manifest: every cluster is staged on its deploymentID, the first partition promoted.
	r := &rollout{t: t, ctx: ctx, fleet: fleet, oldID: oldID}
	w := r.watch(s, "")
	patch := []byte(`{"spec":{"resources":[{"name":"cm.yaml","content":"kind: ConfigMap\nmetadata: {name: v2}"}]}}`)
	if _, err := fleet.Bundles(rolloutWS).Patch(ctx, "app", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	r.waitPromoted(3)
	waitRollout(ctx, t, fleet, v1alpha1.BundleSummary{WaitApplied: 3, OutOfSync: 7, DesiredReady: 10})
	r.report()
	r.waitPromoted(6)
	r.report()
	r.waitPromoted(9)
	before := waitRollout(ctx, t, fleet, v1alpha1.BundleSummary{Ready: 6, WaitApplied: 3, OutOfSync: 1, DesiredReady: 10})
	if got := partitionsUnavailable(before.Status.PartitionStatus); got != "Partition 0 - 3=0 Partition 3 - 6=0 Partition 6 - 9=3 Partition 9 - 10=1" {
		t.Fatalf("partitions before the kill: %s", got)
	}
	pairs := rolloutBDs(ctx, t, fleet)

	// kill -9 at rest; the same data directory.
	s.Kill()
	r.check(w.stop())
	s.Start()
	fleet = unthrottled(t, s)
	r.fleet = fleet
	after := rolloutBDs(ctx, t, fleet)
	for i := range pairs {
		if !sameBD(&pairs[i], &after[i]) {
			t.Fatalf("after kill -9 and a restart, %s/%s changed:\nbefore %+v\nafter  %+v", pairs[i].Namespace, pairs[i].Name, pairs[i], after[i])
		}
	}
	bundle, err := fleet.Bundles(rolloutWS).Get(ctx, "app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(before.Status, bundle.Status) {
		t.Fatalf("the Bundle's status after kill -9 and a restart:\nbefore %+v\nafter  %+v", before.Status, bundle.Status)
	}

	// The rollout goes on; kill -9 again right after the agents' reports of the third partition.
	w = r.watch(s, r.last)
	reported := r.report()
	s.Kill()
	r.check(w.stop())
	s.Start()
	fleet = unthrottled(t, s)
	r.fleet = fleet
	byNS := map[string]v1alpha1.BundleDeployment{}
	for _, bd := range rolloutBDs(ctx, t, fleet) {
		byNS[bd.Namespace] = bd
	}
	for i := range reported {
		want, got := &reported[i], byNS[reported[i].Namespace]
		if !sameBD(want, &got) {
			t.Fatalf("a status acknowledged before kill -9 did not survive it: %s was\n%+v\nis\n%+v", want.Namespace, want, got)
		}
	}
	w = r.watch(s, r.last)
	waitRollout(ctx, t, fleet, v1alpha1.BundleSummary{Ready: 9, WaitApplied: 1, DesiredReady: 10})
	r.waitPromoted(10)
	r.report()
	done := waitRollout(ctx, t, fleet, v1alpha1.BundleSummary{Ready: 10, DesiredReady: 10})
	if c := conditions.Find(done.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Status != "True" {
		t.Fatalf("the rollout completed but the Bundle's Ready is %+v", c)
	}
	for _, bd := range rolloutBDs(ctx, t, fleet) {
		if bd.Spec.DeploymentID != r.newID || bd.Status.AppliedDeploymentID != r.newID {
			t.Fatalf("%s after the rollout: spec %s, applied %s; want %s", bd.Namespace, bd.Spec.DeploymentID, bd.Status.AppliedDeploymentID, r.newID)
		}
	}
	w.w.Stop()
	r.check(w.stop())
}

// rolloutBDs lists the Bundle's BundleDeployments, sorted by cluster namespace.
func rolloutBDs(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface) []v1alpha1.BundleDeployment {
	t.Helper()
	bds, _ := listBDs(ctx, t, fleet, v1alpha1.BundleLabel+"=app")
	sort.Slice(bds, func(i, j int) bool { return bds[i].Namespace < bds[j].Namespace })
	return bds
}

// countIf is nil when exactly n of bds satisfy cond.
func countIf(bds []v1alpha1.BundleDeployment, cond func(*v1alpha1.BundleDeployment) bool, n int) error {
	got := 0
	for i := range bds {
		if cond(&bds[i]) {
			got++
		}
	}
	if got != n {
		return fmt.Errorf("%d of %d BundleDeployments, want %d", got, len(bds), n)
	}
	return nil
}

// waitRollout waits until the Bundle's summary is want and its display and observedGeneration
// follow, and returns the Bundle.
func waitRollout(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface, want v1alpha1.BundleSummary) *v1alpha1.Bundle {
	t.Helper()
	var b *v1alpha1.Bundle
	waitUntil(t, func() error {
		var err error
		if b, err = fleet.Bundles(rolloutWS).Get(ctx, "app", metav1.GetOptions{}); err != nil {
			return err
		}
		got := b.Status.Summary
		got.NonReadyResources = nil
		if !equality.Semantic.DeepEqual(got, want) || b.Status.ObservedGeneration != b.Generation ||
			b.Status.Display.ReadyClusters != fmt.Sprintf("%d/%d", want.Ready, want.DesiredReady) {
			return fmt.Errorf("Bundle summary %+v, display %+v, observedGeneration %d of %d; want %+v",
				got, b.Status.Display, b.Status.ObservedGeneration, b.Generation, want)
		}
		return nil
	})
	return b
}

func partitionsUnavailable(ps []v1alpha1.PartitionStatus) string {
	out := ""
	for i, p := range ps {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s=%d", p.Name, p.Unavailable)
	}
	return out
}

// sameBD tells whether a BundleDeployment is as it was: the same object at the same revision.
func sameBD(a, b *v1alpha1.BundleDeployment) bool {
	return a.Namespace == b.Namespace && a.Name == b.Name && a.ResourceVersion == b.ResourceVersion && a.UID == b.UID &&
		a.Generation == b.Generation && a.CreationTimestamp.Equal(&b.CreationTimestamp) &&
		equality.Semantic.DeepEqual(a.Labels, b.Labels) && equality.Semantic.DeepEqual(a.Spec, b.Spec) &&
		equality.Semantic.DeepEqual(a.Status, b.Status)
}
