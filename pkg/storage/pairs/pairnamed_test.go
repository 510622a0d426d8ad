package pairs

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// TestPairByName: a BundleDeployment is found by its cluster namespace and name among many
// Bundles of the cluster, a same-named Bundle of another namespace, and a tombstone; and the
// lookup is an index search, not a scan of the cluster's pairs (every status write makes two).
func TestPairByName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{Path: path, Extensions: []sqlstore.Extension{Extension()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s, ctx := New(db), context.Background()
	c1 := cluster("c1")
	for i := range 30 {
		b := Bundle{Namespace: "fleet-default", Name: fmt.Sprintf("b-%02d", i), UID: types.UID(fmt.Sprintf("uid-%d", i))}
		mustApply(t, s, b, desired(c1, fmt.Sprintf("s-%d:a", i), true))
	}
	// A Bundle of another namespace with a name the cluster has already (its BundleDeployment has
	// the same name in the same cluster namespace).
	mustApply(t, s, Bundle{Namespace: "other", Name: "b-07", UID: "uid-other"}, desired(c1, "s-other:a", true))

	get := func(name string) *v1alpha1.BundleDeployment {
		t.Helper()
		bd, err := s.Get(ctx, c1.ClusterNS, name)
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		return bd
	}
	if bd := get("b-13"); bd.Spec.DeploymentID != "s-13:a" {
		t.Errorf("b-13 has deployment %q", bd.Spec.DeploymentID)
	}
	if bd := get("b-07"); bd.Labels[v1alpha1.BundleNamespaceLabel] != "fleet-default" || bd.Spec.DeploymentID != "s-7:a" {
		t.Errorf("b-07 is the Bundle of %q with %q, want the first stored (fleet-default)", bd.Labels[v1alpha1.BundleNamespaceLabel], bd.Spec.DeploymentID)
	}
	if _, _, err := s.UpdateStatus(ctx, c1.ClusterNS, "b-13", 0, &v1alpha1.BundleDeploymentStatus{AppliedDeploymentID: "s-13:a", Ready: true, NonModified: true}); err != nil {
		t.Fatal(err)
	}
	if bd := get("b-13"); !bd.Status.Ready || bd.Status.AppliedDeploymentID != "s-13:a" {
		t.Errorf("b-13 after its status write: %+v", bd.Status)
	}
	if bd := get("b-12"); bd.Status.Ready || bd.Status.AppliedDeploymentID != "" {
		t.Errorf("b-12 changed with b-13's status: %+v", bd.Status)
	}

	// Once the first b-07 is deleted (a tombstone stays), the name is the other namespace's.
	if n, err := s.Delete(ctx, "fleet-default", "b-07"); err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	if bd := get("b-07"); bd.Labels[v1alpha1.BundleNamespaceLabel] != "other" {
		t.Errorf("after the delete, b-07 is the Bundle of %q, want other", bd.Labels[v1alpha1.BundleNamespaceLabel])
	}

	// The plan: the bundles of that name through their index, then the pair by its primary key.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmtPairNamed.SQL, int64(1), "b-07", flagDeleted)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "\n")
	if strings.Contains(got, "SCAN pairs") || !strings.Contains(got, "SEARCH pairs USING PRIMARY KEY (cluster_id=? AND bundle_id=?)") ||
		!strings.Contains(got, "pair_bundles_by_name") {
		t.Errorf("plan of %s:\n%s\nwant a primary-key search of pairs through the bundle-name index", stmtPairNamed.Name, got)
	}
}
