package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/test/framework"
)

const repoURL = "https://git.example.com/fleet-examples"

func TestCreateGetListWithFleetColumns(t *testing.T) {
	s := framework.StartStandalone(t, "")
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "guestbook", "a", repoURL), "apply", "-n", "team-a", "-f", "-")

	// Status is written through the status subresource, as the sync loop does; readyBundleDeployments
	// is the server's (computed from the BundleDeployments, none here), so the client's value is
	// not kept and the column is empty.
	s.Kubectl("patch", "gitrepo", "guestbook", "-n", "team-a", "--subresource=status", "--type=merge", "-p",
		`{"status":{"commit":"0123abc","display":{"readyBundleDeployments":"1/2"},"conditions":[{"type":"Ready","status":"False","message":"WaitApplied(1)"}]}}`)

	out := s.Kubectl("get", "gitrepos", "-n", "team-a")
	rows := lines(out)
	if len(rows) != 2 {
		t.Fatalf("want header and one row, got:\n%s", out)
	}
	if got, want := strings.Fields(rows[0]), []string{"NAME", "REPO", "COMMIT", "BUNDLEDEPLOYMENTS-READY", "STATUS", "AGE"}; !equal(got, want) {
		t.Fatalf("columns = %v, want %v", got, want)
	}
	if got := strings.Fields(rows[1]); len(got) != 5 || !equal(got[:4], []string{"guestbook", repoURL, "0123abc", "WaitApplied(1)"}) {
		t.Fatalf("row = %v", got)
	}

	// get by name, as YAML and through the clientset: the same object.
	assertContains(t, s.Kubectl("get", "gitrepo", "guestbook", "-n", "team-a", "-o", "yaml"), "repo: "+repoURL, "commit: 0123abc")
	got, err := s.Clientset().FleetV1alpha1().GitRepos("team-a").Get(testContext(t), "guestbook", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Repo != repoURL || got.Status.Commit != "0123abc" || got.Generation != 1 {
		t.Fatalf("unexpected object: repo=%q commit=%q generation=%d", got.Spec.Repo, got.Status.Commit, got.Generation)
	}
}

func TestSpecAndStatusWritesAreSeparate(t *testing.T) {
	s := framework.StartStandalone(t, "")
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "split", "a", repoURL), "apply", "-n", "ns", "-f", "-")

	// A status write through the main resource is ignored; the spec change goes through and bumps generation.
	s.Kubectl("patch", "gitrepo", "split", "-n", "ns", "--type=merge", "-p", `{"spec":{"branch":"dev"},"status":{"commit":"ignored"}}`)
	// A spec write through /status is ignored; the status change goes through and leaves generation alone.
	s.Kubectl("patch", "gitrepo", "split", "-n", "ns", "--subresource=status", "--type=merge", "-p", `{"spec":{"branch":"ignored"},"status":{"commit":"c1"}}`)

	// Server-side apply of the main resource cannot set status either.
	s.KubectlStdin(fmt.Sprintf("apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: split\n  labels: {team: a}\nspec:\n  repo: %s\n  branch: dev\n  paths: [simple]\nstatus:\n  commit: applied\n", repoURL),
		"apply", "--server-side", "--force-conflicts", "-n", "ns", "-f", "-")

	got, err := s.Clientset().FleetV1alpha1().GitRepos("ns").Get(testContext(t), "split", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Branch != "dev" || got.Status.Commit != "c1" || got.Generation != 2 {
		t.Fatalf("branch=%q commit=%q generation=%d; want dev, c1, 2", got.Spec.Branch, got.Status.Commit, got.Generation)
	}

	// Kinds without status (Policy, GitRepoRestriction, BundleNamespaceMapping) have no /status.
	s.KubectlStdin("apiVersion: fleet.cattle.io/v1alpha1\nkind: Policy\nmetadata:\n  name: p\nallowedServiceAccounts: [a]\n", "apply", "-n", "ns", "-f", "-")
	if _, errOut, err := s.KubectlResult("", "get", "policy", "p", "-n", "ns", "--subresource=status"); err == nil {
		t.Fatalf("a Policy has no status subresource; kubectl said nothing wrong (%s)", errOut)
	}
}

func TestPatchKinds(t *testing.T) {
	s := framework.StartStandalone(t, "")
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "p", "a", repoURL), "apply", "-n", "ns", "-f", "-")

	s.Kubectl("patch", "gitrepo", "p", "-n", "ns", "--type=merge", "-p", `{"spec":{"branch":"merge"}}`)
	assertBranch(t, s, "p", "merge")

	s.Kubectl("patch", "gitrepo", "p", "-n", "ns", "--type=json", "-p", `[{"op":"replace","path":"/spec/branch","value":"json"}]`)
	assertBranch(t, s, "p", "json")

	// Server-side apply: a second manager may not take a field the first one owns without --force-conflicts.
	ssa := fmt.Sprintf("apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: ssa\nspec:\n  repo: %s\n  branch: one\n", repoURL)
	s.KubectlStdin(ssa, "apply", "--server-side", "--field-manager=alice", "-n", "ns", "-f", "-")
	assertBranch(t, s, "ssa", "one")
	_, errOut, err := s.KubectlResult(strings.Replace(ssa, "branch: one", "branch: two", 1), "apply", "--server-side", "--field-manager=bob", "-n", "ns", "-f", "-")
	if err == nil || !strings.Contains(errOut, "conflict") {
		t.Fatalf("want an apply conflict, got err=%v stderr=%s", err, errOut)
	}
	s.KubectlStdin(strings.Replace(ssa, "branch: one", "branch: two", 1), "apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-n", "ns", "-f", "-")
	assertBranch(t, s, "ssa", "two")
	managed := s.Kubectl("get", "gitrepo", "ssa", "-n", "ns", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")
	assertContains(t, managed, "bob")
}

func assertBranch(t *testing.T, s *framework.Server, name, want string) {
	t.Helper()
	if got := s.Kubectl("get", "gitrepo", name, "-n", "ns", "-o", "jsonpath={.spec.branch}"); got != want {
		t.Fatalf("branch of %s = %q, want %q", name, got, want)
	}
}

func TestDryRunServer(t *testing.T) {
	s := framework.StartStandalone(t, "")
	obj := fmt.Sprintf(gitRepoYAML, "dry", "a", repoURL)
	out := s.KubectlStdin(obj, "create", "--dry-run=server", "-n", "ns", "-f", "-", "-o", "jsonpath={.metadata.uid}")
	if out == "" {
		t.Fatalf("a server dry-run returns the object as it would be stored (with a uid)")
	}
	if _, _, err := s.KubectlResult("", "get", "gitrepo", "dry", "-n", "ns"); err == nil {
		t.Fatalf("dry-run create stored the object")
	}

	s.KubectlStdin(obj, "create", "-n", "ns", "-f", "-")
	s.Kubectl("delete", "gitrepo", "dry", "-n", "ns", "--dry-run=server")
	s.Kubectl("patch", "gitrepo", "dry", "-n", "ns", "--dry-run=server", "--type=merge", "-p", `{"spec":{"branch":"x"}}`)
	if got := s.Kubectl("get", "gitrepo", "dry", "-n", "ns", "-o", "jsonpath={.spec.branch}"); got != "main" {
		t.Fatalf("dry-run patch changed the object: branch=%q", got)
	}
}

func TestDeleteWithFinalizers(t *testing.T) {
	s := framework.StartStandalone(t, "")
	obj := fmt.Sprintf(gitRepoYAML, "fin", "a", repoURL)
	// A finalizer nobody processes (the GitRepo controller owns fleet.cattle.io/gitrepo-finalizer).
	obj = strings.Replace(obj, "metadata:\n", "metadata:\n  finalizers: [\"example.com/hold\"]\n", 1)
	s.KubectlStdin(obj, "apply", "-n", "ns", "-f", "-")

	s.Kubectl("delete", "gitrepo", "fin", "-n", "ns", "--wait=false")
	ts := s.Kubectl("get", "gitrepo", "fin", "-n", "ns", "-o", "jsonpath={.metadata.deletionTimestamp}")
	if ts == "" {
		t.Fatalf("object with a finalizer must stay, marked for deletion")
	}
	s.Kubectl("patch", "gitrepo", "fin", "-n", "ns", "--type=json", "-p", `[{"op":"remove","path":"/metadata/finalizers"}]`)
	_, err := s.Clientset().FleetV1alpha1().GitRepos("ns").Get(testContext(t), "fin", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("after the last finalizer is removed the object is gone; got err=%v", err)
	}
}

func TestGenerateName(t *testing.T) {
	s := framework.StartStandalone(t, "")
	obj := strings.Replace(fmt.Sprintf(gitRepoYAML, "x", "a", repoURL), "name: x", "generateName: repo-", 1)
	name := s.KubectlStdin(obj, "create", "-n", "ns", "-f", "-", "-o", "jsonpath={.metadata.name}")
	if !strings.HasPrefix(name, "repo-") || len(name) <= len("repo-") {
		t.Fatalf("generated name = %q", name)
	}
}

func equal(a, b []string) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestDeleteCollection(t *testing.T) {
	s := framework.StartStandalone(t, "")
	for _, name := range []string{"a", "b", "c"} {
		s.KubectlStdin(fmt.Sprintf(gitRepoYAML, name, name, repoURL), "apply", "-n", "ns", "-f", "-")
	}
	s.KubectlStdin(fmt.Sprintf(gitRepoYAML, "keep", "x", repoURL), "apply", "-n", "other", "-f", "-")

	// The deletecollection verb, as the namespace controller uses it.
	err := s.Clientset().FleetV1alpha1().GitRepos("ns").DeleteCollection(testContext(t), metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "team in (a,b)"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(s.Kubectl("get", "gitrepos", "-n", "ns", "-o", "jsonpath={.items[*].metadata.name}")); !equal(got, []string{"c"}) {
		t.Fatalf("after deleting team a and b: %v", got)
	}
	s.Kubectl("delete", "gitrepos", "-n", "ns", "--all")
	if got := s.Kubectl("get", "gitrepos", "-A", "-o", "jsonpath={.items[*].metadata.name}"); got != "keep" {
		t.Fatalf("--all must delete only in its namespace; left: %q", got)
	}
}
