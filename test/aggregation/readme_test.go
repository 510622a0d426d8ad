package aggregation

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/test/cluster"
)

// walkthrough returns the commands of the README's kubectl walk-through: the first ```sh block after the
// marker comment, without comments and `export` lines (the test sets KUBECONFIG itself).
func walkthrough(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cluster.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, found := strings.Cut(string(data), "<!-- walkthrough: run by test/aggregation/readme_test.go -->")
	if !found {
		t.Fatal("README.md has no walk-through marker")
	}
	_, block, _ := strings.Cut(after, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var cmds []string
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "export ") {
			continue
		}
		cmds = append(cmds, line)
	}
	if len(cmds) < 5 {
		t.Fatalf("walk-through has only %d commands", len(cmds))
	}
	return cmds
}

// TestReadmeWalkthrough runs the README's commands, in order, against the environment `make run` starts:
// kube-apiserver with fleet-apiserver registered.
func TestReadmeWalkthrough(t *testing.T) {
	t.Cleanup(func() { _, _ = kube.Kubectl(testContext(t), "", "delete", "namespace", "fleet-local", "--wait=false") })
	for _, command := range walkthrough(t) {
		cmd := exec.Command("sh", "-c", command)
		cmd.Dir = cluster.RepoRoot()
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kube.AdminKubeconfig, "HOME="+kube.Dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("README command %q failed: %v\n%s", command, err, out)
		}
		t.Logf("$ %s\n%s", command, out)
	}
}
