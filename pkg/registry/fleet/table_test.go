package fleet

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// TestNullFieldsPrintNothing: a Cluster whose agent never checked in (status.agent.lastSeen is
// null) shows an empty LAST-SEEN cell, as Fleet does, not "<no value>".
func TestNullFieldsPrintNothing(t *testing.T) {
	c, err := newTableConvertor(definition(t, "Cluster").Columns)
	if err != nil {
		t.Fatal(err)
	}
	table, err := c.ConvertToTable(context.Background(), &v1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "c1", Namespace: "ws"},
		Status: v1.ClusterStatus{Display: v1.ClusterDisplay{ReadyBundles: "0/1"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lastSeen = -1
	for i, col := range table.ColumnDefinitions {
		if col.Name == "Last-Seen" {
			lastSeen = i
		}
	}
	if lastSeen < 0 || len(table.Rows) != 1 {
		t.Fatalf("table %+v", table)
	}
	if cell := table.Rows[0].Cells[lastSeen]; cell != nil {
		t.Errorf("LAST-SEEN of a cluster never seen: %q, want an empty cell", cell)
	}
	if cell := table.Rows[0].Cells[lastSeen-1]; cell != "0/1" {
		t.Errorf("BUNDLES-READY %q", cell)
	}
}
