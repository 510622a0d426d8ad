package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	fleetv1 "github.com/fleetapi/fleet/pkg/generated/clientset/versioned/typed/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// TestPairsAtScale: 1,000 Clusters and 20 Bundles in one workspace (issue 11). Every pair is
// served, by label and per cluster namespace; the agents' reports (a pool of writers on the real
// API) make every summary converge; a relabelled cluster moves between customization classes
// with writes for that cluster only; a ClusterGroup's new selector re-targets its Bundle; an
// unchanged report writes nothing.
func TestPairsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 clusters: not in -short mode")
	}
	s := framework.StartStandalone(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fleet := unthrottled(t, s)
	m := newScaleModel()
	phase := time.Now()
	step := func(what string) {
		t.Logf("%s: %s", what, time.Since(phase).Round(time.Millisecond))
		phase = time.Now()
	}

	m.create(ctx, t, fleet)
	step(fmt.Sprintf("created %d Clusters and %d Bundles", len(m.clusters), len(m.bundles)))

	// Every pair is served: the Bundles' summaries count them (WaitApplied), a list of all
	// namespaces has each once, with Fleet's labels and the options of its customization class.
	m.waitSummaries(ctx, t, fleet, v1alpha1.WaitApplied)
	bds, _ := listBDs(ctx, t, fleet, "")
	m.checkPairs(t, bds)
	classes := m.classes(t, bds)
	step(fmt.Sprintf("%d BundleDeployments served", len(bds)))
	want := m.want()
	for _, name := range []string{"all-0", "dev-0", "prod-3", "custom", "grouped"} {
		got, _ := listBDs(ctx, t, fleet, v1alpha1.BundleLabel+"="+name)
		if len(got) != len(want[name]) {
			t.Fatalf("-l %s=%s lists %d, want %d", v1alpha1.BundleLabel, name, len(got), len(want[name]))
		}
		for _, bd := range got {
			if bd.Name != name || !want[name][bd.Namespace] {
				t.Fatalf("-l %s=%s lists %s/%s", v1alpha1.BundleLabel, name, bd.Namespace, bd.Name)
			}
		}
	}

	// One cluster namespace's watch, open while the agents report on every cluster, sees only
	// that namespace: its BundleDeployments, then the change of each.
	watched := m.ns(6) // env=dev, region=east: in the group too
	w, err := fleet.BundleDeployments(watched).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	reported, err := reportReady(ctx, fleet, bds)
	if err != nil {
		t.Fatal(err)
	}
	step(fmt.Sprintf("the agents reported %d BundleDeployments Ready", len(reported)))
	mine := m.bundlesOf(6)
	added, ready := 0, 0
	collect(t, w, func(ev watch.Event) bool {
		bd := eventBD(t, ev)
		if bd.Namespace != watched {
			t.Fatalf("the watch of %s got %s %s/%s", watched, ev.Type, bd.Namespace, bd.Name)
		}
		switch {
		case ev.Type == watch.Added:
			added++
		case ev.Type == watch.Modified && bd.Status.Ready:
			ready++
		default:
			t.Fatalf("the watch of %s got %s %s", watched, ev.Type, bd.Name)
		}
		return ready == mine
	})
	if added != mine {
		t.Fatalf("the watch of %s got %d ADDED, want %d", watched, added, mine)
	}
	w.Stop()

	m.waitSummaries(ctx, t, fleet, v1alpha1.Ready)
	step("summaries Ready")

	unchangedReportWritesNothing(ctx, t, fleet, m.ns(7))
	m.relabel(ctx, t, fleet, 0, "prod", classes)
	step("relabelled a cluster")
	m.regroup(ctx, t, fleet, map[string]string{"region": "east", "env": "test"})
	step("changed the ClusterGroup's selector")

	// The agents report the new BundleDeployments; every summary converges again.
	bds, _ = listBDs(ctx, t, fleet, "")
	m.checkPairs(t, bds)
	if _, err := reportReady(ctx, fleet, bds); err != nil {
		t.Fatal(err)
	}
	m.waitSummaries(ctx, t, fleet, v1alpha1.Ready)
	step("summaries Ready again")
	t.Logf("fleet-apiserver peak RSS: %s", peakRSS(s.PID()))
}

// peakRSS is a process's peak resident set size (VmHWM), as /proc says it.
func peakRSS(pid int) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err.Error()
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// unchangedReportWritesNothing: an agent that reports the status a BundleDeployment has causes no
// write (its resourceVersion stays) and no event (a watch of its namespace, open before, first
// sees a later change of another BundleDeployment of that namespace).
func unchangedReportWritesNothing(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface, ns string) {
	t.Helper()
	client := fleet.BundleDeployments(ns)
	bd, err := client.Get(ctx, "all-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := client.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// The status as read (with the display the server computes), and as the agent builds it.
	again := bd.DeepCopy()
	fresh := bd.DeepCopy()
	fresh.Status = agentStatus(bd)
	for _, same := range []*v1alpha1.BundleDeployment{again, fresh} {
		stored, err := client.UpdateStatus(ctx, same, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if stored.ResourceVersion != bd.ResourceVersion {
			t.Fatalf("an unchanged status was written: resourceVersion %s → %s", bd.ResourceVersion, stored.ResourceVersion)
		}
	}
	// The fence: a real change of another BundleDeployment (a Ready one stays Ready).
	other, err := client.Get(ctx, "all-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other.Status.Conditions = []v1alpha1.GenericCondition{{Type: "Deployed", Status: "True"}}
	fence, err := client.UpdateStatus(ctx, other, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, w, func(watch.Event) bool { return true })
	if got := eventBD(t, evs[0]); evs[0].Type != watch.Modified || got.Name != "all-1" || got.ResourceVersion != fence.ResourceVersion {
		t.Fatalf("after an unchanged report, the watch of %s got %s %s@%s first, want MODIFIED all-1@%s",
			ns, evs[0].Type, got.Name, got.ResourceVersion, fence.ResourceVersion)
	}
	now, err := client.Get(ctx, "all-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if now.ResourceVersion != bd.ResourceVersion {
		t.Fatalf("all-0 after an unchanged report: resourceVersion %s → %s", bd.ResourceVersion, now.ResourceVersion)
	}
}
