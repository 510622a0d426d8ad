package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Kubectl runs the real kubectl as the cluster admin and returns its standard output; the error carries
// its standard error. HOME is the cluster directory, so kubectl's discovery cache is the cluster's own.
func (c *Cluster) Kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	stdout, stderr, err := c.KubectlResult(ctx, stdin, args...)
	if err != nil {
		return stdout, fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr))
	}
	return stdout, nil
}

// KubectlResult runs kubectl as the cluster admin and returns its output and error as they are.
func (c *Cluster) KubectlResult(ctx context.Context, stdin string, args ...string) (stdout, stderr string, err error) {
	cmd := c.KubectlCommand(ctx, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// KubectlCommand returns a kubectl command bound to the admin kubeconfig, for streaming uses (`get -w`).
func (c *Cluster) KubectlCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.AdminKubeconfig, "HOME="+c.Dir)
	return cmd
}
