package gitops

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/redact"
)

// KnownHostsKey is the data key of a kubernetes.io/ssh-auth Secret that holds the known_hosts lines
// the SSH server's host key is checked against, as in Fleet.
const KnownHostsKey = "known_hosts"

// Credentials authenticate to one git repository. String and GoString print no secret, so a
// Credentials value cannot leak through a log line or a %v by accident.
type Credentials struct {
	// Username and Password are HTTP basic auth (a kubernetes.io/basic-auth Secret).
	Username, Password string
	// SSHPrivateKey (PEM) and KnownHosts (known_hosts lines) are from a kubernetes.io/ssh-auth Secret.
	SSHPrivateKey, KnownHosts []byte
	// Secret names the Secret the credentials came from, for messages ("" when none).
	Secret string
	// CABundle (PEM) and InsecureSkipTLS configure HTTPS.
	CABundle        []byte
	InsecureSkipTLS bool
}

// String describes the credentials without their values.
func (c Credentials) String() string {
	kind := "none"
	switch {
	case len(c.SSHPrivateKey) > 0:
		kind = "ssh-key"
	case c.Username != "" || c.Password != "":
		kind = "basic-auth"
	}
	return fmt.Sprintf("Credentials{secret=%q kind=%s caBundle=%t insecureSkipTLS=%t}", c.Secret, kind, len(c.CABundle) > 0, c.InsecureSkipTLS)
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// digest identifies url with these credentials: the key of a shared Fetcher. It is a hash, so the
// pool holds no secret in its keys, and a changed password or key gets a new Fetcher (no cached
// refs, no backoff inherited from the old credentials).
func (c Credentials) digest(url string) string {
	h := sha256.New()
	insecure := []byte{0}
	if c.InsecureSkipTLS {
		insecure[0] = 1
	}
	for _, part := range [][]byte{[]byte(url), []byte(c.Username), []byte(c.Password), c.SSHPrivateKey, c.KnownHosts, c.CABundle, insecure} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Transports of a repository URL, as go-git names them.
const (
	transportHTTP  = "http"
	transportHTTPS = "https"
	transportSSH   = "ssh"
	transportGit   = "git"
)

// transportOf returns the transport of repo: https:// and http://, ssh:// and the scp-like
// user@host:path, or git://. Local paths and file:// are refused: the controller runs inside the
// server, and a GitRepo must not read the server's own files.
func transportOf(repo string) (string, error) {
	ep, err := transport.NewEndpoint(repo)
	if err != nil {
		return "", fmt.Errorf("repo %s is not a git URL: %w", redact.URL(repo), redact.Error(err))
	}
	switch ep.Protocol {
	case transportHTTP, transportHTTPS, transportSSH, transportGit:
		return ep.Protocol, nil
	}
	return "", fmt.Errorf("repo %s: the %s transport is not supported; use https://, http://, ssh://, user@host:path or git://", redact.URL(repo), ep.Protocol)
}

// auth returns the go-git authentication for repo. An SSH URL always gets an explicit key and host
// key check: go-git's defaults (the SSH agent and ~/.ssh/known_hosts of the server's user) would
// lend the server's own identity to any GitRepo.
func (c Credentials) auth(repo string) (transport.AuthMethod, error) {
	kind, err := transportOf(repo)
	if err != nil {
		return nil, &GitError{Reason: ReasonInvalidSpec, Err: err}
	}
	switch kind {
	case transportSSH:
		return c.sshAuth(repo)
	case transportHTTP, transportHTTPS:
		if c.Username == "" && c.Password == "" {
			return nil, nil
		}
		return &githttp.BasicAuth{Username: c.Username, Password: c.Password}, nil
	default:
		return nil, nil
	}
}

// resolveCredentials reads the credentials of the GitRepo: caBundle and insecureSkipTLSVerify from
// the spec, and the Secret named by spec.clientSecretName, read again on every reconcile so that a
// changed Secret takes effect at the next poll. Problems are Stalling errors with reason
// CredentialsUnavailable (Accepted=False) whose messages name the Secret and the key, never a
// value; a failure to reach the Secrets API is a Generic error, retried.
func (r *Reconciler) resolveCredentials(ctx context.Context, gr *v1alpha1.GitRepo) (Credentials, error) {
	creds := Credentials{CABundle: gr.Spec.CABundle, InsecureSkipTLS: gr.Spec.InsecureSkipTLSverify}
	kind, err := transportOf(gr.Spec.Repo)
	if err != nil {
		return creds, controller.NewStalling(ReasonInvalidSpec, err)
	}
	name := gr.Spec.ClientSecretName
	if name == "" {
		if kind == transportSSH {
			return creds, unavailable(fmt.Errorf("repo %s is an SSH URL: set clientSecretName to a %s Secret with the keys %s and %s",
				redact.URL(gr.Spec.Repo), corev1.SecretTypeSSHAuth, corev1.SSHAuthPrivateKey, KnownHostsKey))
		}
		return creds, nil
	}
	secret, err := r.readSecret(ctx, gr.Namespace, "clientSecretName", name)
	if err != nil {
		return creds, err
	}
	creds.Secret = name
	switch secret.Type {
	case corev1.SecretTypeBasicAuth:
		if kind != transportHTTP && kind != transportHTTPS {
			return creds, unavailable(fmt.Errorf("secret %q is of type %s, which authenticates http(s) URLs, not %s", name, secret.Type, redact.URL(gr.Spec.Repo)))
		}
		user, err := secretKey(secret, corev1.BasicAuthUsernameKey)
		if err != nil {
			return creds, unavailable(err)
		}
		password, err := secretKey(secret, corev1.BasicAuthPasswordKey)
		if err != nil {
			return creds, unavailable(err)
		}
		creds.Username, creds.Password = string(user), string(password)
	case corev1.SecretTypeSSHAuth:
		if kind != transportSSH {
			return creds, unavailable(fmt.Errorf("secret %q is of type %s, which authenticates SSH URLs, not %s", name, secret.Type, redact.URL(gr.Spec.Repo)))
		}
		if creds.SSHPrivateKey, err = secretKey(secret, corev1.SSHAuthPrivateKey); err != nil {
			return creds, unavailable(err)
		}
		if creds.KnownHosts, err = secretKey(secret, KnownHostsKey); err != nil {
			return creds, unavailable(fmt.Errorf("%w: the SSH server's host key must be pinned (add the output of ssh-keyscan); host keys are never accepted unchecked", err))
		}
		if err := creds.checkSSH(); err != nil {
			return creds, unavailable(err)
		}
	default:
		return creds, unavailable(fmt.Errorf("secret %q is of type %q; clientSecretName needs a %s or %s Secret", name, secret.Type, corev1.SecretTypeBasicAuth, corev1.SecretTypeSSHAuth))
	}
	return creds, nil
}

func unavailable(err error) error { return controller.NewStalling(ReasonCredentialsUnavailable, err) }

// readSecret reads the Secret name of namespace that the spec field names. A Secret that cannot be
// had is a Stalling CredentialsUnavailable error naming the field and the Secret (checked again at
// the polling interval); a Secrets API that cannot be reached is a Generic error, retried.
func (r *Reconciler) readSecret(ctx context.Context, namespace, field, name string) (*corev1.Secret, error) {
	secret, err := r.secrets.GetSecret(ctx, namespace, name)
	switch {
	case errors.Is(err, controller.ErrNoSecretsAPI):
		return nil, unavailable(fmt.Errorf("%s %q: %w", field, name, err))
	case apierrors.IsNotFound(err):
		return nil, unavailable(fmt.Errorf("%s %q: secret %s/%s not found", field, name, namespace, name))
	case apierrors.IsForbidden(err):
		return nil, unavailable(fmt.Errorf("%s %q: the server may not read it: %w", field, name, err))
	case err != nil:
		return nil, controller.NewGeneric(ReasonCredentialsUnavailable, fmt.Errorf("%s %q: read secret: %w", field, name, err))
	}
	return secret, nil
}

// secretKey returns the non-empty value of key in secret, or an error naming both.
func secretKey(secret *corev1.Secret, key string) ([]byte, error) {
	v := secret.Data[key]
	if len(v) == 0 {
		return nil, fmt.Errorf("secret %q (%s) has no key %q", secret.Name, secret.Type, key)
	}
	return v, nil
}
