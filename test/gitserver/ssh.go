package gitserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHAttempt is one connection the SSH server received.
type SSHAttempt struct {
	Time time.Time
	User string
	// KeysOffered counts the public keys the client offered; 0 when it hung up before
	// authenticating (because it refused the server's host key, say).
	KeysOffered int
	// Authenticated is true when an offered key was authorized.
	Authenticated bool
	// Commands are the commands the client ran ("git-upload-pack '/app.git'").
	Commands []string
	// Err is why the handshake failed, "" if it did not.
	Err string
}

// SSHServer is an SSH git server on 127.0.0.1 over the bare repositories in Root. Clients
// authenticate with one of the authorized public keys; `exec` requests of git-upload-pack and
// git-receive-pack run the real git binary against Root. Every connection is recorded.
type SSHServer struct {
	// Root holds the bare repositories, NAME.git.
	Root string
	// Addr is 127.0.0.1:PORT.
	Addr string
	// HostKey is the server's (generated) ed25519 host key.
	HostKey ssh.PublicKey

	config *ssh.ServerConfig
	ln     net.Listener
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	authorized [][]byte
	conns      map[net.Conn]int // → index in attempts
	attempts   []SSHAttempt
}

// NewSSH starts an SSH git server on 127.0.0.1 serving the repositories in root (for example the
// Root of an HTTP Server, so that one Repo is served over both) to clients holding one of the
// authorized keys. It stops at cleanup.
func NewSSH(t testing.TB, root string, authorized ...ssh.PublicKey) *SSHServer {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git is not installed: %v", err)
	}
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	s := &SSHServer{Root: root, HostKey: signer.PublicKey(), conns: map[net.Conn]int{}}
	for _, k := range authorized {
		s.authorized = append(s.authorized, k.Marshal())
	}
	s.config = &ssh.ServerConfig{PublicKeyCallback: s.checkKey}
	s.config.AddHostKey(signer)
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = s.ln.Addr().String()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// RepoURL returns the ssh:// URL of repository name, as user git.
func (s *SSHServer) RepoURL(name string) string { return "ssh://git@" + s.Addr + "/" + name + ".git" }

// KnownHosts returns the known_hosts line of the server: "[127.0.0.1]:PORT ssh-ed25519 AAAA…".
func (s *SSHServer) KnownHosts() string { return KnownHostsLine(s.Addr, s.HostKey) }

// KnownHostsLine returns a known_hosts line saying that addr (host:port) has key.
func KnownHostsLine(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{addr}, key)
}

// Authorize adds key to the keys the server accepts.
func (s *SSHServer) Authorize(key ssh.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorized = append(s.authorized, key.Marshal())
}

// Attempts returns the connections received so far, oldest first.
func (s *SSHServer) Attempts() []SSHAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SSHAttempt, len(s.attempts))
	for i, a := range s.attempts {
		a.Commands = append([]string(nil), a.Commands...)
		out[i] = a
	}
	return out
}

// NewSSHKey returns a new ed25519 client key: its OpenSSH private key in PEM (the ssh-privatekey of
// a kubernetes.io/ssh-auth Secret) and its public key (to authorize).
func NewSSHKey(t testing.TB) ([]byte, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "fleet-test")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block), sshPub
}

func (s *SSHServer) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := false
	for _, k := range s.authorized {
		if bytes.Equal(k, key.Marshal()) {
			ok = true
		}
	}
	for c, i := range s.conns {
		if c.RemoteAddr().String() == meta.RemoteAddr().String() {
			s.attempts[i].User = meta.User()
			s.attempts[i].KeysOffered++
			s.attempts[i].Authenticated = s.attempts[i].Authenticated || ok
		}
	}
	if !ok {
		return nil, errors.New("unauthorized key")
	}
	return &ssh.Permissions{}, nil
}

func (s *SSHServer) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[conn] = len(s.attempts)
		s.attempts = append(s.attempts, SSHAttempt{Time: time.Now()})
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(conn)
		}()
	}
}

func (s *SSHServer) serveConn(conn net.Conn) {
	defer func() {
		_ = conn.Close()
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
	}()
	sc, chans, reqs, err := ssh.NewServerConn(conn, s.config)
	if err != nil {
		s.record(conn, func(a *SSHAttempt) { a.Err = err.Error() })
		return
	}
	defer func() { _ = sc.Close() }()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveSession(conn, ch, chReqs)
		}()
	}
}

func (s *SSHServer) record(conn net.Conn, f func(*SSHAttempt)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.conns[conn]; ok {
		f(&s.attempts[i])
	}
}

// serveSession runs the one exec request of a session and sends its exit status.
func (s *SSHServer) serveSession(conn net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer func() { _ = ch.Close() }()
	for req := range reqs {
		if req.Type != "exec" {
			if req.WantReply {
				_ = req.Reply(req.Type == "env", nil) // env (GIT_PROTOCOL) is accepted and ignored
			}
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			_ = req.Reply(false, nil)
			return
		}
		s.record(conn, func(a *SSHAttempt) { a.Commands = append(a.Commands, payload.Command) })
		_ = req.Reply(true, nil)
		code := s.run(ch, payload.Command)
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
		return
	}
}

// run runs a git-upload-pack or git-receive-pack command line with the channel as its stdio.
func (s *SSHServer) run(ch ssh.Channel, command string) uint32 {
	verb, dir, err := s.parseCommand(command)
	if err != nil {
		_, _ = fmt.Fprintf(ch.Stderr(), "fatal: %v\n", err)
		return 128
	}
	cmd := exec.CommandContext(s.ctx, "git", verb, dir)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+s.Root)
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 128
	}
	if err := cmd.Start(); err != nil {
		_, _ = fmt.Fprintf(ch.Stderr(), "fatal: %v\n", err)
		return 128
	}
	// Not waited for: the client may keep the channel open after the command is done.
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return uint32(ee.ExitCode())
	default:
		return 128
	}
}

// parseCommand maps "git-upload-pack '/NAME.git'" to ("upload-pack", ROOT/NAME.git); paths that
// leave Root or do not exist are refused with git's own message.
func (s *SSHServer) parseCommand(command string) (verb, dir string, err error) {
	prog, arg, _ := strings.Cut(command, " ")
	switch prog {
	case "git-upload-pack", "git-receive-pack":
	default:
		return "", "", fmt.Errorf("unsupported command %q", prog)
	}
	path, err := shellUnquote(arg)
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(s.Root, filepath.Clean("/"+path))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", "", fmt.Errorf("'%s' does not appear to be a git repository", path)
	}
	return strings.TrimPrefix(prog, "git-"), dir, nil
}

// shellUnquote undoes git's sq_quote: the argument is single-quoted, and a single quote inside it
// is closed, escaped with a backslash and reopened.
func shellUnquote(s string) (string, error) {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated quote in %q", s)
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		case s[0] == '\\' && len(s) > 1:
			b.WriteByte(s[1])
			s = s[2:]
		default:
			return "", fmt.Errorf("unquoted argument %q", s)
		}
	}
	return b.String(), nil
}

func (s *SSHServer) close() {
	_ = s.ln.Close()
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
