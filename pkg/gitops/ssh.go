package gitops

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	"golang.org/x/net/proxy"

	"github.com/fleetapi/fleet/pkg/redact"
)

// defaultSSHUser is the user of an SSH URL that names none, as in Fleet.
const defaultSSHUser = "git"

// sshAuth is go-git's public-key authentication with a connect timeout. go-git dials SSH without
// the caller's context: the timeout bounds the TCP dial only, the rest of the handshake is bounded
// by sshDial.
type sshAuth struct {
	*gitssh.PublicKeys
	timeout time.Duration
}

var _ gitssh.AuthMethod = (*sshAuth)(nil)

// ClientConfig returns the configuration of go-git's PublicKeys with the timeout.
func (a *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	cfg, err := a.PublicKeys.ClientConfig()
	if err != nil {
		return nil, err
	}
	cfg.Timeout = a.timeout
	return cfg, nil
}

// sshAuth returns the public-key authentication for repo, checking the server's host key against
// c.KnownHosts. Without a key or known_hosts it fails: there is no fallback to the SSH agent or to
// host keys accepted unchecked.
func (c Credentials) sshAuth(repo string) (transport.AuthMethod, error) {
	if err := c.checkSSH(); err != nil {
		return nil, &GitError{Reason: ReasonCredentialsUnavailable, Err: err}
	}
	ep, err := transport.NewEndpoint(repo)
	if err != nil {
		return nil, &GitError{Reason: ReasonInvalidSpec, Err: redact.Error(err)}
	}
	user := ep.User
	if user == "" {
		user = defaultSSHUser
	}
	keys, err := gitssh.NewPublicKeys(user, c.SSHPrivateKey, "")
	if err != nil {
		return nil, &GitError{Reason: ReasonCredentialsUnavailable, Err: c.keyError(err)}
	}
	port := ep.Port
	if port <= 0 {
		port = gitssh.DefaultPort
	}
	// The key types known_hosts lists for the host are offered first, so that the server presents
	// one of them rather than another key it also has.
	keys.HostKeyCallback, keys.HostKeyAlgorithms, err = knownHostsCheck(c.KnownHosts, net.JoinHostPort(ep.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, &GitError{Reason: ReasonCredentialsUnavailable, Err: fmt.Errorf("%s: %w", c.what(KnownHostsKey), err)}
	}
	return &sshAuth{PublicKeys: keys, timeout: lsRemoteTimeout}, nil
}

// checkSSH checks that the private key parses and known_hosts holds at least one valid line. Its
// messages name the Secret and the key, never the value.
func (c Credentials) checkSSH() error {
	if len(c.SSHPrivateKey) == 0 {
		return fmt.Errorf("%s is missing: an SSH URL needs a private key", c.what("ssh-privatekey"))
	}
	if _, err := ssh.ParsePrivateKey(c.SSHPrivateKey); err != nil {
		return c.keyError(err)
	}
	if len(c.KnownHosts) == 0 {
		return fmt.Errorf("%s is missing: the SSH server's host key must be pinned", c.what(KnownHostsKey))
	}
	n, err := countKnownHosts(c.KnownHosts)
	if err != nil {
		return fmt.Errorf("%s: %w", c.what(KnownHostsKey), err)
	}
	if n == 0 {
		return fmt.Errorf("%s holds no host key", c.what(KnownHostsKey))
	}
	return nil
}

// what names a key of the credentials' Secret in messages.
func (c Credentials) what(key string) string {
	if c.Secret == "" {
		return key
	}
	return fmt.Sprintf("secret %q key %q", c.Secret, key)
}

// keyError explains why the private key cannot be used, without quoting the parser (whose
// messages are not promised to leave the key out).
func (c Credentials) keyError(err error) error {
	var pm *ssh.PassphraseMissingError
	if errors.As(err, &pm) {
		return fmt.Errorf("%s is protected by a passphrase, which is not supported", c.what("ssh-privatekey"))
	}
	return fmt.Errorf("%s is not a private key in a format that can be read (OpenSSH, PKCS#1, PKCS#8 or SEC 1 PEM)", c.what("ssh-privatekey"))
}

// countKnownHosts counts the host key lines of a known_hosts file, failing with the number of the
// first invalid line.
func countKnownHosts(data []byte) (int, error) {
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, _, _, _, _, err := ssh.ParseKnownHosts([]byte(line)); err != nil {
			return n, fmt.Errorf("line %d is not a known_hosts entry", i+1)
		}
		n++
	}
	return n, nil
}

// knownHostsCheck returns the host key callback of known_hosts lines and the key types they list
// for hostWithPort. It parses them with the library go-git uses for ~/.ssh/known_hosts, which
// reads only files: through a temporary file, removed at once (the lines are public keys).
func knownHostsCheck(data []byte, hostWithPort string) (ssh.HostKeyCallback, []string, error) {
	f, err := os.CreateTemp("", "fleet-known-hosts-")
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if err := f.Close(); err != nil {
		return nil, nil, err
	}
	db, err := gitssh.NewKnownHostsDb(f.Name())
	if err != nil {
		return nil, nil, errors.New("cannot be parsed as known_hosts")
	}
	return checkHostKey(db.HostKeyCallback()), db.HostKeyAlgorithms(hostWithPort), nil
}

// HostKeyError is the refusal of an SSH server's host key: known_hosts lists other keys for the
// host (Reason HostKeyMismatch, also for a revoked key) or does not list the host (HostKeyUnknown).
type HostKeyError struct {
	Reason string
	// Host is the server as known_hosts names it: "host" on port 22, "[host]:port" otherwise.
	Host string
	// Key is the type and SHA256 fingerprint of the key the server presented.
	Key string
	Err error
}

func (e *HostKeyError) Error() string {
	switch e.Reason {
	case ReasonHostKeyUnknown:
		return fmt.Sprintf("host key of %s (%s) refused: known_hosts has no entry for this host", e.Host, e.Key)
	default:
		return fmt.Sprintf("host key of %s (%s) refused: it does not match the key known_hosts lists for this host (%v)", e.Host, e.Key, e.Err)
	}
}

// Unwrap returns the error of the known_hosts check.
func (e *HostKeyError) Unwrap() error { return e.Err }

// checkHostKey wraps a known_hosts callback so that a refusal is a *HostKeyError naming the host
// and the key it presented.
func checkHostKey(cb ssh.HostKeyCallback) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(hostname, remote, key)
		if err == nil {
			return nil
		}
		he := &HostKeyError{Reason: ReasonHostKeyMismatch, Host: knownhosts.Normalize(hostname),
			Key: key.Type() + " " + ssh.FingerprintSHA256(key), Err: err}
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) && len(ke.Want) == 0 {
			he.Reason = ReasonHostKeyUnknown
		}
		return he
	}
}

// boundedDialScheme is the proxy URL scheme of sshDial's dialer.
const boundedDialScheme = "fleet-bounded-dial"

// boundedDials holds the contexts of the SSH calls in progress, by the id sshDial puts in the
// proxy URL.
var (
	boundedDials  sync.Map // string → context.Context
	boundedDialID atomic.Uint64
)

func init() {
	proxy.RegisterDialerType(boundedDialScheme, func(u *url.URL, _ proxy.Dialer) (proxy.Dialer, error) {
		ctx, ok := boundedDials.Load(u.Host)
		if !ok {
			return nil, fmt.Errorf("ssh dial %s: the call has ended", u.Host)
		}
		return boundedDialer{ctx: ctx.(context.Context)}, nil
	})
}

// sshDial returns the go-git proxy options that make the SSH connection of repo obey ctx, and a
// function to call when the git operation has returned. For other transports it returns none.
//
// go-git v5 runs the SSH handshake (ssh.NewClientConn) on a connection without a deadline and
// without the caller's context, and offers no dialer to plug in; only its proxy dialer, looked up
// by URL scheme in golang.org/x/net/proxy, sees the connection. So the "proxy" here is no proxy:
// it dials as go-git would (proxy.Dial, which honours ALL_PROXY), gives the connection ctx's deadline and closes it when ctx is done.
// The handshake, and everything after it, cannot outlast ctx, and no goroutine is left behind.
func sshDial(ctx context.Context, repo string) (transport.ProxyOptions, func()) {
	if kind, err := transportOf(repo); err != nil || kind != transportSSH {
		return transport.ProxyOptions{}, func() {}
	}
	id := strconv.FormatUint(boundedDialID.Add(1), 10)
	boundedDials.Store(id, ctx)
	return transport.ProxyOptions{URL: boundedDialScheme + "://" + id}, func() { boundedDials.Delete(id) }
}

// boundedDialer dials TCP connections bound to ctx (see sshDial).
type boundedDialer struct{ ctx context.Context }

var _ proxy.ContextDialer = boundedDialer{}

// Dial is DialContext without a dial context of its own.
func (d boundedDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext dials addr within dialCtx and d.ctx; the connection gets d.ctx's deadline and is
// closed when d.ctx is done.
func (d boundedDialer) DialContext(dialCtx context.Context, network, addr string) (net.Conn, error) {
	dialCtx, cancel := context.WithCancel(dialCtx)
	defer cancel()
	stop := context.AfterFunc(d.ctx, cancel)
	defer stop()
	// proxy.Dial is what go-git dials with when no proxy is configured: ALL_PROXY still applies.
	conn, err := proxy.Dial(dialCtx, network, addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := d.ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	context.AfterFunc(d.ctx, func() { _ = conn.Close() })
	return conn, nil
}
