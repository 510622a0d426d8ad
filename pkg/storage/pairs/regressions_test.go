package pairs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// A Bundle whose pairs are all Ready moves from one GitRepo to another: both repos' summaries follow.
func TestRepoMoveWithReadyPairs(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	objs := newObjects()
	objs.repos["gitrepo/fleet-default/a"] = &v1alpha1.StatusBase{}
	objs.repos["gitrepo/fleet-default/b"] = &v1alpha1.StatusBase{}
	c1 := cluster("c1")
	one := Bundle{Namespace: "fleet-default", Name: "one", UID: "u1", Labels: map[string]string{v1alpha1.RepoLabel: "a"}}
	mustApply(t, s, one, desired(c1, "s-1:a", true))
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "one", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	if got := objs.repos["gitrepo/fleet-default/a"].Display.ReadyBundleDeployments; got != "1/1" {
		t.Fatalf("repo a %q", got)
	}
	one.Labels = map[string]string{v1alpha1.RepoLabel: "b"}
	mustApply(t, s, one, desired(c1, "s-1:a", true))
	flush(t, s, objs)
	flush(t, s, objs)
	if got := objs.repos["gitrepo/fleet-default/a"].Display.ReadyBundleDeployments; got != "0/0" {
		t.Errorf("repo a after the move %q", got)
	}
	if got := objs.repos["gitrepo/fleet-default/b"].Display.ReadyBundleDeployments; got != "1/1" {
		t.Errorf("repo b after the move %q, want 1/1", got)
	}
}

// A Bundle deleted and created again (new UID, the controller sees only the new one) whose pairs
// are Ready: the new object gets its summary.
func TestBundleRecreatedGetsItsSummary(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	objs := newObjects()
	objs.bundles["fleet-default/app"] = &v1alpha1.Bundle{}
	c1 := cluster("c1")
	b := app
	b.Status = BundleStatus{ObservedGeneration: 1}
	mustApply(t, s, b, desired(c1, "s-1:a", true))
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	if got := objs.bundles["fleet-default/app"].Status.Display.ReadyClusters; got != "1/1" {
		t.Fatalf("%q", got)
	}
	objs.bundles["fleet-default/app"] = &v1alpha1.Bundle{} // created again: status cleared on create
	b.UID = "uid-app-2"
	mustApply(t, s, b, desired(c1, "s-1:a", true))
	n := flush(t, s, objs)
	if got := objs.bundles["fleet-default/app"].Status.Display.ReadyClusters; got != "1/1" {
		t.Errorf("re-created bundle: %d flushed, readyClusters %q, want 1/1", n, got)
	}
}

// The queries of a repo's and a group's summary use their indexes (a scan would cost O(all
// bundles) per flush).
func TestSummaryQueriesUseIndexes(t *testing.T) {
	_, db := openStore(t)
	ctx := context.Background()
	for st, index := range map[*sqlstore.Statement]string{stmtRepoCounts: "pair_bundles_by_repo",
		stmtBundleNotReady: "pairs_bundle_not_ready", stmtMarkGroupsDirty: "pair_group_members_by_cluster"} {
		var plan []string
		if err := db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
			return tx.Query(ctx, &sqlstore.Statement{Name: "plan_" + st.Name, SQL: "EXPLAIN QUERY PLAN " + st.SQL}, planArgs(st),
				func(scan func(dest ...any) error) error {
					var id, parent, notused int64
					var detail string
					err := scan(&id, &parent, &notused, &detail)
					plan = append(plan, detail)
					return err
				})
		}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(plan, "; "), index) {
			t.Errorf("%s does not use %s: %v", st.Name, index, plan)
		}
	}
}

// churnWriter re-dirties each cluster it writes (its agent reports again meanwhile).
type churnWriter struct {
	*objects
	s     *Store
	t     *testing.T
	round int
}

func (w *churnWriter) UpdateCluster(ctx context.Context, ns, name string, set func(*v1alpha1.Cluster)) error {
	c := cluster(name)
	st := readyStatusFor("s-1:a", time.Unix(0, 0), "1")
	st.Ready = false
	st.Conditions[1].Message = "progress " + name + " " + string(rune('a'+w.round%26))
	if _, _, err := w.s.UpdateStatus(ctx, c.ClusterNS, "app", 0, st); err != nil {
		w.t.Fatal(err)
	}
	return w.objects.UpdateCluster(ctx, ns, name, set)
}

// With ≥ 500 marks set again during each flush, successive flushes still reach every mark: the
// ClusterGroup (kind 3) and every cluster are written.
func TestFlushGoesRoundTheMarks(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	objs := newObjects()
	objs.groups["fleet-default/all"] = &v1alpha1.ClusterGroup{}
	objs.bundles["fleet-default/app"] = &v1alpha1.Bundle{}
	var cs []Cluster
	var ds []Desired
	for i := 0; i < 600; i++ {
		c := cluster("c" + string(rune('A'+i/26/26%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i%26)))
		cs = append(cs, c)
		ds = append(ds, desired(c, "s-1:a", true))
		objs.clusters["fleet-default/"+c.Name] = &v1alpha1.Cluster{}
	}
	mustApply(t, s, app, ds...)
	if err := s.SetGroup(ctx, "fleet-default", "all", cs); err != nil {
		t.Fatal(err)
	}
	w := &churnWriter{objects: objs, s: s, t: t}
	for i := 0; i < 10; i++ {
		w.round = i
		n, err := s.FlushSummaries(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if n < flushBatch {
			break
		}
	}
	if objs.groups["fleet-default/all"].Status.ClusterCount == 0 {
		t.Errorf("after 10 flush rounds of 500 the group was never written")
	}
	written := 0
	for _, c := range objs.clusters {
		if c.Status.Display.ReadyBundles != "" {
			written++
		}
	}
	if written != 600 {
		t.Errorf("clusters written: %d of 600", written)
	}
}

func planArgs(st *sqlstore.Statement) []any {
	switch st {
	case stmtBundleNotReady, stmtClusterNotReady:
		return []any{int64(1), int64(10)}
	}
	return []any{int64(1)}
}

// Fail does not rewrite what the BundleDeployments show of the Bundle (labels): a GET never shows
// new labels at the old resourceVersion.
func TestFailKeepsWhatBundleDeploymentsShow(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	c1 := cluster("c1")
	mustApply(t, s, app, desired(c1, "s-1:a", true))
	before, err := s.Get(ctx, c1.ClusterNS, "app")
	if err != nil {
		t.Fatal(err)
	}
	b := app
	b.Labels = map[string]string{"team": "b"}
	if err := s.Fail(ctx, b, "InvalidTargets", "bad"); err != nil {
		t.Fatal(err)
	}
	after, err := s.Get(ctx, c1.ClusterNS, "app")
	if err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion == before.ResourceVersion && after.Labels["team"] != before.Labels["team"] {
		t.Errorf("same resourceVersion %s, labels team=%s → team=%s", after.ResourceVersion, before.Labels["team"], after.Labels["team"])
	}
}

// A failed Apply decoded deployments of rows that were rolled back; their ids are reused by the next
// insert, which must not be served the old value.
func TestCacheForgetsRolledBackRows(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	c1 := cluster("c1")
	bad := Cluster{Namespace: "fleet-default", Name: "bad", UID: "uid-bad"} // no ClusterNS: Apply fails
	if _, err := s.Apply(ctx, app, []Desired{desired(c1, "s-9:x", true), desired(bad, "s-9:x", true)}); err == nil {
		t.Fatal("want an error")
	}
	other := Bundle{Namespace: "fleet-default", Name: "other", UID: "u-o"}
	mustApply(t, s, other, desired(c1, "s-7:y", true))
	bd, err := s.Get(ctx, c1.ClusterNS, "other")
	if err != nil {
		t.Fatal(err)
	}
	if bd.Spec.DeploymentID != "s-7:y" {
		t.Errorf("BundleDeployment other served deploymentID %q, want s-7:y", bd.Spec.DeploymentID)
	}
}
