package aggregation

import (
	"path/filepath"
	"testing"

	"github.com/fleetapi/fleet/test/cluster"
)

// TestInClusterManifests: the manifests for running fleet-apiserver in the cluster (artifacts/deploy)
// are accepted by kube-apiserver. They are not run: there is no container runtime here.
func TestInClusterManifests(t *testing.T) {
	out := kubectl(t, "apply", "--dry-run=server", "-f", filepath.Join(cluster.RepoRoot(), "artifacts", "deploy"))
	assertContains(t, out, "deployment.apps/fleet-apiserver", "service/fleet-apiserver")
}
