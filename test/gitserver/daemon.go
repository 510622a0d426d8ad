package gitserver

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DaemonRequest is one request `git daemon` logged.
type DaemonRequest struct {
	Time time.Time
	// Service is "upload-pack" or "receive-pack".
	Service string
	// Path is the requested path ("/app.git").
	Path string
}

// Daemon is `git daemon` serving the bare repositories in Root over git:// on 127.0.0.1.
type Daemon struct {
	// Root holds the bare repositories, NAME.git.
	Root string
	// Addr is 127.0.0.1:PORT.
	Addr string

	cmd  *exec.Cmd
	done chan struct{}

	mu       sync.Mutex
	requests []DaemonRequest
	// logged is closed and replaced when a request is logged.
	logged chan struct{}
}

// daemonReadyBound bounds the wait for `git daemon` to listen.
const daemonReadyBound = 20 * time.Second

// NewDaemon starts `git daemon` on 127.0.0.1 serving root (for example the Root of an HTTP Server,
// so that one Repo is served over both). The test waits until the daemon says it listens; the
// daemon and the processes it forked are killed at cleanup.
func NewDaemon(t testing.TB, root string) *Daemon {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git is not installed: %v", err)
	}
	var lastErr error
	// The port is chosen free, then given to git daemon: another process may take it meanwhile,
	// so a daemon that exits before it listens is started again on another port.
	for range 3 {
		d, err := startDaemon(root)
		if err == nil {
			t.Cleanup(d.stop)
			return d
		}
		lastErr = err
	}
	t.Fatalf("git daemon: %v", lastErr)
	return nil
}

// RepoURL returns the git:// URL of repository name.
func (d *Daemon) RepoURL(name string) string { return "git://" + d.Addr + "/" + name + ".git" }

// Requests returns the requests the daemon logged so far, oldest first. The daemon logs a request
// from the process that serves it, so a client may be done before its request is logged: see
// WaitRequests.
func (d *Daemon) Requests() []DaemonRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DaemonRequest(nil), d.requests...)
}

// WaitRequests waits until the daemon logged at least n requests (failing the test after
// daemonReadyBound) and returns them.
func (d *Daemon) WaitRequests(t testing.TB, n int) []DaemonRequest {
	t.Helper()
	timeout := time.NewTimer(daemonReadyBound)
	defer timeout.Stop()
	for {
		d.mu.Lock()
		reqs, logged := append([]DaemonRequest(nil), d.requests...), d.logged
		d.mu.Unlock()
		if len(reqs) >= n {
			return reqs
		}
		select {
		case <-logged:
		case <-timeout.C:
			t.Fatalf("git daemon logged %d requests after %v, want %d: %+v", len(reqs), daemonReadyBound, n, reqs)
		}
	}
}

var (
	daemonReadyRE   = regexp.MustCompile(`^\[\d+\] Ready to rumble$`)
	daemonRequestRE = regexp.MustCompile(`^\[\d+\] Request (\S+) for '([^']*)'$`)
)

func startDaemon(root string) (*Daemon, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d := &Daemon{Root: root, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{}), logged: make(chan struct{})}
	d.cmd = exec.Command("git", "daemon", "--verbose", "--reuseaddr", "--listen=127.0.0.1",
		"--port="+strconv.Itoa(port), "--base-path="+root, "--export-all", root)
	d.cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+root)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its children are killed with it
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	var output []string
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if daemonReadyRE.MatchString(line) {
				close(ready)
				continue
			}
			if m := daemonRequestRE.FindStringSubmatch(line); m != nil {
				d.mu.Lock()
				d.requests = append(d.requests, DaemonRequest{Time: time.Now(), Service: m[1], Path: m[2]})
				close(d.logged)
				d.logged = make(chan struct{})
				d.mu.Unlock()
				continue
			}
			d.mu.Lock()
			if len(output) < 20 {
				output = append(output, line)
			}
			d.mu.Unlock()
		}
		_ = d.cmd.Wait()
	}()
	select {
	case <-ready:
		return d, nil
	case <-d.done:
		d.mu.Lock()
		defer d.mu.Unlock()
		return nil, fmt.Errorf("exited before listening on %s: %v", d.Addr, output)
	case <-time.After(daemonReadyBound):
		d.stop()
		return nil, fmt.Errorf("not listening on %s after %v", d.Addr, daemonReadyBound)
	}
}

// stop kills the daemon's process group and waits for the daemon.
func (d *Daemon) stop() {
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	<-d.done
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
