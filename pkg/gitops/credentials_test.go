package gitops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/test/gitserver"
)

// fakeSecrets is the SecretGetter seam: Secrets by name, or err for every read.
type fakeSecrets struct {
	secrets map[string]*corev1.Secret
	err     error
}

var _ controller.SecretGetter = fakeSecrets{}

func (f fakeSecrets) GetSecret(_ context.Context, ns, name string) (*corev1.Secret, error) {
	if f.err != nil {
		return nil, f.err
	}
	s, ok := f.secrets[ns+"/"+name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	return s, nil
}

const (
	testPassword = "s3cr3t-pa55"
	sshURL       = "ssh://git@git.example.com:2222/org/app.git"
	httpsURL     = "https://git.example.com/org/app.git"
)

func secret(name string, typ corev1.SecretType, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Type: typ, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestResolveCredentials(t *testing.T) {
	key, _ := gitserver.NewSSHKey(t)
	_, hostKey := gitserver.NewSSHKey(t)
	knownHosts := gitserver.KnownHostsLine("git.example.com:2222", hostKey)
	secrets := fakeSecrets{secrets: map[string]*corev1.Secret{}}
	for _, s := range []*corev1.Secret{
		secret("basic", corev1.SecretTypeBasicAuth, map[string]string{"username": "fleet", "password": testPassword}),
		secret("basic-no-password", corev1.SecretTypeBasicAuth, map[string]string{"username": "fleet"}),
		secret("ssh", corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": string(key), "known_hosts": knownHosts}),
		secret("ssh-no-known-hosts", corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": string(key)}),
		secret("ssh-bad-known-hosts", corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": string(key), "known_hosts": "# ok\nnot a host key line\n"}),
		secret("ssh-bad-key", corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": testPassword, "known_hosts": knownHosts}),
		secret("opaque", corev1.SecretTypeOpaque, map[string]string{"password": testPassword}),
	} {
		secrets.secrets["ns/"+s.Name] = s
	}
	tests := []struct {
		name, repo, secret string
		getter             controller.SecretGetter // default: secrets
		reason             string                  // "" for success
		generic            bool                    // a transient error, not stalling
		msg                []string                // the message must contain these
		check              func(t *testing.T, c Credentials)
	}{
		{name: "no secret over https", repo: httpsURL},
		{name: "no secret over git://", repo: "git://git.example.com/app.git"},
		{name: "no secret over ssh", repo: sshURL, reason: ReasonCredentialsUnavailable, msg: []string{"SSH URL", "clientSecretName", "known_hosts"}},
		{name: "scp-like URL without secret", repo: "git@git.example.com:org/app.git", reason: ReasonCredentialsUnavailable, msg: []string{"SSH URL"}},
		{name: "file URL", repo: "file:///etc/app.git", reason: ReasonInvalidSpec, msg: []string{"file transport is not supported"}},
		{name: "local path", repo: "/var/lib/app.git", reason: ReasonInvalidSpec, msg: []string{"not supported"}},
		{name: "standalone", repo: httpsURL, secret: "basic", getter: controller.NoSecrets{}, reason: ReasonCredentialsUnavailable,
			msg: []string{`"basic"`, "standalone mode"}},
		{name: "missing secret", repo: httpsURL, secret: "nope", reason: ReasonCredentialsUnavailable, msg: []string{"ns/nope not found"}},
		{name: "forbidden", repo: httpsURL, secret: "basic", reason: ReasonCredentialsUnavailable, msg: []string{"may not read"},
			getter: fakeSecrets{err: apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "basic", errors.New("no RBAC"))}},
		{name: "API unreachable", repo: httpsURL, secret: "basic", reason: ReasonCredentialsUnavailable, generic: true,
			getter: fakeSecrets{err: errors.New("connection refused")}},
		{name: "basic-auth", repo: httpsURL, secret: "basic", check: func(t *testing.T, c Credentials) {
			if c.Username != "fleet" || c.Password != testPassword || c.Secret != "basic" {
				t.Fatalf("credentials %+v", c)
			}
		}},
		{name: "basic-auth without password", repo: httpsURL, secret: "basic-no-password", reason: ReasonCredentialsUnavailable,
			msg: []string{`"basic-no-password"`, `no key "password"`}},
		{name: "basic-auth for ssh", repo: sshURL, secret: "basic", reason: ReasonCredentialsUnavailable, msg: []string{"not ssh://"}},
		{name: "ssh-auth", repo: sshURL, secret: "ssh", check: func(t *testing.T, c Credentials) {
			if string(c.SSHPrivateKey) != string(key) || string(c.KnownHosts) != knownHosts {
				t.Fatal("the key and known_hosts of the secret must be used")
			}
		}},
		{name: "ssh-auth for scp-like", repo: "git@git.example.com:org/app.git", secret: "ssh"},
		{name: "ssh-auth for https", repo: httpsURL, secret: "ssh", reason: ReasonCredentialsUnavailable, msg: []string{"authenticates SSH URLs"}},
		{name: "ssh-auth for git://", repo: "git://git.example.com/app.git", secret: "ssh", reason: ReasonCredentialsUnavailable},
		{name: "ssh-auth without known_hosts", repo: sshURL, secret: "ssh-no-known-hosts", reason: ReasonCredentialsUnavailable,
			msg: []string{`no key "known_hosts"`, "never accepted unchecked"}},
		{name: "ssh-auth with a bad known_hosts line", repo: sshURL, secret: "ssh-bad-known-hosts", reason: ReasonCredentialsUnavailable,
			msg: []string{`key "known_hosts": line 2`}},
		{name: "ssh-auth with a bad key", repo: sshURL, secret: "ssh-bad-key", reason: ReasonCredentialsUnavailable,
			msg: []string{`key "ssh-privatekey" is not a private key`}},
		{name: "opaque secret", repo: httpsURL, secret: "opaque", reason: ReasonCredentialsUnavailable, msg: []string{"kubernetes.io/basic-auth or kubernetes.io/ssh-auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reconciler{secrets: secrets}
			if tt.getter != nil {
				r.secrets = tt.getter
			}
			gr := &v1alpha1.GitRepo{
				ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "ns"},
				Spec:       v1alpha1.GitRepoSpec{Repo: tt.repo, ClientSecretName: tt.secret, CABundle: []byte("ca"), InsecureSkipTLSverify: true},
			}
			creds, err := r.resolveCredentials(context.Background(), gr)
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if string(creds.CABundle) != "ca" || !creds.InsecureSkipTLS {
					t.Fatalf("caBundle and insecureSkipTLSVerify must be kept: %+v", creds)
				}
				if tt.check != nil {
					tt.check(t, creds)
				}
				return
			}
			if controller.ReasonOf(err) != tt.reason || controller.IsStalling(err) == tt.generic {
				t.Fatalf("err = %#v (%v), want reason %s, stalling %t", err, err, tt.reason, !tt.generic)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
			if strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Fatalf("message shows a secret value: %v", err)
			}
		})
	}
}

func TestCredentialsDoNotPrintSecrets(t *testing.T) {
	key, _ := gitserver.NewSSHKey(t)
	for _, c := range []Credentials{
		{Secret: "basic", Username: "fleet", Password: testPassword},
		{Secret: "ssh", SSHPrivateKey: key, KnownHosts: []byte("known")},
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, c); strings.Contains(out, testPassword) || strings.Contains(out, "PRIVATE KEY") || !strings.Contains(out, c.Secret) {
				t.Fatalf("%s of credentials = %s", verb, out)
			}
		}
	}
}

func TestFetcherKeyFollowsTheCredentials(t *testing.T) {
	fs, _ := newFakeFetchers(0)
	key1, _ := gitserver.NewSSHKey(t)
	key2, _ := gitserver.NewSSHKey(t)
	base := Credentials{Secret: "s", SSHPrivateKey: key1, KnownHosts: []byte("a")}
	f := fs.For(sshURL, base)
	if fs.For(sshURL, base) != f {
		t.Fatal("the same credentials must share a fetcher")
	}
	changed := []Credentials{
		{Secret: "s", SSHPrivateKey: key2, KnownHosts: []byte("a")},
		{Secret: "s", SSHPrivateKey: key1, KnownHosts: []byte("b")},
		{Secret: "s", Username: "u", Password: "p1"},
		{Secret: "s", Username: "u", Password: "p2"},
		{Secret: "s", SSHPrivateKey: key1, KnownHosts: []byte("a"), CABundle: []byte("ca")},
	}
	seen := map[*Fetcher]bool{f: true}
	for i, c := range changed {
		g := fs.For(sshURL, c)
		if seen[g] {
			t.Fatalf("credentials %d share a fetcher with others", i)
		}
		seen[g] = true
	}
	if d := base.digest(sshURL); strings.Contains(d, string(key1)) || len(d) != 64 {
		t.Fatalf("the key of a fetcher is a digest: %s", d)
	}
}

func TestTransportOf(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://git.example.com/org/app.git", "https"},
		{"http://u:p@git.example.com/org/app.git", "http"},
		{"ssh://git@git.example.com:2222/org/app.git", "ssh"},
		{"git@github.com:org/app.git", "ssh"},
		{"git://git.example.com:9418/app.git", "git"},
		{"file:///srv/app.git", ""},
		{"/srv/app.git", ""},
		{"./app", ""},
	}
	for _, tt := range tests {
		got, err := transportOf(tt.url)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("transportOf(%s) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
	if _, err := transportOf("file://u:pw@h/x"); err == nil || strings.Contains(err.Error(), "pw@") {
		t.Fatalf("the message must not show a password: %v", err)
	}
}
