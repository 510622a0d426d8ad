package aggregation

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetapi/fleet/test/cluster"
	"github.com/fleetapi/fleet/test/framework"
)

// TestRunClusterScript runs the full local environment (hack/run-cluster.sh, which `make run` runs) on free
// ports and a fresh directory, next to the package's cluster: it must print the commands to try, serve
// our group through its own kube-apiserver with the kubeconfig it wrote, stop everything on SIGTERM, and
// find its cluster and objects again when started a second time.
func TestRunClusterScript(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "dev")
	kubeconfig := filepath.Join(dataDir, "admin.kubeconfig")

	env := startRunCluster(t, dataDir)
	assertContains(t, env.printed, "export KUBECONFIG="+kubeconfig, "kubectl get gitrepos -A -w",
		"kubectl api-resources --api-group=fleet.cattle.io")
	assertContains(t, env.kubectl(t, "get", "apiservice", "v1alpha1.fleet.cattle.io"), "True")
	env.kubectl(t, "create", "namespace", "kept")
	env.kubectl(t, "apply", "-n", "kept", "-f", filepath.Join(cluster.RepoRoot(), "docs", "examples", "gitrepo.yaml"))
	env.stop(t)

	env = startRunCluster(t, dataDir)
	assertContains(t, env.kubectl(t, "get", "gitrepos", "-n", "kept"), "guestbook")
	env.stop(t)
}

type runCluster struct {
	cmd        *exec.Cmd
	stderr     *strings.Builder
	printed    string
	kubeconfig string
	dataDir    string
}

// startRunCluster starts hack/run-cluster.sh on dataDir and waits for its "Press Ctrl-C" line.
func startRunCluster(t *testing.T, dataDir string) *runCluster {
	t.Helper()
	bin, err := framework.Binary("fleet-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, filepath.Join(cluster.RepoRoot(), "hack", "run-cluster.sh"), bin)
	cmd.Env = append(cmd.Environ(), "DATA_DIR="+dataDir, "KUBE_PORT=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	env := &runCluster{cmd: cmd, stderr: &strings.Builder{}, dataDir: dataDir, kubeconfig: filepath.Join(dataDir, "admin.kubeconfig")}
	cmd.Stderr = env.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	})
	var printed []string
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		printed = append(printed, scanner.Text())
		if strings.Contains(scanner.Text(), "Press Ctrl-C to stop") {
			break
		}
	}
	env.printed = strings.Join(printed, "\n")
	if !strings.Contains(env.printed, "Press Ctrl-C to stop") {
		t.Fatalf("hack/run-cluster.sh printed:\n%s\nstderr:\n%s", env.printed, env.stderr.String())
	}
	return env
}

// kubectl runs kubectl with the environment's admin kubeconfig.
func (e *runCluster) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(testContext(t), "kubectl", append([]string{"--kubeconfig", e.kubeconfig}, args...)...)
	cmd.Env = append(cmd.Environ(), "HOME="+e.dataDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// stop sends SIGTERM, expects a clean exit and checks that nothing listens on its kube-apiserver's port.
func (e *runCluster) stop(t *testing.T) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", e.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Wait(); err != nil {
		t.Fatalf("hack/run-cluster.sh did not stop cleanly on SIGTERM: %v\nstderr:\n%s", err, e.stderr.String())
	}
	assertContains(t, e.stderr.String(), "stopping the local environment")
	host := strings.TrimPrefix(cfg.Host, "https://")
	if conn, err := net.DialTimeout("tcp", host, 5*time.Second); err == nil {
		_ = conn.Close()
		t.Errorf("%s still accepts connections after the local environment stopped", host)
	}
}
