package framework

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

// Server is a standalone fleet-apiserver child process.
type Server struct {
	t       testing.TB
	DataDir string
	// Kubeconfig is the admin kubeconfig the server wrote.
	Kubeconfig string
	// Env is added to the process's environment (this process's) at the next Start.
	Env []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	output *lockedBuffer
	done   chan struct{}
}

// lockedBuffer collects the process output; the process writes while tests read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// StartStandalone starts `fleet-apiserver --standalone` on a free port of 127.0.0.1 with its data in dataDir
// (a new temporary directory when empty) and waits until /readyz answers. It is stopped at cleanup.
func StartStandalone(t testing.TB, dataDir string, extraArgs ...string) *Server {
	t.Helper()
	s := NewStandalone(t, dataDir)
	s.Start(extraArgs...)
	return s
}

// NewStandalone returns a standalone server with its data in dataDir (a new temporary directory
// when empty), not started yet; it is stopped at cleanup.
func NewStandalone(t testing.TB, dataDir string) *Server {
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	s := &Server{t: t, DataDir: dataDir, Kubeconfig: filepath.Join(dataDir, "admin.kubeconfig")}
	t.Cleanup(s.Stop)
	return s
}

// Start starts the process (again) and waits until it is ready (/readyz).
func (s *Server) Start(extraArgs ...string) {
	s.t.Helper()
	s.start("/readyz", extraArgs...)
}

// StartLive starts the process (again) and waits until it is live (/livez), not until it is ready:
// for tests of what makes it unready.
func (s *Server) StartLive(extraArgs ...string) {
	s.t.Helper()
	s.start("/livez", extraArgs...)
}

// start starts the process and waits until path answers ok.
func (s *Server) start(path string, extraArgs ...string) {
	s.t.Helper()
	bin, err := Binary("fleet-apiserver")
	if err != nil {
		s.t.Fatal(err)
	}
	_ = os.Remove(s.Kubeconfig)
	args := append([]string{"--standalone", "--data-dir", s.DataDir, "--secure-port", "0"}, extraArgs...)
	cmd := exec.Command(bin, args...)
	if len(s.Env) > 0 {
		cmd.Env = append(os.Environ(), s.Env...)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start fleet-apiserver: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.output, s.done = cmd, out, done
	s.mu.Unlock()

	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		select {
		case <-done:
			return false, errExited
		default:
		}
		if _, err := os.Stat(s.Kubeconfig); err != nil {
			return false, nil
		}
		cs, err := s.clientsetOrErr()
		if err != nil {
			return false, nil
		}
		body, err := cs.Discovery().RESTClient().Get().AbsPath(path).DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	})
	if err != nil {
		s.t.Fatalf("fleet-apiserver did not answer ok at %s: %v\noutput:\n%s", path, err, s.Output())
	}
}

type exitedError struct{}

func (exitedError) Error() string { return "fleet-apiserver exited" }

var errExited = exitedError{}

// Stop sends SIGTERM and waits for the process to exit.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Kill kills the process with SIGKILL, as a crash would (no shutdown, no final flush), and waits
// until it is gone; Start starts it again on the same data directory.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// PID returns the process id of the running server (0 when not started), for benchmarks that read
// its CPU time and memory from /proc.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Output returns what the process printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.output == nil {
		return ""
	}
	return s.output.String()
}

// RESTConfig returns the admin client configuration.
func (s *Server) RESTConfig() *rest.Config {
	s.t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		s.t.Fatalf("load kubeconfig: %v", err)
	}
	return cfg
}

func (s *Server) clientsetOrErr() (*clientset.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		return nil, err
	}
	return clientset.NewForConfig(cfg)
}

// Clientset returns the generated clientset for the admin user.
func (s *Server) Clientset() *clientset.Clientset {
	s.t.Helper()
	cs, err := s.clientsetOrErr()
	if err != nil {
		s.t.Fatalf("clientset: %v", err)
	}
	return cs
}
