package fleet

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func definition(t *testing.T, kind string) *Definition {
	t.Helper()
	for _, d := range Definitions() {
		if d.Kind == kind {
			return d
		}
	}
	t.Fatalf("no definition for %s", kind)
	return nil
}

func TestCreateClearsStatusAndStartsGeneration(t *testing.T) {
	s := newStrategy(runtime.NewScheme(), definition(t, "GitRepo"))
	repo := &v1.GitRepo{Spec: v1.GitRepoSpec{Repo: "r"}, Status: v1.GitRepoStatus{Commit: "c"}}
	s.PrepareForCreate(context.Background(), repo)
	if repo.Status.Commit != "" || repo.Generation != 1 {
		t.Fatalf("status=%+v generation=%d", repo.Status, repo.Generation)
	}
}

func TestMainUpdateKeepsStatusAndCountsGenerations(t *testing.T) {
	s := newStrategy(runtime.NewScheme(), definition(t, "GitRepo"))
	old := &v1.GitRepo{ObjectMeta: metav1.ObjectMeta{Generation: 3}, Spec: v1.GitRepoSpec{Repo: "r"}, Status: v1.GitRepoStatus{Commit: "c"}}

	relabelled := old.DeepCopy()
	relabelled.Labels = map[string]string{"a": "b"}
	relabelled.Status.Commit = "written by a user"
	s.PrepareForUpdate(context.Background(), relabelled, old)
	if relabelled.Status.Commit != "c" || relabelled.Generation != 3 {
		t.Fatalf("metadata-only update: commit=%q generation=%d", relabelled.Status.Commit, relabelled.Generation)
	}

	changed := old.DeepCopy()
	changed.Spec.Branch = "dev"
	s.PrepareForUpdate(context.Background(), changed, old)
	if changed.Generation != 4 {
		t.Fatalf("spec change: generation=%d, want 4", changed.Generation)
	}
}

func TestStatusUpdateKeepsEverythingButStatus(t *testing.T) {
	s := statusStrategy{newStrategy(runtime.NewScheme(), definition(t, "Content"))}
	old := &v1.Content{ObjectMeta: metav1.ObjectMeta{Name: "s-1", Labels: map[string]string{"a": "b"}}, SHA256Sum: "old"}
	update := old.DeepCopy()
	update.SHA256Sum = "changed"
	update.Labels = nil
	update.Status.ReferenceCount = 2
	update.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "agent"}}
	s.PrepareForUpdate(context.Background(), update, old)
	if update.SHA256Sum != "old" || update.Labels["a"] != "b" || update.Status.ReferenceCount != 2 || update.ManagedFields[0].Manager != "agent" {
		t.Fatalf("got %+v", update)
	}
}

func TestResetFields(t *testing.T) {
	version := fieldpath.APIVersion(v1.SchemeGroupVersion.String())
	main := newStrategy(runtime.NewScheme(), definition(t, "GitRepo")).GetResetFields()[version]
	if !main.Has(fieldpath.MakePathOrDie("status")) {
		t.Fatalf("main resource must reset status: %v", main)
	}
	// A flat kind: every top-level field but status and metadata is reset on /status.
	status := statusStrategy{newStrategy(runtime.NewScheme(), definition(t, "Content"))}.GetResetFields()[version]
	for _, path := range []string{"content", "sha256sum"} {
		if !status.Has(fieldpath.MakePathOrDie(path)) {
			t.Fatalf("status reset fields %v lack %s", status, path)
		}
	}
	if status.Has(fieldpath.MakePathOrDie("status")) {
		t.Fatalf("status must not be reset on /status")
	}
	if newStrategy(runtime.NewScheme(), definition(t, "Policy")).GetResetFields() != nil {
		t.Fatalf("a kind without status resets nothing")
	}
}

func TestEveryKindIsDefinedOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Definitions() {
		if seen[d.Resource] {
			t.Fatalf("%s defined twice", d.Resource)
		}
		seen[d.Resource] = true
		if _, err := newTableConvertor(d.Columns); err != nil {
			t.Fatalf("%s: %v", d.Resource, err)
		}
		if d.HasStatus != hasStatusField(d.New()) {
			t.Fatalf("%s: HasStatus=%v but the type says otherwise", d.Kind, d.HasStatus)
		}
	}
	if len(seen) != 14 {
		t.Fatalf("%d kinds, want 14", len(seen))
	}
}

func hasStatusField(obj runtime.Object) bool {
	return structOf(obj).FieldByName("Status").IsValid()
}

// TestClusterNamespaceIsTheServers: a Cluster's status.namespace is Fleet's name for it, set on
// create and kept whatever a client writes to the object or its status.
func TestClusterNamespaceIsTheServers(t *testing.T) {
	s := newStrategy(runtime.NewScheme(), definition(t, "Cluster"))
	const want = "cluster-fleet-local-local-1a3d67d0a899"
	c := &v1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "fleet-local"}, Status: v1.ClusterStatus{Namespace: "mine"}}
	s.PrepareForCreate(context.Background(), c)
	if c.Status.Namespace != want {
		t.Fatalf("created with status.namespace %q, want %q", c.Status.Namespace, want)
	}
	update := c.DeepCopy()
	update.Status.Namespace = "other"
	statusStrategy{s}.PrepareForUpdate(context.Background(), update, c)
	if update.Status.Namespace != want {
		t.Errorf("a status write changed status.namespace to %q", update.Status.Namespace)
	}
	old := &v1.Cluster{ObjectMeta: c.ObjectMeta}
	update = c.DeepCopy()
	s.PrepareForUpdate(context.Background(), update, old)
	if update.Status.Namespace != want {
		t.Errorf("an object stored before the rule got %q on update", update.Status.Namespace)
	}
}
