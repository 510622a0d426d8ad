package fleet

import (
	"context"
	"reflect"
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

// TestComputedStatusIsTheServers: a client's status write to a Bundle or a Cluster keeps what the
// server computes (summary, display, rollout, Ready) as stored, and keeps what the client may
// write (other conditions, the agent's check-in).
func TestComputedStatusIsTheServers(t *testing.T) {
	ready := v1.GenericCondition{Type: v1.ConditionReady, Status: "False", Message: "WaitApplied(1) [Cluster fleet-default/c1]"}
	other := v1.GenericCondition{Type: "Accepted", Status: "True"}
	old := &v1.Bundle{Status: v1.BundleStatus{Summary: v1.BundleSummary{WaitApplied: 1, DesiredReady: 1}, ObservedGeneration: 2,
		Display: v1.BundleDisplay{ReadyClusters: "0/1"}, MaxUnavailable: 1, Conditions: []v1.GenericCondition{ready}}}
	update := old.DeepCopy()
	update.Status.Summary.Ready, update.Status.Display.ReadyClusters, update.Status.ObservedGeneration = 1, "1/1", 9
	update.Status.MaxUnavailable, update.Status.PartitionStatus = 5, []v1.PartitionStatus{{Name: "mine"}}
	update.Status.Conditions = []v1.GenericCondition{other, {Type: v1.ConditionReady, Status: "True"}}
	statusStrategy{newStrategy(runtime.NewScheme(), definition(t, "Bundle"))}.PrepareForUpdate(context.Background(), update, old)
	if st := update.Status; !reflect.DeepEqual(st.Summary, old.Status.Summary) || st.Display != old.Status.Display || st.ObservedGeneration != 2 ||
		st.MaxUnavailable != 1 || st.PartitionStatus != nil {
		t.Errorf("a status write changed computed fields: %+v", st)
	}
	if got := update.Status.Conditions; len(got) != 2 || !reflect.DeepEqual(got[0], other) || !reflect.DeepEqual(got[1], ready) {
		t.Errorf("conditions %+v, want the client's Accepted and the stored Ready", got)
	}
	removed := old.DeepCopy()
	removed.Status.Conditions = nil
	statusStrategy{newStrategy(runtime.NewScheme(), definition(t, "Bundle"))}.PrepareForUpdate(context.Background(), removed, old)
	if got := removed.Status.Conditions; len(got) != 1 || !reflect.DeepEqual(got[0], ready) {
		t.Errorf("a write without Ready removed it: %+v", got)
	}

	repo := &v1.GitRepo{Status: v1.GitRepoStatus{Commit: "a", StatusBase: v1.StatusBase{Summary: v1.BundleSummary{Ready: 1, DesiredReady: 2},
		Display: v1.StatusDisplay{ReadyBundleDeployments: "1/2"}}}}
	synced := repo.DeepCopy()
	synced.Status.Commit, synced.Status.Summary, synced.Status.Display = "b", v1.BundleSummary{}, v1.StatusDisplay{Message: "synced"}
	statusStrategy{newStrategy(runtime.NewScheme(), definition(t, "GitRepo"))}.PrepareForUpdate(context.Background(), synced, repo)
	if st := synced.Status; st.Commit != "b" || st.Display.Message != "synced" || st.Summary.Ready != 1 || st.Display.ReadyBundleDeployments != "1/2" {
		t.Errorf("a GitRepo's status write: %+v", st)
	}

	s := statusStrategy{newStrategy(runtime.NewScheme(), definition(t, "Cluster"))}
	c := &v1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "c1", Namespace: "fleet-default"}, Status: v1.ClusterStatus{
		Summary: v1.BundleSummary{WaitApplied: 1, DesiredReady: 1}, Display: v1.ClusterDisplay{ReadyBundles: "0/1", State: v1.StateWaitCheckIn}}}
	checkIn := c.DeepCopy()
	checkIn.Status.Agent.LastSeen = metav1.Now()
	checkIn.Status.Summary.Ready, checkIn.Status.Display.ReadyBundles = 1, "1/1"
	s.PrepareForUpdate(context.Background(), checkIn, c)
	if st := checkIn.Status; !reflect.DeepEqual(st.Summary, c.Status.Summary) || st.Display.ReadyBundles != "0/1" || st.Display.State != string(v1.WaitApplied) {
		t.Errorf("after the agent's check-in: %+v", st.Display)
	}
}
