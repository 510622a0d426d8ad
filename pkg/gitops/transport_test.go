package gitops

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/fleetapi/fleet/test/gitserver"
)

// fetchAndCheckout lists the refs of url through a new Fetcher and clones main; it returns the
// commit of both, or the error of the first that failed.
func fetchAndCheckout(t *testing.T, url string, creds Credentials) (string, error) {
	t.Helper()
	fs, _ := newFakeFetchers(time.Minute)
	refs, err := fs.For(url, creds).Refs(context.Background(), time.Second, time.Second)
	if err != nil {
		return "", err
	}
	commit := refs["refs/heads/main"]
	dir, got, err := checkout(context.Background(), t.TempDir(), url, creds, target{ref: "refs/heads/main", commit: commit})
	if err != nil {
		return "", err
	}
	if got != commit {
		t.Fatalf("checked out %s, ls-remote said %s", got, commit)
	}
	if _, err := os.Stat(dir + "/app/cm.yaml"); err != nil {
		t.Fatalf("checkout lacks app/cm.yaml: %v", err)
	}
	return got, nil
}

// sshFixture is a repository served over SSH (and HTTP) with an authorized client key.
type sshFixture struct {
	sshd   *gitserver.SSHServer
	commit string
	key    []byte
}

func newSSHFixture(t *testing.T) sshFixture {
	t.Helper()
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{"app/cm.yaml": configMap})
	key, pub := gitserver.NewSSHKey(t)
	return sshFixture{sshd: gitserver.NewSSH(t, srv.Root, pub), commit: commit, key: key}
}

func (f sshFixture) creds(knownHosts string) Credentials {
	return Credentials{Secret: "git-ssh", SSHPrivateKey: f.key, KnownHosts: []byte("# pinned\n" + knownHosts + "\n")}
}

func TestSSHWithKnownHosts(t *testing.T) {
	f := newSSHFixture(t)
	got, err := fetchAndCheckout(t, f.sshd.RepoURL("app"), f.creds(f.sshd.KnownHosts()))
	if err != nil {
		t.Fatal(err)
	}
	if got != f.commit {
		t.Fatalf("commit %s, want %s", got, f.commit)
	}
	attempts := f.sshd.Attempts()
	if len(attempts) != 2 {
		t.Fatalf("want an ls-remote and a clone connection, got %+v", attempts)
	}
	for _, a := range attempts {
		if !a.Authenticated || a.User != "git" || len(a.Commands) != 1 || a.Commands[0] != "git-upload-pack '/app.git'" {
			t.Fatalf("attempt %+v: want user git authenticated running git-upload-pack '/app.git'", a)
		}
	}
}

// TestSSHScpLikeURL: git@host:path reaches the server like ssh://; the host is mapped to the test
// server through go-git's ssh_config seam, since the scp-like form cannot name a port.
func TestSSHScpLikeURL(t *testing.T) {
	f := newSSHFixture(t)
	host, port, _ := net.SplitHostPort(f.sshd.Addr)
	old := gitssh.DefaultSSHConfig
	gitssh.DefaultSSHConfig = sshConfig{"git.fleet.test": {"Hostname": host, "Port": port}}
	t.Cleanup(func() { gitssh.DefaultSSHConfig = old })
	got, err := fetchAndCheckout(t, "git@git.fleet.test:app.git", f.creds(f.sshd.KnownHosts()))
	if err != nil {
		t.Fatal(err)
	}
	if got != f.commit {
		t.Fatalf("commit %s, want %s", got, f.commit)
	}
	if a := f.sshd.Attempts(); len(a) == 0 || a[0].Commands[0] != "git-upload-pack 'app.git'" {
		t.Fatalf("attempts %+v", a)
	}
}

type sshConfig map[string]map[string]string

func (c sshConfig) Get(alias, key string) string { return c[alias][key] }

func TestSSHRefusesAWrongHostKey(t *testing.T) {
	f := newSSHFixture(t)
	_, otherHostKey := gitserver.NewSSHKey(t)
	wrongKey := gitserver.KnownHostsLine(f.sshd.Addr, otherHostKey)
	otherHost := gitserver.KnownHostsLine("127.0.0.1:1", f.sshd.HostKey)
	for _, tt := range []struct {
		name, knownHosts, reason string
	}{
		{"other key for the host", wrongKey, ReasonHostKeyMismatch},
		{"host not listed", otherHost, ReasonHostKeyUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.sshd.Attempts())
			creds := f.creds(tt.knownHosts)
			fs, _ := newFakeFetchers(time.Minute)
			_, err := fs.For(f.sshd.RepoURL("app"), creds).Refs(context.Background(), time.Second, time.Second)
			if got := gitReason(err); got != tt.reason {
				t.Fatalf("ls-remote: reason %s (%v), want %s", got, err, tt.reason)
			}
			hostField := "[127.0.0.1]:" + strings.Split(f.sshd.Addr, ":")[1]
			if !strings.Contains(err.Error(), hostField) || !strings.Contains(err.Error(), "SHA256:") {
				t.Fatalf("the message must name the host as known_hosts does and the key presented: %v", err)
			}
			_, _, err = checkout(context.Background(), t.TempDir(), f.sshd.RepoURL("app"), creds, target{ref: "refs/heads/main"})
			if got := gitReason(err); got != tt.reason {
				t.Fatalf("clone: reason %s (%v), want %s", got, err, tt.reason)
			}
			attempts := f.sshd.Attempts()[before:]
			if len(attempts) != 2 {
				t.Fatalf("want 2 connections, got %+v", attempts)
			}
			for _, a := range attempts {
				if a.KeysOffered != 0 || len(a.Commands) != 0 {
					t.Fatalf("the client key must not be offered to a server it does not trust: %+v", a)
				}
			}
		})
	}
}

func TestSSHWrongKeyIsAnAuthenticationFailure(t *testing.T) {
	f := newSSHFixture(t)
	creds := f.creds(f.sshd.KnownHosts())
	creds.SSHPrivateKey, _ = gitserver.NewSSHKey(t)
	_, err := fetchAndCheckout(t, f.sshd.RepoURL("app"), creds)
	if got := gitReason(err); got != ReasonAuthenticationFailed {
		t.Fatalf("reason %s (%v), want %s", got, err, ReasonAuthenticationFailed)
	}
	if a := f.sshd.Attempts(); len(a) != 1 || a[0].KeysOffered == 0 || a[0].Authenticated {
		t.Fatalf("want one refused key, got %+v", a)
	}
}

func TestSSHWithoutKnownHostsIsRefusedBeforeConnecting(t *testing.T) {
	f := newSSHFixture(t)
	_, err := fetchAndCheckout(t, f.sshd.RepoURL("app"), Credentials{Secret: "git-ssh", SSHPrivateKey: f.key})
	if got := gitReason(err); got != ReasonCredentialsUnavailable || !strings.Contains(err.Error(), `"known_hosts"`) {
		t.Fatalf("reason %s (%v), want %s naming known_hosts", got, err, ReasonCredentialsUnavailable)
	}
	if _, err := fetchAndCheckout(t, f.sshd.RepoURL("app"), Credentials{}); gitReason(err) != ReasonCredentialsUnavailable {
		t.Fatalf("an SSH URL without a key must not fall back to the agent or ~/.ssh: %v", err)
	}
	if a := f.sshd.Attempts(); len(a) != 0 {
		t.Fatalf("nothing may reach the server: %+v", a)
	}
}

func TestGitDaemon(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{"app/cm.yaml": configMap})
	d := gitserver.NewDaemon(t, srv.Root)
	got, err := fetchAndCheckout(t, d.RepoURL("app"), Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	if got != commit {
		t.Fatalf("commit %s, want %s", got, commit)
	}
	reqs := d.WaitRequests(t, 2)
	if len(reqs) != 2 || reqs[0].Service != "upload-pack" || reqs[0].Path != "/app.git" {
		t.Fatalf("daemon requests %+v, want 2 upload-packs of /app.git", reqs)
	}
	fs, _ := newFakeFetchers(time.Minute)
	if _, err := fs.For(d.RepoURL("nope"), Credentials{}).Refs(context.Background(), time.Second, time.Second); err == nil {
		t.Fatal("a missing repository must fail")
	}
}

func TestHTTPSCABundle(t *testing.T) {
	srv := gitserver.NewHTTP(t, gitserver.WithTLS())
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{"app/cm.yaml": configMap})
	if !strings.HasPrefix(repo.URL, "https://127.0.0.1:") {
		t.Fatalf("repo URL %s is not HTTPS", repo.URL)
	}
	for _, tt := range []struct {
		name  string
		creds Credentials
		ok    bool
	}{
		{"system roots only", Credentials{}, false},
		{"caBundle of another CA", Credentials{CABundle: otherCA(t)}, false},
		{"caBundle", Credentials{CABundle: srv.CACert()}, true},
		{"insecureSkipTLSVerify", Credentials{InsecureSkipTLS: true}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fetchAndCheckout(t, repo.URL, tt.creds)
			if !tt.ok {
				if err == nil || gitReason(err) != ReasonRepositoryUnreachable || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("want a certificate error, got %v", err)
				}
				return
			}
			if err != nil || got != commit {
				t.Fatalf("got %s, %v; want %s", got, err, commit)
			}
		})
	}
}

// otherCA returns a self-signed CA certificate (PEM) that signed nothing the servers use.
func otherCA(t *testing.T) []byte {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// proxyChildEnv, when set, makes TestHTTPProxyFromEnvironment the process under test: it fetches
// and clones the URL in the variable and prints the outcome. Go reads the proxy variables once per
// process, so each case needs a process of its own.
const proxyChildEnv = "FLEET_TEST_PROXY_CHILD_URL"

// TestHTTPProxyFromEnvironment: HTTP_PROXY and HTTPS_PROXY carry ls-remote and clone, NO_PROXY
// bypasses them. The repository's host name does not resolve; only the proxy knows it.
func TestHTTPProxyFromEnvironment(t *testing.T) {
	if u := os.Getenv(proxyChildEnv); u != "" {
		creds := Credentials{CABundle: []byte(os.Getenv(proxyChildEnv + "_CA"))}
		got, err := fetchAndCheckout(t, u, creds)
		if err != nil {
			t.Logf("proxy-child: error %s: %v", gitReason(err), err)
			os.Stdout.WriteString("proxy-child-result: " + gitReason(err) + "\n")
			return
		}
		os.Stdout.WriteString("proxy-child-result: ok " + got + "\n")
		return
	}
	plain := gitserver.NewHTTP(t)
	repo := plain.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{"app/cm.yaml": configMap})
	tlsSrv := gitserver.NewHTTP(t, gitserver.WithTLS())
	tlsRepo := tlsSrv.NewRepo(t, "app")
	tlsCommit := tlsRepo.Commit("one", map[string]string{"app/cm.yaml": configMap})
	plainAddr, tlsAddr := hostOf(t, plain.URL), hostOf(t, tlsSrv.URL)
	// The test certificate is for example.com; the proxy routes that name to the TLS server.
	proxy := gitserver.NewProxy(t, map[string]string{"git.fleet.test": plainAddr, "example.com": tlsAddr})
	plainURL := "http://git.fleet.test:" + portOf(plainAddr) + "/app.git"
	tlsURL := "https://example.com:" + portOf(tlsAddr) + "/app.git"

	tests := []struct {
		name, url, ca, want string
		env                 []string
		viaProxy            bool
	}{
		{name: "HTTP_PROXY", url: plainURL, want: "ok " + commit, env: []string{"HTTP_PROXY=" + proxy.URL}, viaProxy: true},
		{name: "HTTPS_PROXY with caBundle", url: tlsURL, ca: string(tlsSrv.CACert()), want: "ok " + tlsCommit,
			env: []string{"HTTPS_PROXY=" + proxy.URL}, viaProxy: true},
		{name: "NO_PROXY", url: plainURL, want: ReasonRepositoryUnreachable,
			env: []string{"HTTP_PROXY=" + proxy.URL, "NO_PROXY=.fleet.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(proxy.Requests())
			out := runProxyChild(t, tt.url, tt.ca, tt.env)
			if !strings.Contains(out, "proxy-child-result: "+tt.want+"\n") {
				t.Fatalf("want %q, child said:\n%s", tt.want, out)
			}
			reqs := proxy.Requests()[before:]
			if !tt.viaProxy {
				if len(reqs) != 0 {
					t.Fatalf("NO_PROXY must bypass the proxy, it saw %+v", reqs)
				}
				return
			}
			u, _ := url.Parse(tt.url)
			if len(reqs) < 2 {
				t.Fatalf("want the ls-remote and the clone through the proxy, it saw %+v", reqs)
			}
			for _, r := range reqs {
				if r.Host != u.Host {
					t.Fatalf("proxy request %+v, want host %s", r, u.Host)
				}
			}
		})
	}
}

func runProxyChild(t *testing.T, u, ca string, env []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHTTPProxyFromEnvironment$", "-test.count=1", "-test.v")
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasSuffix(strings.ToLower(name), "_proxy") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, proxyChildEnv+"="+u, proxyChildEnv+"_CA="+ca)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return string(out)
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}
