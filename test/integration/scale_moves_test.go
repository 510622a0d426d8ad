package integration

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	fleetv1 "github.com/fleetapi/fleet/pkg/generated/clientset/versioned/typed/fleet/v1alpha1"
)

// relabel moves cluster i to another env, and so to the other customization class of the custom
// Bundle and to other Bundles. A watch of every cluster namespace, open from a resourceVersion
// taken before, sees events of that cluster's namespace only until its BundleDeployments show the
// change (the Bundles of the new env, the custom Bundle on the class's deploymentID and options),
// and up to a later write elsewhere (the fence).
func (m *scaleModel) relabel(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface, i int, env string, classes map[string]string) {
	t.Helper()
	ns := m.ns(i)
	list, err := fleet.BundleDeployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	current := map[string]*v1alpha1.BundleDeployment{}
	for j := range list.Items {
		current[list.Items[j].Name] = &list.Items[j]
	}
	w := watchAllFrom(ctx, t, fleet)
	defer w.Stop()
	patch := fmt.Appendf(nil, `{"metadata":{"labels":{"env":%q}}}`, env)
	if _, err := fleet.Clusters(scaleWS).Patch(ctx, clusterName(i), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	m.clusters[i]["env"] = env
	want := map[string]bool{}
	for _, b := range m.bundles {
		if m.targets(b, i) {
			want[b.name] = true
		}
	}
	settled := func() bool {
		if len(current) != len(want) {
			return false
		}
		for name := range want {
			if current[name] == nil {
				return false
			}
		}
		c := current["custom"].Spec
		return c.DeploymentID == classes[env] && c.StagedDeploymentID == classes[env] && c.Options.DefaultNamespace == "app-"+env &&
			c.Options.Helm != nil && c.Options.Helm.Values.Data["env"] == env
	}
	n := settle(ctx, t, w, fleet, m.ns(3), func(ev watch.Event, bd *v1alpha1.BundleDeployment) {
		if bd.Namespace != ns {
			t.Fatalf("relabelling %s: %s of %s/%s (another cluster's)", clusterName(i), ev.Type, bd.Namespace, bd.Name)
		}
		switch {
		case ev.Type == watch.Deleted && current[bd.Name] != nil && !want[bd.Name]:
			delete(current, bd.Name)
		case ev.Type == watch.Added && current[bd.Name] == nil && want[bd.Name],
			ev.Type == watch.Modified && current[bd.Name] != nil:
			current[bd.Name] = bd
		default:
			t.Fatalf("relabelling %s: %s of %s (had it: %t, wants it: %t)", clusterName(i), ev.Type, bd.Name, current[bd.Name] != nil, want[bd.Name])
		}
	}, settled)
	t.Logf("relabelling %s to env=%s: %d events, all in its namespace; it has %v", clusterName(i), env, n, sortedKeys(want))
}

// regroup changes the ClusterGroup's selector: the grouped Bundle's BundleDeployments appear for
// the clusters that enter and go for those that leave, and no other BundleDeployment changes.
func (m *scaleModel) regroup(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface, selector map[string]string) {
	t.Helper()
	before := m.want()["grouped"]
	current := map[string]bool{}
	for ns := range before {
		current[ns] = true
	}
	w := watchAllFrom(ctx, t, fleet)
	defer w.Stop()
	g, err := fleet.ClusterGroups(scaleWS).Get(ctx, scaleGroup, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g.Spec.Selector = &metav1.LabelSelector{MatchLabels: selector}
	if _, err := fleet.ClusterGroups(scaleWS).Update(ctx, g, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	m.group = selector
	want := m.want()["grouped"]
	entered, left := 0, 0
	for ns := range want {
		if !before[ns] {
			entered++
		}
	}
	for ns := range before {
		if !want[ns] {
			left++
		}
	}
	if entered == 0 || left == 0 {
		t.Fatalf("the new selector should move clusters both in and out (in %d, out %d)", entered, left)
	}
	same := func() bool {
		if len(current) != len(want) {
			return false
		}
		for ns := range want {
			if !current[ns] {
				return false
			}
		}
		return true
	}
	n := settle(ctx, t, w, fleet, m.ns(3), func(ev watch.Event, bd *v1alpha1.BundleDeployment) {
		if bd.Name != "grouped" {
			t.Fatalf("a new ClusterGroup selector: %s of %s/%s", ev.Type, bd.Namespace, bd.Name)
		}
		switch {
		case ev.Type == watch.Added && !before[bd.Namespace] && want[bd.Namespace]:
			current[bd.Namespace] = true
		case ev.Type == watch.Deleted && before[bd.Namespace] && !want[bd.Namespace]:
			delete(current, bd.Namespace)
		default:
			t.Fatalf("a new ClusterGroup selector: %s of %s/%s", ev.Type, bd.Namespace, bd.Name)
		}
	}, same)
	got, _ := listBDs(ctx, t, fleet, v1alpha1.BundleLabel+"=grouped")
	if len(got) != len(want) {
		t.Fatalf("the grouped Bundle has %d BundleDeployments, want %d", len(got), len(want))
	}
	t.Logf("a new ClusterGroup selector: %d clusters entered, %d left, %d events", entered, left, n)
}

// watchAllFrom opens a watch of every cluster namespace from the current resourceVersion.
func watchAllFrom(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface) watch.Interface {
	t.Helper()
	list, err := fleet.BundleDeployments("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	w, err := fleet.BundleDeployments("").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// settle hands each event of w to check until settled holds; then it writes a fence (a status
// change of the all-0 BundleDeployment of fenceNS, which stays Ready) and hands every event to
// check until the fence's. It returns the number of events before the fence.
func settle(ctx context.Context, t *testing.T, w watch.Interface, fleet fleetv1.FleetV1alpha1Interface, fenceNS string,
	check func(watch.Event, *v1alpha1.BundleDeployment), settled func() bool) int {
	t.Helper()
	n := 0
	collect(t, w, func(ev watch.Event) bool {
		n++
		check(ev, eventBD(t, ev))
		return settled()
	})
	client := fleet.BundleDeployments(fenceNS)
	bd, err := client.Get(ctx, "all-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bd.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Monitored", Status: "True", Message: "fence after " + bd.ResourceVersion}}
	fence, err := client.UpdateStatus(ctx, bd, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	collect(t, w, func(ev watch.Event) bool {
		got := eventBD(t, ev)
		if got.Namespace == fenceNS && got.Name == "all-0" && got.ResourceVersion == fence.ResourceVersion {
			return true
		}
		n++
		check(ev, got)
		return false
	})
	return n
}

// waitSummaries waits until every Bundle's and every Cluster's summary counts its
// BundleDeployments in state (WaitApplied before the agents report, Ready after), and checks the
// display and the Ready condition.
func (m *scaleModel) waitSummaries(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface, state v1alpha1.BundleState) {
	t.Helper()
	want := m.want()
	count := func(s v1alpha1.BundleSummary) int {
		if state == v1alpha1.Ready {
			return s.Ready
		}
		return s.WaitApplied
	}
	ready := func(n int) int {
		if state == v1alpha1.Ready {
			return n
		}
		return 0
	}
	waitUntil(t, func() error {
		bundles, err := fleet.Bundles(scaleWS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		if len(bundles.Items) != len(m.bundles) {
			return fmt.Errorf("%d Bundles", len(bundles.Items))
		}
		for _, b := range bundles.Items {
			n, st := len(want[b.Name]), b.Status
			if st.Summary.DesiredReady != n || count(st.Summary) != n || st.Summary.Pending != 0 ||
				st.Display.ReadyClusters != fmt.Sprintf("%d/%d", ready(n), n) || st.ObservedGeneration != b.Generation {
				return fmt.Errorf("Bundle %s: summary %+v, display %+v, observedGeneration %d; want %d %s",
					b.Name, st.Summary, st.Display, st.ObservedGeneration, n, state)
			}
			r := conditions.Find(st.Conditions, v1alpha1.ConditionReady)
			if r == nil || (r.Status == "True") != (state == v1alpha1.Ready) {
				return fmt.Errorf("Bundle %s: Ready %+v", b.Name, r)
			}
		}
		clusters, err := fleet.Clusters(scaleWS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		if len(clusters.Items) != len(m.clusters) {
			return fmt.Errorf("%d Clusters", len(clusters.Items))
		}
		for i, c := range clusters.Items {
			// Listed by name: c0000, c0001, …
			n := m.bundlesOf(i)
			if c.Name != clusterName(i) || c.Status.Display.ReadyBundles != fmt.Sprintf("%d/%d", ready(n), n) || count(c.Status.Summary) != n {
				return fmt.Errorf("Cluster %s: display %+v, summary %+v; want %d %s", c.Name, c.Status.Display, c.Status.Summary, n, state)
			}
		}
		return nil
	})
}
