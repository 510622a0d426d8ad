package pairs

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// objects stands in for the server's storage of Bundles and Clusters: the Writers seam. writes
// counts the updates that changed an object (the server's storage writes nothing, and sends no
// event, for an update that changes nothing).
type objects struct {
	bundles  map[string]*v1alpha1.Bundle
	clusters map[string]*v1alpha1.Cluster
	repos    map[string]*v1alpha1.StatusBase // "gitrepo/ns/name" or "helmop/ns/name"
	groups   map[string]*v1alpha1.ClusterGroup
	writes   int
}

func newObjects() *objects {
	return &objects{bundles: map[string]*v1alpha1.Bundle{}, clusters: map[string]*v1alpha1.Cluster{}, repos: map[string]*v1alpha1.StatusBase{},
		groups: map[string]*v1alpha1.ClusterGroup{}}
}

// updateIn updates the object at key in m with set, counting a write when it changed.
func updateIn[T interface{ DeepCopy() T }](o *objects, m map[string]T, key string, set func(T)) error {
	cur, ok := m[key]
	if !ok {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "objects"}, key)
	}
	next := cur.DeepCopy()
	set(next)
	if !reflect.DeepEqual(next, cur) {
		m[key] = next
		o.writes++
	}
	return nil
}

func (o *objects) UpdateClusterGroup(_ context.Context, ns, name string, set func(*v1alpha1.ClusterGroup)) error {
	return updateIn(o, o.groups, ns+"/"+name, set)
}

func (o *objects) UpdateRepo(_ context.Context, helmOp bool, ns, name string, set func(*v1alpha1.StatusBase)) error {
	kind := "gitrepo/"
	if helmOp {
		kind = "helmop/"
	}
	return updateIn(o, o.repos, kind+ns+"/"+name, set)
}

func (o *objects) UpdateBundle(_ context.Context, ns, name string, set func(*v1alpha1.Bundle)) error {
	return updateIn(o, o.bundles, ns+"/"+name, set)
}

func (o *objects) UpdateCluster(_ context.Context, ns, name string, set func(*v1alpha1.Cluster)) error {
	return updateIn(o, o.clusters, ns+"/"+name, set)
}

func flush(t *testing.T, s *Store, w Writers) int {
	t.Helper()
	n, err := s.FlushSummaries(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSummaries(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return at }
	objs := newObjects()
	objs.bundles["fleet-default/app"] = &v1alpha1.Bundle{}
	c1, c2, c3 := cluster("c1"), cluster("c2"), cluster("c3")
	for _, c := range []Cluster{c1, c2, c3} {
		objs.clusters["fleet-default/"+c.Name] = &v1alpha1.Cluster{}
	}

	b := app
	b.Status = BundleStatus{ObservedGeneration: 3, Pending: 1, PendingClusters: []string{"fleet-default/c4"}, MaxUnavailable: 4}
	mustApply(t, s, b, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true), desired(c3, "s-1:a", true))
	if n := flush(t, s, objs); n != 4 {
		t.Errorf("flushed %d summaries, want the bundle's and three clusters'", n)
	}
	bs := objs.bundles["fleet-default/app"].Status
	if bs.Summary.WaitApplied != 3 || bs.Summary.Pending != 1 || bs.Summary.DesiredReady != 4 || bs.Display.ReadyClusters != "0/4" ||
		bs.Display.State != string(v1alpha1.WaitApplied) || bs.ObservedGeneration != 3 || bs.MaxUnavailable != 4 {
		t.Errorf("bundle status %+v", bs)
	}
	if got := len(bs.Summary.NonReadyResources); got != 4 || bs.Summary.NonReadyResources[0].Name != "fleet-default/c1" ||
		bs.Summary.NonReadyResources[3].State != v1alpha1.Pending {
		t.Errorf("non-ready resources %+v", bs.Summary.NonReadyResources)
	}
	ready := conditions.Find(bs.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != corev1.ConditionFalse ||
		ready.Message != "Pending(1) [Cluster fleet-default/c4]; WaitApplied(3) [Cluster fleet-default/c1]" {
		t.Errorf("ready condition %+v", ready)
	}
	if cs := objs.clusters["fleet-default/c1"].Status; cs.Display.ReadyBundles != "0/1" || cs.Display.State != v1alpha1.StateWaitCheckIn ||
		cs.Summary.NonReadyResources[0].Name != "app" {
		t.Errorf("cluster status %+v", cs)
	}
	if n := flush(t, s, objs); n != 0 {
		t.Errorf("a second flush handled %d summaries, want none", n)
	}

	// The agents report: a Ready pair counts as ready; the same report again marks nothing.
	for _, c := range []Cluster{c1, c2} {
		if _, _, err := s.UpdateStatus(ctx, c.ClusterNS, "app", 0, readyStatusFor("s-1:a", at, "1")); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s, objs)
	bs = objs.bundles["fleet-default/app"].Status
	if bs.Summary.Ready != 2 || bs.Summary.WaitApplied != 1 || bs.Display.ReadyClusters != "2/4" {
		t.Errorf("after two reports %+v", bs.Summary)
	}
	if cs := objs.clusters["fleet-default/c1"].Status; cs.Display.ReadyBundles != "1/1" || len(cs.Summary.NonReadyResources) != 0 {
		t.Errorf("a ready cluster %+v", cs)
	}
	if _, changed, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", at, "1")); err != nil || changed {
		t.Fatalf("unchanged report: %v %v", changed, err)
	}
	// A Ready pair that stays Ready (a new timestamp) changes no summary either.
	if _, changed, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", at.Add(time.Minute), "1")); err != nil || !changed {
		t.Fatalf("a new timestamp: %v %v", changed, err)
	}
	if n := flush(t, s, objs); n != 0 {
		t.Errorf("after reports that change no summary, %d were flushed", n)
	}

	// A failure keeps the pairs and the counts, and shows in Ready.
	failed := b
	failed.Status.ObservedGeneration = 4
	if err := s.Fail(ctx, failed, "InvalidTargets", `targets[0].clusterSelector: invalid`); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	bs = objs.bundles["fleet-default/app"].Status
	ready = conditions.Find(bs.Conditions, v1alpha1.ConditionReady)
	if bs.Summary.Ready != 2 || bs.ObservedGeneration != 4 || ready.Reason != "InvalidTargets" || ready.Message != "targets[0].clusterSelector: invalid" {
		t.Errorf("after a failure %+v, ready %+v", bs, ready)
	}

	// Counts follow the pairs out: a cluster dropped, then the Bundle deleted.
	mustApply(t, s, b, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true))
	flush(t, s, objs)
	if bs = objs.bundles["fleet-default/app"].Status; bs.Summary.DesiredReady != 3 || bs.Summary.WaitApplied != 0 ||
		conditions.Find(bs.Conditions, v1alpha1.ConditionReady).Reason != "" {
		t.Errorf("after dropping c3 %+v", bs)
	}
	if cs := objs.clusters["fleet-default/c3"].Status; cs.Display.ReadyBundles != "0/0" {
		t.Errorf("c3 without pairs %+v", cs.Display)
	}
	delete(objs.bundles, "fleet-default/app")
	if _, err := s.Delete(ctx, b.Namespace, b.Name); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs) // the missing Bundle is no error: its mark goes
	if n := flush(t, s, objs); n != 0 {
		t.Errorf("marks left: %d", n)
	}
	if cs := objs.clusters["fleet-default/c1"].Status; cs.Display.ReadyBundles != "0/0" {
		t.Errorf("c1 after the bundle went %+v", cs.Display)
	}
}

// A status written while a summary is flushed marks it again: the flush clears only the mark it
// read, so the change is written by the next one.
func TestSummaryMarkedAgainDuringAFlush(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	objs := newObjects()
	objs.bundles["fleet-default/app"] = &v1alpha1.Bundle{}
	objs.clusters["fleet-default/c1"] = &v1alpha1.Cluster{}
	mustApply(t, s, app, desired(cluster("c1"), "s-1:a", true))
	during := writerFunc{objects: objs, before: func() {
		if _, _, err := s.UpdateStatus(ctx, cluster("c1").ClusterNS, "app", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
			t.Fatal(err)
		}
	}}
	flush(t, s, &during)
	if got := objs.bundles["fleet-default/app"].Status.Summary; got.Ready != 0 {
		t.Fatalf("the flush read its snapshot before the write: %+v", got)
	}
	flush(t, s, objs)
	if got := objs.bundles["fleet-default/app"].Status.Summary; got.Ready != 1 {
		t.Errorf("the write during the flush was lost: %+v", got)
	}
}

// writerFunc runs before once, before its first update.
type writerFunc struct {
	*objects
	before func()
}

func (w *writerFunc) UpdateBundle(ctx context.Context, ns, name string, set func(*v1alpha1.Bundle)) error {
	if w.before != nil {
		w.before()
		w.before = nil
	}
	return w.objects.UpdateBundle(ctx, ns, name, set)
}

// Pairs written before the counters existed are counted by the migration.
func TestCountsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, err := sqlstore.Open(ctx, sqlstore.Config{Path: path, Extensions: []sqlstore.Extension{Extension()}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(db)
	mustApply(t, s, app, desired(cluster("c1"), "s-1:a", true), desired(cluster("c2"), "s-1:a", true))
	if err := db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		for _, q := range []string{`DELETE FROM pair_counts`, `DELETE FROM pair_dirty`, `UPDATE meta SET value = 0 WHERE name = 'schema_version:pairs'`,
			// and without what migration 2 adds
			`DROP INDEX pair_bundles_by_repo`, `ALTER TABLE pair_bundles DROP COLUMN repo`, `DROP TABLE pair_repos`} {
			if _, err := tx.Exec(ctx, &sqlstore.Statement{Name: "test", SQL: q}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := sqlstore.Open(ctx, sqlstore.Config{Path: path, Extensions: []sqlstore.Extension{Extension()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db2.Close() })
	s2 := New(db2)
	objs := newObjects()
	objs.bundles["fleet-default/app"] = &v1alpha1.Bundle{}
	if n := flush(t, s2, objs); n != 3 {
		t.Errorf("after the migration %d summaries were marked, want 3", n)
	}
	if got := objs.bundles["fleet-default/app"].Status.Summary; got.WaitApplied != 2 || got.DesiredReady != 2 {
		t.Errorf("migrated counts %+v", got)
	}
}

// A GitRepo's summary sums its Bundles' BundleDeployments (by their fleet.cattle.io/repo-name label); a Bundle that
// leaves the repo leaves its summary.
func TestRepoSummary(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	objs := newObjects()
	objs.repos["gitrepo/fleet-default/repo"] = &v1alpha1.StatusBase{}
	objs.repos["helmop/fleet-default/op"] = &v1alpha1.StatusBase{}
	c1, c2 := cluster("c1"), cluster("c2")
	one := Bundle{Namespace: "fleet-default", Name: "repo-one", UID: "u1", Labels: map[string]string{v1alpha1.RepoLabel: "repo"}}
	two := Bundle{Namespace: "fleet-default", Name: "repo-two", UID: "u2", Labels: map[string]string{v1alpha1.RepoLabel: "repo"},
		Status: BundleStatus{Pending: 1}}
	mustApply(t, s, one, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true))
	mustApply(t, s, two, desired(c1, "s-2:a", true))
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "repo-one", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	st := objs.repos["gitrepo/fleet-default/repo"]
	// Fleet's repo summary counts BundleDeployments: repo-two's pending target is not in it.
	if st.Summary.Ready != 1 || st.Summary.WaitApplied != 2 || st.Summary.Pending != 0 || st.Summary.DesiredReady != 3 ||
		st.Display.ReadyBundleDeployments != "1/3" {
		t.Errorf("repo summary %+v display %+v", st.Summary, st.Display)
	}
	// repo-two moves to a HelmOp: the GitRepo loses its counts, the HelmOp gets them.
	two.Labels = map[string]string{v1alpha1.HelmOpLabel: "op"}
	mustApply(t, s, two, desired(c1, "s-2:a", true))
	flush(t, s, objs)
	if st := objs.repos["gitrepo/fleet-default/repo"]; st.Display.ReadyBundleDeployments != "1/2" {
		t.Errorf("after a bundle left: %+v", st.Display)
	}
	if st := objs.repos["helmop/fleet-default/op"]; st.Display.ReadyBundleDeployments != "0/1" {
		t.Errorf("the HelmOp: %+v", st.Display)
	}
}

// A ClusterGroup's summary sums its members' (a member without BundleDeployments counts as a ready
// cluster); a pair change on a member marks the group, a membership change too.
func TestGroupSummary(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	objs := newObjects()
	objs.groups["fleet-default/dev"] = &v1alpha1.ClusterGroup{}
	c1, c2, c3 := cluster("c1"), cluster("c2"), cluster("c3")
	mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true))
	if err := s.SetGroup(ctx, "fleet-default", "dev", []Cluster{c1, c2, c3}); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	st := objs.groups["fleet-default/dev"].Status
	if st.ClusterCount != 3 || st.NonReadyClusterCount != 2 || st.Display.ReadyClusters != "1/3 (c1,c2)" ||
		st.Display.ReadyBundles != "0/2" || st.Summary.WaitApplied != 2 || st.Display.State != string(v1alpha1.WaitApplied) {
		t.Errorf("group status %+v", st)
	}
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", time.Now(), "1")); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	if st := objs.groups["fleet-default/dev"].Status; st.Display.ReadyClusters != "2/3 (c2)" || st.Display.ReadyBundles != "1/2" {
		t.Errorf("after c1 reported: %+v", st.Display)
	}
	if err := s.SetGroup(ctx, "fleet-default", "dev", []Cluster{c1, c3}); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs)
	st = objs.groups["fleet-default/dev"].Status
	if st.ClusterCount != 2 || st.Display.ReadyClusters != "2/2" || ready(st.Conditions) != "True" {
		t.Errorf("after c2 left: %+v", st)
	}
	writes := objs.writes
	if err := s.SetGroup(ctx, "fleet-default", "dev", []Cluster{c1, c3}); err != nil {
		t.Fatal(err)
	}
	if flush(t, s, objs); objs.writes != writes {
		t.Errorf("the same members again wrote %d objects", objs.writes-writes)
	}
	if err := s.DeleteGroup(ctx, "fleet-default", "dev"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", time.Now().Add(time.Hour), "2")); err != nil {
		t.Fatal(err)
	}
	flush(t, s, objs) // a deleted group is not written
}

func ready(conds []v1alpha1.GenericCondition) corev1.ConditionStatus {
	if c := conditions.Find(conds, v1alpha1.ConditionReady); c != nil {
		return c.Status
	}
	return ""
}
