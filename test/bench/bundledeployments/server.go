package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"

	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

// server is a fleet-apiserver --standalone child process on 127.0.0.1.
type server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	dataDir string
	cfg     *rest.Config
	log     *os.File
}

// startServer starts bin --standalone on a free port of 127.0.0.1 with its data in dataDir and
// waits until /readyz answers ok. Its output goes to dataDir/server.log.
func startServer(ctx context.Context, bin, dataDir string, extraArgs ...string) (*server, error) {
	log, err := os.Create(filepath.Join(dataDir, "server.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"--standalone", "--data-dir", dataDir, "--secure-port", "0"}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, done: make(chan struct{}), dataDir: dataDir, log: log}
	go func() { _ = cmd.Wait(); close(s.done) }()

	kubeconfig := filepath.Join(dataDir, "admin.kubeconfig")
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("fleet-apiserver exited while starting; see %s", log.Name())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("fleet-apiserver not ready after 60 s; see %s", log.Name())
		}
		if _, err := os.Stat(kubeconfig); err != nil {
			continue
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			continue
		}
		// The driver is the whole fleet's load: no client-side rate limit.
		cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
		cs, err := clientset.NewForConfig(cfg)
		if err != nil {
			continue
		}
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			s.cfg = cfg
			return s, nil
		}
	}
}

// pid is the server's process ID.
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM and waits for the process to exit (SIGKILL after 60 s).
func (s *server) stop() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	_ = s.log.Close()
}

// exited reports an error when the server is no longer running.
func (s *server) exited() error {
	select {
	case <-s.done:
		return errors.New("fleet-apiserver exited; see " + s.log.Name())
	default:
		return nil
	}
}
