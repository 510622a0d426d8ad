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
	// sha256 of `{"resources":[{"name":"a.yaml","content":"x: 1\n"}]}` and a newline, as Fleet's
	// json.Encoder writes it, computed with printf … | sha256sum.
	want := ("s-20cc81bbcc13f766848bdc5027b5740c7824ae6051d5295c337e8e6804cf4b91")[:63]
	if idA != want {
		t.Errorf("ID = %q, want %q", idA, want)
	}
}

func TestOptionsHashIsFleets(t *testing.T) {
	got, err := OptionsHash(&v1alpha1.BundleDeploymentOptions{DefaultNamespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	// printf '{"defaultNamespace":"ns","ignore":{}}\n' | sha256sum: Fleet hashes what a json.Encoder
	// writes, newline included.
	if want := "477bfde2e2e574105271b1e2741552ed16552f955c93443e1b73e77ac1621d81"; got != want {
		t.Errorf("options hash %s, want %s", got, want)
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
