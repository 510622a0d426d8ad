package pairs

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/component-base/metrics/legacyregistry"
)

// statementObservations is how many observations sqlstore's latency histogram holds of the
// named statement in this process: each run is up to three (the query, the scan of a row, the
// end of the rows).
func statementObservations(t *testing.T, name string) uint64 {
	t.Helper()
	families, err := legacyregistry.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "fleet_storage_sql_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "statement" && l.GetValue() == name {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

// TestApplyLooksUpEachDeploymentOnce: the pairs of an Apply mostly share a deployment; it is
// looked up (or inserted) once per distinct deployment, not once per pair.
func TestApplyLooksUpEachDeploymentOnce(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	var d []Desired
	for i := range 20 {
		id := "s-1:a"
		if i%10 == 9 {
			id = "s-1:b" // a customized pair
		}
		d = append(d, desired(cluster(fmt.Sprintf("c%02d", i)), id, true))
	}
	before := statementObservations(t, stmtDeploymentByDigest.Name)
	if got := mustApply(t, s, app, d...); got.Created != 20 {
		t.Fatalf("applied %+v", got)
	}
	if n := statementObservations(t, stmtDeploymentByDigest.Name) - before; n == 0 || n > 2*3 {
		t.Errorf("%d observations of deployment lookups for 20 pairs of 2 deployments, want at most 2 lookups (6)", n)
	}
	for i, want := range map[int]string{0: "s-1:a", 9: "s-1:b", 10: "s-1:a", 19: "s-1:b"} {
		bd, err := s.Get(ctx, cluster(fmt.Sprintf("c%02d", i)).ClusterNS, "app")
		if err != nil || bd.Spec.DeploymentID != want || bd.Spec.Options.Helm.ReleaseName != "r-"+want {
			t.Errorf("c%02d: %v, deployment %q with release %q, want %q", i, err, bd.Spec.DeploymentID, bd.Spec.Options.Helm.ReleaseName, want)
		}
	}
}
