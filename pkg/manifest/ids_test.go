package manifest

import (
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestID(t *testing.T) {
	a := []v1alpha1.BundleResource{{Name: "a.yaml", Content: "x: 1\n"}}
	b := []v1alpha1.BundleResource{{Name: "a.yaml", Content: "x: 2\n"}}
	idA, err := ID(a)
	if err != nil {
		t.Fatal(err)
	}
	idA2, _ := ID(a)
	idB, _ := ID(b)
	if idA != idA2 {
		t.Errorf("ID is not stable: %q != %q", idA, idA2)
	}
	if idA == idB {
		t.Errorf("different content gave the same ID %q", idA)
	}
	if !strings.HasPrefix(idA, "s-") || len(idA) != 63 {
		t.Errorf("ID %q: want prefix s- and 63 characters", idA)
	}
	// sha256(`{"resources":[{"name":"a.yaml","content":"x: 1\n"}]}`), computed with sha256sum.
	want := ("s-82185681eff4749701eace9b77afff868b065e210818b5f94d585de6f5a5ec7a")[:63]
	if idA != want {
		t.Errorf("ID = %q, want %q", idA, want)
	}
}

func TestDeploymentIDIgnoresDiffAndCorrectDrift(t *testing.T) {
	base := &v1alpha1.BundleDeploymentOptions{DefaultNamespace: "ns"}
	withDrift := base.DeepCopy()
	withDrift.CorrectDrift = &v1alpha1.CorrectDrift{Enabled: true}
	withDrift.Diff = &v1alpha1.DiffOptions{ComparePatches: []v1alpha1.ComparePatch{{Kind: "ConfigMap"}}}
	other := base.DeepCopy()
	other.TargetNamespace = "forced"

	id1, err := DeploymentID("s-1", base)
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := DeploymentID("s-1", withDrift)
	id3, _ := DeploymentID("s-1", other)
	if id1 != id2 {
		t.Errorf("diff/correctDrift changed the deployment ID: %q != %q", id1, id2)
	}
	if id1 == id3 {
		t.Errorf("namespace change did not change the deployment ID")
	}
	if !strings.HasPrefix(id1, "s-1:") || len(id1) != len("s-1:")+64 {
		t.Errorf("deployment ID %q has the wrong shape", id1)
	}
	if withDrift.CorrectDrift == nil {
		t.Errorf("DeploymentID modified its argument")
	}
}

func TestDigest(t *testing.T) {
	// sha256 of the empty string.
	want := "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got := Digest(nil); got != want {
		t.Errorf("Digest(nil) = %q, want %q", got, want)
	}
}
