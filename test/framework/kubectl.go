package framework

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Kubectl runs the real kubectl of this machine against the server and returns its standard output. The
// test fails when kubectl fails.
func (s *Server) Kubectl(args ...string) string {
	s.t.Helper()
	out, errOut, err := s.KubectlResult("", args...)
	if err != nil {
		s.t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// KubectlStdin runs kubectl with stdin and fails the test when it fails.
func (s *Server) KubectlStdin(stdin string, args ...string) string {
	s.t.Helper()
	out, errOut, err := s.KubectlResult(stdin, args...)
	if err != nil {
		s.t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// KubectlResult runs kubectl and returns stdout, stderr and the error, for tests that expect failures.
func (s *Server) KubectlResult(stdin string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return s.kubectl(ctx, stdin, args...)
}

func (s *Server) kubectl(ctx context.Context, stdin string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig, "HOME="+s.DataDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// KubectlCommand returns a kubectl command bound to the server, for streaming uses such as `get -w`.
func (s *Server) KubectlCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig, "HOME="+s.DataDir)
	return cmd
}
