package pairs

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

func openStore(t *testing.T) (*Store, *sqlstore.DB) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{Path: filepath.Join(t.TempDir(), "fleet.db"),
		Extensions: []sqlstore.Extension{Extension()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return New(db), db
}

func cluster(name string) Cluster {
	return Cluster{Namespace: "fleet-default", Name: name, UID: types.UID("uid-" + name), ClusterNS: manifest.ClusterNamespace("fleet-default", name)}
}

func desired(c Cluster, id string, promote bool) Desired {
	return Desired{Cluster: c, DeploymentID: id, Promote: promote,
		Options: v1alpha1.BundleDeploymentOptions{DefaultNamespace: "apps", Helm: &v1alpha1.HelmOptions{ReleaseName: "r-" + id}}}
}

var app = Bundle{Namespace: "fleet-default", Name: "app", UID: "uid-app", Labels: map[string]string{"team": "a"},
	DependsOn: []v1alpha1.BundleRef{{Name: "base"}}}

func mustApply(t *testing.T, s *Store, b Bundle, d ...Desired) Applied {
	t.Helper()
	res, err := s.Apply(context.Background(), b, d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestApplyAndRead(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	c1, c2, c3 := cluster("c1"), cluster("c2"), cluster("c3")
	if got := mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true), desired(c3, "s-1:a", false)); got.Created != 3 {
		t.Fatalf("applied %+v", got)
	}
	bd, err := s.Get(ctx, c1.ClusterNS, "app")
	if err != nil {
		t.Fatal(err)
	}
	if bd.Name != "app" || bd.Namespace != c1.ClusterNS || bd.Spec.DeploymentID != "s-1:a" || bd.Spec.StagedDeploymentID != "s-1:a" ||
		bd.Spec.Options.Helm.ReleaseName != "r-s-1:a" || len(bd.Spec.DependsOn) != 1 || bd.Generation != 1 || bd.UID == "" {
		t.Errorf("bd %+v", bd)
	}
	wantLabels := map[string]string{"team": "a", v1alpha1.BundleLabel: "app", v1alpha1.BundleNamespaceLabel: "fleet-default",
		v1alpha1.ManagedLabel: "true", v1alpha1.ClusterNamespaceLabel: "fleet-default", v1alpha1.ClusterLabel: "c1",
		v1alpha1.ContentNameLabel: "s-1"}
	if fmt.Sprint(bd.Labels) != fmt.Sprint(wantLabels) {
		t.Errorf("labels %v, want %v", bd.Labels, wantLabels)
	}
	if bd.Status.Display.State != string(v1alpha1.WaitApplied) {
		t.Errorf("display %+v", bd.Status.Display)
	}
	if bd3, err := s.Get(ctx, c3.ClusterNS, "app"); err != nil || bd3.Spec.DeploymentID != "" || bd3.Spec.StagedDeploymentID != "s-1:a" {
		t.Errorf("an unpromoted pair: %+v %v", bd3, err)
	}
	if _, err := s.Get(ctx, c1.ClusterNS, "other"); !apierrors.IsNotFound(err) {
		t.Errorf("a missing name: %v", err)
	}

	// Applying the same again writes nothing; a new staged ID updates with a new generation.
	if got := mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true), desired(c3, "s-1:a", false)); got.Unchanged != 3 {
		t.Errorf("re-apply %+v", got)
	}
	if got := mustApply(t, s, app, desired(c1, "s-2:a", false), desired(c2, "s-1:a", true), desired(c3, "s-1:a", false)); got.Updated != 1 || got.Unchanged != 2 {
		t.Errorf("re-stage %+v", got)
	}
	bd2, err := s.Get(ctx, c1.ClusterNS, "app")
	if err != nil || bd2.Generation != 2 || bd2.Spec.StagedDeploymentID != "s-2:a" || bd2.Spec.DeploymentID != "s-1:a" ||
		bd2.ResourceVersion == bd.ResourceVersion || bd2.UID != bd.UID {
		t.Errorf("after staging: %+v %v", bd2, err)
	}

	// Lists: all namespaces in key order, one namespace, by bundle name, paged.
	all, err := s.List(ctx, ListOptions{})
	if err != nil || len(all.Items) != 3 {
		t.Fatalf("list %v %v", all, err)
	}
	for i := 1; i < len(all.Items); i++ {
		if all.Items[i-1].Namespace >= all.Items[i].Namespace {
			t.Errorf("list not in key order: %s, %s", all.Items[i-1].Namespace, all.Items[i].Namespace)
		}
	}
	if one, err := s.List(ctx, ListOptions{Namespace: c2.ClusterNS}); err != nil || len(one.Items) != 1 || one.Items[0].Namespace != c2.ClusterNS {
		t.Errorf("one namespace: %v %v", one, err)
	}
	sel := labels.SelectorFromSet(labels.Set{v1alpha1.BundleLabel: "app", v1alpha1.ClusterLabel: "c2"})
	if got, err := s.List(ctx, ListOptions{Labels: sel}); err != nil || len(got.Items) != 1 || got.Items[0].Labels[v1alpha1.ClusterLabel] != "c2" {
		t.Errorf("by bundle and cluster label: %v %v", got, err)
	}
	var paged []string
	opts := ListOptions{Limit: 2}
	for {
		page, err := s.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			paged = append(paged, it.Namespace)
		}
		if page.Continue == "" {
			break
		}
		if page.ResourceVersion != all.ResourceVersion {
			t.Errorf("page revision %s, first %s", page.ResourceVersion, all.ResourceVersion)
		}
		opts.Continue = page.Continue
	}
	if len(paged) != 3 || paged[0] != all.Items[0].Namespace || paged[2] != all.Items[2].Namespace {
		t.Errorf("pages %v", paged)
	}

	// A cluster no longer desired loses its pair; the bundle's deletion removes the others.
	if got := mustApply(t, s, app, desired(c1, "s-2:a", false), desired(c2, "s-1:a", true)); got.Deleted != 1 {
		t.Errorf("drop c3: %+v", got)
	}
	if _, err := s.Get(ctx, c3.ClusterNS, "app"); !apierrors.IsNotFound(err) {
		t.Errorf("after dropping c3: %v", err)
	}
	if n, err := s.Delete(ctx, app.Namespace, app.Name); err != nil || n != 2 {
		t.Errorf("delete: %d %v", n, err)
	}
	if left, err := s.List(ctx, ListOptions{}); err != nil || len(left.Items) != 0 {
		t.Errorf("after delete: %v %v", left, err)
	}
}

func TestRelabelledBundleRewritesItsPairs(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	mustApply(t, s, app, desired(cluster("c1"), "s-1:a", true))
	before, _ := s.Get(ctx, cluster("c1").ClusterNS, "app")
	relabelled := app
	relabelled.Labels = map[string]string{"team": "b"}
	if got := mustApply(t, s, relabelled, desired(cluster("c1"), "s-1:a", true)); got.Updated != 1 {
		t.Errorf("relabel %+v", got)
	}
	after, _ := s.Get(ctx, cluster("c1").ClusterNS, "app")
	if after.Labels["team"] != "b" || after.ResourceVersion == before.ResourceVersion || after.Generation != before.Generation {
		t.Errorf("after relabelling: labels %v rv %s→%s generation %d→%d", after.Labels, before.ResourceVersion, after.ResourceVersion,
			before.Generation, after.Generation)
	}
}

func readyStatusFor(id string, at time.Time, revision string) *v1alpha1.BundleDeploymentStatus {
	st := readyStatus(at, revision)
	st.AppliedDeploymentID = id
	return st
}

func TestUpdateStatus(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	c1, c2 := cluster("c1"), cluster("c2")
	mustApply(t, s, app, desired(c1, "s-1:a", true), desired(c2, "s-1:a", true))
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	bd, changed, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", at, "1"))
	if err != nil || !changed {
		t.Fatalf("status write: %v %v", changed, err)
	}
	if bd.Status.Display.State != "Ready" || !bd.Status.Ready || bd.Status.Release != "apps/web:1" ||
		bd.Status.Conditions[0].LastUpdateTime != "2026-12-04T10:00:00Z" {
		t.Errorf("status %+v", bd.Status)
	}
	// The same status again: nothing written.
	again, changed, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 0, readyStatusFor("s-1:a", at, "1"))
	if err != nil || changed || again.ResourceVersion != bd.ResourceVersion {
		t.Errorf("unchanged status: changed %v, rv %s→%s, %v", changed, bd.ResourceVersion, again.ResourceVersion, err)
	}
	// Another cluster reporting the same at another time shares the body.
	if _, _, err := s.UpdateStatus(ctx, c2.ClusterNS, "app", 0, readyStatusFor("s-1:a", at.Add(time.Hour), "4")); err != nil {
		t.Fatal(err)
	}
	var bodies int64
	if err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		_, err := tx.QueryRow(ctx, &sqlstore.Statement{Name: "test_count_statuses", SQL: `SELECT count(*) FROM pair_statuses`}, nil, &bodies)
		return err
	}); err != nil || bodies != 1 {
		t.Errorf("%d status bodies (%v), want one shared", bodies, err)
	}
	// A stale resourceVersion is a conflict; a staged change keeps the status.
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "app", 1, readyStatusFor("s-1:a", at, "2")); !apierrors.IsConflict(err) {
		t.Errorf("stale write: %v", err)
	}
	mustApply(t, s, app, desired(c1, "s-2:a", false), desired(c2, "s-1:a", true))
	staged, err := s.Get(ctx, c1.ClusterNS, "app")
	if err != nil || !staged.Status.Ready || staged.Status.Display.State != string(v1alpha1.OutOfSync) {
		t.Errorf("after staging a new deployment: %+v %v", staged.Status, err)
	}
	st := readyStatusFor("s-1:a", at, "1")
	st.Conditions = append(st.Conditions, v1alpha1.GenericCondition{Type: v1alpha1.ConditionDeployed, Status: corev1.ConditionFalse})
	if _, _, err := s.UpdateStatus(ctx, cluster("nope").ClusterNS, "app", 0, st); !apierrors.IsNotFound(err) {
		t.Errorf("an unknown cluster namespace: %v", err)
	}
}
