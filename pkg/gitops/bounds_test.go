package gitops

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetapi/fleet/test/gitserver"
)

// waitBound is how long a test waits for something that must happen; it fails the test, it never
// measures one.
const waitBound = 30 * time.Second

// setBound sets a package timeout for the test.
func setBound(t *testing.T, v *time.Duration, d time.Duration) {
	t.Helper()
	old := *v
	*v = d
	t.Cleanup(func() { *v = old })
}

// silentSSH is an "SSH server" on 127.0.0.1 that accepts connections and never speaks.
type silentSSH struct {
	addr     string
	accepted chan struct{}
	mu       sync.Mutex
	conns    []net.Conn
	ln       net.Listener
}

func newSilentSSH(t *testing.T) *silentSSH {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentSSH{addr: ln.Addr().String(), accepted: make(chan struct{}, 16), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.accepted <- struct{}{}
		}
	}()
	t.Cleanup(s.hangUp)
	return s
}

// hangUp closes the listener and every connection it accepted.
func (s *silentSSH) hangUp() {
	_ = s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

func (s *silentSSH) url() string { return "ssh://git@" + s.addr + "/app.git" }

// creds are a valid key and known_hosts for the server (whose host key is never presented).
func (s *silentSSH) creds(t *testing.T) Credentials {
	key, _ := gitserver.NewSSHKey(t)
	_, hostKey := gitserver.NewSSHKey(t)
	return Credentials{Secret: "git-ssh", SSHPrivateKey: key, KnownHosts: []byte(gitserver.KnownHostsLine(s.addr, hostKey) + "\n")}
}

func (s *silentSSH) waitAccepted(t *testing.T) {
	t.Helper()
	select {
	case <-s.accepted:
	case <-time.After(waitBound):
		t.Fatalf("no connection reached %s", s.addr)
	}
}

// await returns the value of ch, failing the test if none comes within waitBound.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitBound):
		t.Fatalf("%s did not return within %s", what, waitBound)
		panic("unreachable")
	}
}

type refsResult struct {
	refs map[string]string
	err  error
}

// refsAsync gets a fetcher from fs (For, too, must not block) and lists its refs in a goroutine.
func refsAsync(ctx context.Context, fs *Fetchers, url string, creds Credentials) <-chan refsResult {
	ch := make(chan refsResult, 1)
	go func() {
		refs, err := fs.For(url, creds).Refs(ctx, time.Second, time.Second)
		ch <- refsResult{refs, err}
	}()
	return ch
}

// TestSSHHandshakeIsBounded: a server that accepts and never speaks holds neither ls-remote nor
// clone past their bounds (go-git runs the handshake without the caller's context).
func TestSSHHandshakeIsBounded(t *testing.T) {
	s := newSilentSSH(t)
	creds := s.creds(t)
	setBound(t, &lsRemoteTimeout, 500*time.Millisecond)
	setBound(t, &cloneTimeout, 500*time.Millisecond)

	fs, _ := newFakeFetchers(time.Minute)
	res := await(t, refsAsync(context.Background(), fs, s.url(), creds), "ls-remote of a silent SSH server")
	if res.err == nil || gitReason(res.err) != ReasonRepositoryUnreachable || !errors.Is(res.err, context.DeadlineExceeded) ||
		!strings.Contains(res.err.Error(), "ls-remote did not finish within 500ms") {
		t.Fatalf("ls-remote: want an unreachable timeout, got %v", res.err)
	}

	type cloneResult struct{ err error }
	done := make(chan cloneResult, 1)
	go func() {
		_, _, err := checkout(context.Background(), t.TempDir(), s.url(), creds, target{ref: "refs/heads/main"})
		done <- cloneResult{err}
	}()
	err := await(t, done, "clone from a silent SSH server").err
	if gitReason(err) != ReasonCloneFailed || !strings.Contains(err.Error(), "clone did not finish within 500ms") {
		t.Fatalf("clone: want CloneFailed after 500ms, got %v", err)
	}
	// Both reached the server: what the bound stopped was the handshake, not the dial.
	s.waitAccepted(t)
	s.waitAccepted(t)
}

// TestHungFetcherBlocksNobodyElse: while one repository's ls-remote hangs, the pool still hands out
// fetchers and other repositories are polled; a second caller of the hung one gives up with its
// own context, and joins the one ls-remote in progress rather than starting another.
func TestHungFetcherBlocksNobodyElse(t *testing.T) {
	s := newSilentSSH(t)
	setBound(t, &lsRemoteTimeout, time.Hour) // hung for the whole test, until the server hangs up
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "other")
	commit := repo.Commit("one", map[string]string{"cm.yaml": configMap})

	fs, _ := newFakeFetchers(time.Minute)
	creds := s.creds(t)
	hung := fs.For(s.url(), creds)
	first := refsAsync(context.Background(), fs, s.url(), creds)
	s.waitAccepted(t)

	other := refsAsync(context.Background(), fs, repo.URL, Credentials{})
	if res := await(t, other, "ls-remote of another repository while one hangs"); res.err != nil || res.refs["refs/heads/main"] != commit {
		t.Fatalf("other repository: refs %v, err %v", res.refs, res.err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	second := refsAsync(ctx, fs, s.url(), creds)
	cancel()
	if res := await(t, second, "a waiter whose context is cancelled"); !errors.Is(res.err, context.Canceled) {
		t.Fatalf("waiter: want context.Canceled, got %v", res.err)
	}
	select {
	case res := <-first:
		t.Fatalf("the hung ls-remote returned early: %v", res.err)
	default:
	}
	if n := len(hung.Attempts()); n != 1 {
		t.Fatalf("%d ls-remotes started on the hung repository, want 1 (single-flight)", n)
	}

	s.hangUp()
	if res := await(t, first, "the hung ls-remote after the server hung up"); res.err == nil {
		t.Fatal("want an error once the server hangs up")
	}
}

// TestCloneOfAStallingServerIsBounded: an HTTP server that advertises the refs and then stalls
// the pack (headers sent, no body) does not hold a clone past cloneTimeout.
func TestCloneOfAStallingServerIsBounded(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{"app/cm.yaml": configMap})
	upstream, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(upstream)
	release := make(chan struct{})
	stalled := make(chan struct{}, 4)
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			pass.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		stalled <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(stall.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets the handler return before Close waits
	setBound(t, &cloneTimeout, 500*time.Millisecond)

	done := make(chan error, 1)
	go func() {
		_, _, err := checkout(context.Background(), t.TempDir(), stall.URL+"/app.git", Credentials{}, target{ref: "refs/heads/main", commit: commit})
		done <- err
	}()
	err = await(t, done, "clone from a stalling server")
	if len(stalled) == 0 {
		t.Fatalf("the clone never reached the stalled pack request: %v", err)
	}
	if gitReason(err) != ReasonCloneFailed || !errors.Is(err, context.DeadlineExceeded) ||
		!strings.Contains(err.Error(), "clone did not finish within 500ms") {
		t.Fatalf("want CloneFailed: clone did not finish within 500ms, got %v", err)
	}
}
