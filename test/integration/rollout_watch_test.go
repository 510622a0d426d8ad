package integration

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	fleetv1 "github.com/fleetapi/fleet/pkg/generated/clientset/versioned/typed/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// rollout follows the rollout of the Bundle "app" from oldID to a new deploymentID, and checks
// that it only goes forward.
type rollout struct {
	t     *testing.T
	ctx   context.Context
	fleet fleetv1.FleetV1alpha1Interface
	oldID string
	newID string // set once every cluster is staged on it
	// last is the resourceVersion of the last event checked: the next watch starts there.
	last string
	// The cluster namespaces seen staged on, promoted to and reporting the new deploymentID.
	staged, promoted, applied map[string]bool
	checked                   int
}

// waitPromoted waits until every BundleDeployment is staged on one new deploymentID and n of
// them are promoted to it. More than n is a failure: the rollout may not go past what the agents
// reported.
func (r *rollout) waitPromoted(n int) {
	r.t.Helper()
	waitUntil(r.t, func() error {
		bds := rolloutBDs(r.ctx, r.t, r.fleet)
		staged := map[string]bool{}
		for _, bd := range bds {
			staged[bd.Spec.StagedDeploymentID] = true
		}
		if len(staged) != 1 || staged[r.oldID] {
			return countIf(bds, func(bd *v1alpha1.BundleDeployment) bool { return bd.Spec.StagedDeploymentID != r.oldID }, len(bds))
		}
		r.newID = bds[0].Spec.StagedDeploymentID
		promoted := 0
		for _, bd := range bds {
			if bd.Spec.DeploymentID == r.newID {
				promoted++
			}
		}
		if promoted > n {
			r.t.Fatalf("the rollout promoted %d clusters, more than %d, before the agents reported", promoted, n)
		}
		onNew := func(bd *v1alpha1.BundleDeployment) bool { return bd.Spec.DeploymentID == r.newID }
		return countIf(bds, onNew, n)
	})
}

// report acts as the agents of the clusters promoted to the new deploymentID that have not
// reported it yet, and returns what the server stored.
func (r *rollout) report() []v1alpha1.BundleDeployment {
	r.t.Helper()
	var todo []v1alpha1.BundleDeployment
	for _, bd := range rolloutBDs(r.ctx, r.t, r.fleet) {
		if bd.Spec.DeploymentID == r.newID && needsReport(&bd) {
			todo = append(todo, bd)
		}
	}
	if len(todo) == 0 {
		r.t.Fatal("no promoted cluster to report")
	}
	stored, err := reportReady(r.ctx, r.fleet, todo)
	if err != nil {
		r.t.Fatal(err)
	}
	return stored
}

// check goes through a watch's events in order: each is a change of a BundleDeployment of the
// Bundle, and none goes back to the old deploymentID once its cluster was on the new one (staged,
// promoted or reported applied).
func (r *rollout) check(evs []watch.Event) {
	r.t.Helper()
	if r.staged == nil {
		r.staged, r.promoted, r.applied = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	for i, ev := range evs {
		if ev.Type == watch.Error {
			if i == len(evs)-1 && streamEnded(ev.Object) {
				break
			}
			r.t.Fatalf("during the rollout, the watch from %s failed: %+v", r.last, ev.Object)
		}
		bd := eventBD(r.t, ev)
		if ev.Type != watch.Modified || bd.Name != "app" {
			r.t.Fatalf("during the rollout: %s %s/%s", ev.Type, bd.Namespace, bd.Name)
		}
		for _, f := range []struct {
			seen map[string]bool
			id   string
			what string
		}{{r.staged, bd.Spec.StagedDeploymentID, "staged"}, {r.promoted, bd.Spec.DeploymentID, "deploymentID"},
			{r.applied, bd.Status.AppliedDeploymentID, "appliedDeploymentID"}} {
			switch {
			case f.id != r.oldID && f.id != "":
				f.seen[bd.Namespace] = true
			case f.seen[bd.Namespace]:
				r.t.Fatalf("%s went back to %s at resourceVersion %s", f.what, f.id, bd.ResourceVersion)
			}
		}
		r.last = bd.ResourceVersion
		r.checked++
	}
	r.t.Logf("%d changes of the rollout seen so far, none going back", r.checked)
}

// streamEnded tells whether an ERROR event is client-go's report that the stream ended under it
// (the server was killed, or the test stopped the watch), not one the server sent.
func streamEnded(obj runtime.Object) bool {
	st, ok := obj.(*metav1.Status)
	if !ok || st.Details == nil {
		return false
	}
	for _, c := range st.Details.Causes {
		if c.Type == "ClientWatchDecoding" {
			return true
		}
	}
	return false
}

// recorded is a watch whose events are kept as they come.
type recorded struct {
	w    watch.Interface
	mu   sync.Mutex
	evs  []watch.Event
	done chan struct{}
}

// watch watches the cluster namespaces from rv ("": the current revision) and records the events.
func (r *rollout) watch(s *framework.Server, rv string) *recorded {
	r.t.Helper()
	if rv == "" {
		list, err := r.fleet.BundleDeployments("").List(r.ctx, metav1.ListOptions{Limit: 1})
		if err != nil {
			r.t.Fatal(err)
		}
		rv = list.ResourceVersion
	}
	w, err := r.fleet.BundleDeployments("").Watch(r.ctx, metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		r.t.Fatalf("watch from %s on the server (pid %d): %v", rv, s.PID(), err)
	}
	rec := &recorded{w: w, done: make(chan struct{})}
	go func() {
		defer close(rec.done)
		for ev := range w.ResultChan() {
			rec.mu.Lock()
			rec.evs = append(rec.evs, ev)
			rec.mu.Unlock()
		}
	}()
	return rec
}

// stop waits until the watch ended (its server was killed, or Stop was called) and returns its
// events.
func (rec *recorded) stop() []watch.Event {
	select {
	case <-rec.done:
	case <-time.After(30 * time.Second):
		rec.w.Stop()
		<-rec.done
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.evs
}
