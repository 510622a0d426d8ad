package aggregation

import (
	"path/filepath"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/test/cluster"
)

// TestInClusterManifests: the manifests for running fleet-apiserver in the cluster (artifacts/deploy)
// are accepted by kube-apiserver, and the Deployment keeps its database on their
// PersistentVolumeClaim with one replica, recreated (SQLite is one process). They are not run: there
// is no container runtime here.
func TestInClusterManifests(t *testing.T) {
	dir := filepath.Join(cluster.RepoRoot(), "artifacts", "deploy")
	out := kubectl(t, "apply", "--dry-run=server", "-f", dir)
	assertContains(t, out, "deployment.apps/fleet-apiserver", "service/fleet-apiserver", "persistentvolumeclaim/fleet-apiserver-data")

	// What the server accepted (the defaults filled in), not the files as written.
	var deploy appsv1.Deployment
	if err := yaml.Unmarshal([]byte(kubectl(t, "apply", "--dry-run=server", "-o", "yaml", "-f", filepath.Join(dir, "deployment.yaml"))), &deploy); err != nil {
		t.Fatal(err)
	}
	var pvc corev1.PersistentVolumeClaim
	if err := yaml.Unmarshal([]byte(kubectl(t, "apply", "--dry-run=server", "-o", "yaml", "-f", filepath.Join(dir, "pvc.yaml"))), &pvc); err != nil {
		t.Fatal(err)
	}
	if r := deploy.Spec.Replicas; r == nil || *r != 1 || deploy.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Fatalf("replicas %v, strategy %s; want one replica, Recreate", deploy.Spec.Replicas, deploy.Spec.Strategy.Type)
	}
	var dataVolume string
	for _, c := range deploy.Spec.Template.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.MountPath == "/var/lib/fleet-apiserver" {
				dataVolume = m.Name
			}
		}
		if !slices.Contains(c.Args, "--data-dir=/var/lib/fleet-apiserver") {
			t.Fatalf("container %s args %v: the data dir is not the mounted volume", c.Name, c.Args)
		}
	}
	var claim string
	for _, v := range deploy.Spec.Template.Spec.Volumes {
		if v.Name == dataVolume && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim == "" || claim != pvc.Name || pvc.Namespace != deploy.Namespace {
		t.Fatalf("the data dir's volume %q is claim %q; want the PersistentVolumeClaim %s/%s", dataVolume, claim, pvc.Namespace, pvc.Name)
	}
}
