package aggregation

import (
	"context"
	"strings"
	"testing"
)

// TestTeamRBAC: the built-in roles cover our kinds (artifacts/aggregated-roles.yaml) and a RoleBinding
// scopes a team to its namespace, as for built-in kinds. alice may edit in team-a only, bob may only view
// there; kube-apiserver and fleet-apiserver (SubjectAccessReview) both enforce it.
func TestTeamRBAC(t *testing.T) {
	createNamespace(t, "team-a")
	createNamespace(t, "team-b")
	kubectl(t, "create", "rolebinding", "alice-edit", "-n", "team-a", "--clusterrole=edit", "--user=alice")
	kubectl(t, "create", "rolebinding", "bob-view", "-n", "team-a", "--clusterrole=view", "--user=bob")

	// The clusterrole-aggregation controller copies our rules into edit and view.
	eventually(t, "edit covers gitrepos", func(ctx context.Context) (bool, error) {
		return canI(ctx, "alice", "create", "gitrepos.fleet.cattle.io", "team-a"), nil
	})
	eventually(t, "view covers gitrepos", func(ctx context.Context) (bool, error) {
		return canI(ctx, "bob", "list", "gitrepos.fleet.cattle.io", "team-a"), nil
	})

	for _, c := range []struct {
		user, verb, namespace string
		want                  bool
	}{
		{"alice", "create", "team-a", true},
		{"alice", "list", "team-a", true},
		{"alice", "delete", "team-a", true},
		{"alice", "create", "team-b", false},
		{"alice", "list", "team-b", false},
		{"alice", "list", "", false}, // cluster-wide
		{"bob", "list", "team-a", true},
		{"bob", "watch", "team-a", true},
		{"bob", "create", "team-a", false},
		{"bob", "list", "team-b", false},
	} {
		if got := canI(testContext(t), c.user, c.verb, "gitrepos.fleet.cattle.io", c.namespace); got != c.want {
			t.Errorf("kubectl auth can-i %s gitrepos -n %q --as=%s: got %v, want %v", c.verb, c.namespace, c.user, got, c.want)
		}
	}

	kubectlStdin(t, gitRepo("team-app"), "apply", "-n", "team-a", "-f", "-", "--as=alice")
	assertContains(t, kubectl(t, "get", "gitrepos", "-n", "team-a", "--as=alice"), "team-app")
	assertContains(t, kubectl(t, "get", "fleet", "-n", "team-a", "--as=bob"), "team-app")

	forbidden := []struct {
		stdin string
		args  []string
	}{
		{gitRepo("intruder"), []string{"apply", "-n", "team-b", "-f", "-", "--as=alice"}},
		{"", []string{"get", "gitrepos", "-n", "team-b", "--as=alice"}},
		{"", []string{"get", "gitrepos", "-A", "--as=alice"}},
		{gitRepo("viewer-app"), []string{"create", "-n", "team-a", "-f", "-", "--as=bob"}},
		{"", []string{"delete", "gitrepo", "team-app", "-n", "team-a", "--as=bob"}},
	}
	for _, f := range forbidden {
		errOut := kubectlFails(t, f.stdin, f.args...)
		if !strings.Contains(errOut, "Forbidden") && !strings.Contains(errOut, "forbidden") {
			t.Errorf("kubectl %s: want 403 Forbidden, got:\n%s", strings.Join(f.args, " "), errOut)
		}
	}
	// Nothing of the forbidden writes arrived.
	if out := kubectl(t, "get", "gitrepos", "-n", "team-b", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Errorf("team-b holds %q after forbidden writes", out)
	}
}

// canI asks `kubectl auth can-i` (a SelfSubjectAccessReview as the impersonated user).
func canI(ctx context.Context, user, verb, resource, namespace string) bool {
	args := []string{"auth", "can-i", verb, resource, "--as=" + user}
	if namespace == "" {
		args = append(args, "-A")
	} else {
		args = append(args, "-n", namespace)
	}
	out, _, _ := kube.KubectlResult(ctx, "", args...)
	return strings.TrimSpace(out) == "yes"
}
