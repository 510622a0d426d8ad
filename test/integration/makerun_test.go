package integration

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetapi/fleet/test/framework"
)

// TestMakeRunScript runs what `make run-standalone` runs (hack/run.sh with the built server) on a free port and a fresh
// data dir: it must start the server, print the kubectl commands to try, and stop cleanly on SIGTERM.
func TestMakeRunScript(t *testing.T) {
	bin, err := framework.Binary("fleet-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dataDir := filepath.Join(t.TempDir(), "dev")
	cmd := exec.CommandContext(ctx, filepath.Join(framework.RepoRoot(), "hack", "run.sh"), bin)
	cmd.Dir = framework.RepoRoot()
	cmd.Env = append(cmd.Environ(), "DATA_DIR="+dataDir, "PORT=0")
	// Its own process group, so that whatever happens the script and the server it started are stopped.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	var printed []string
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		printed = append(printed, scanner.Text())
		if strings.Contains(scanner.Text(), "Press Ctrl-C to stop") {
			break
		}
	}
	out := strings.Join(printed, "\n")
	assertContains(t, out, "fleet-apiserver is ready", "export KUBECONFIG="+dataDir+"/admin.kubeconfig", "kubectl get gitrepos")
	// It says ready only when it is.
	ready, err := exec.CommandContext(ctx, "kubectl", "--kubeconfig", filepath.Join(dataDir, "admin.kubeconfig"), "get", "--raw", "/readyz").Output()
	if err != nil || string(ready) != "ok" {
		t.Fatalf("the server is not ready: %q %v", ready, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("make run-standalone did not stop cleanly on SIGTERM: %v", err)
	}
}
