package gitops

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestCredentialsFromSecrets runs behind kube-apiserver, where fleet-apiserver reads the Secret of
// spec.clientSecretName: SSH with a pinned host key, a wrong host key refused, basic auth with a
// password changed in the Secret, and a Secret created after its GitRepo.
func TestCredentialsFromSecrets(t *testing.T) {
	e := newClusterEnv(t)
	const password = "b4sic-pa55"
	git := gitserver.NewHTTP(t, gitserver.WithBasicAuth("fleet", password))
	repo := git.NewRepo(t, "creds")
	commit := repo.Commit("first", map[string]string{"app/cm.yaml": cm})
	key, pub := gitserver.NewSSHKey(t)
	sshd := gitserver.NewSSH(t, git.Root, pub) // the same repository, over SSH
	secretValues := []string{password, "wr0ng-pa55", "PRIVATE KEY"}

	t.Run("ssh with known_hosts", func(t *testing.T) {
		e := e.with(t)
		e.createSecret("git-ssh", corev1.SecretTypeSSHAuth, map[string][]byte{
			corev1.SSHAuthPrivateKey: key, gitops.KnownHostsKey: []byte(sshd.KnownHosts() + "\n"),
		})
		e.createGitRepo("ssh", v1alpha1.GitRepoSpec{Repo: sshd.RepoURL("creds"), Branch: "main", Paths: []string{"app"}, ClientSecretName: "git-ssh"})
		e.waitBundles("ssh", "ssh-app")
		e.waitCommit("ssh", commit)
		e.waitCondition("ssh", v1alpha1.ConditionAccepted, "True", gitops.ReasonAccepted)
		authenticated := 0
		for _, a := range sshd.Attempts() {
			if a.Authenticated && a.User == "git" {
				authenticated++
			}
		}
		if authenticated < 2 {
			t.Fatalf("want the ls-remote and the clone over SSH with the secret's key: %+v", sshd.Attempts())
		}
		e.assertNoSecrets("ssh", secretValues)
	})

	t.Run("ssh with a wrong host key", func(t *testing.T) {
		e := e.with(t)
		_, impostor := gitserver.NewSSHKey(t)
		e.createSecret("git-ssh-wrong-host", corev1.SecretTypeSSHAuth, map[string][]byte{
			corev1.SSHAuthPrivateKey: key, gitops.KnownHostsKey: []byte(gitserver.KnownHostsLine(sshd.Addr, impostor) + "\n"),
		})
		e.createGitRepo("wrong-host", v1alpha1.GitRepoSpec{Repo: sshd.RepoURL("creds"), Branch: "main", ClientSecretName: "git-ssh-wrong-host"})
		c := e.waitCondition("wrong-host", v1alpha1.ConditionReady, "False", gitops.ReasonHostKeyMismatch)
		if !strings.Contains(c.Message, "host key of [127.0.0.1]:") || !strings.Contains(c.Message, "known_hosts") {
			t.Fatalf("the message must name the host and known_hosts: %q", c.Message)
		}
		if p := condition(e.gitRepo("wrong-host"), v1alpha1.ConditionGitPolling); p.Reason != gitops.ReasonHostKeyMismatch {
			t.Fatalf("GitPolling = %+v", p)
		}
		if b := e.bundles("wrong-host"); len(b) != 0 {
			t.Fatalf("no bundle may come from an untrusted server: %s", names(b))
		}
		e.assertNoSecrets("wrong-host", secretValues)
	})

	t.Run("basic-auth, password changed in the secret", func(t *testing.T) {
		e := e.with(t)
		e.createSecret("git-basic", corev1.SecretTypeBasicAuth, map[string][]byte{
			corev1.BasicAuthUsernameKey: []byte("fleet"), corev1.BasicAuthPasswordKey: []byte("wr0ng-pa55"),
		})
		e.createGitRepo("basic", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}, ClientSecretName: "git-basic"})
		e.waitCondition("basic", v1alpha1.ConditionReady, "False", gitops.ReasonAuthenticationFailed)
		e.assertNoSecrets("basic", secretValues)
		e.updateSecret("git-basic", map[string][]byte{
			corev1.BasicAuthUsernameKey: []byte("fleet"), corev1.BasicAuthPasswordKey: []byte(password),
		})
		e.waitBundles("basic", "basic-app")
		e.waitCommit("basic", commit)
		e.assertNoSecrets("basic", secretValues)
	})

	t.Run("secret created after the gitrepo", func(t *testing.T) {
		e := e.with(t)
		e.createGitRepo("later", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", Paths: []string{"app"}, ClientSecretName: "git-later"})
		c := e.waitCondition("later", v1alpha1.ConditionAccepted, "False", gitops.ReasonCredentialsUnavailable)
		if !strings.Contains(c.Message, `"git-later"`) || !strings.Contains(c.Message, "not found") {
			t.Fatalf("the message must name the missing secret: %q", c.Message)
		}
		e.waitCondition("later", v1alpha1.ConditionStalled, "True", gitops.ReasonCredentialsUnavailable)
		if b := e.bundles("later"); len(b) != 0 {
			t.Fatalf("bundles without credentials: %s", names(b))
		}
		e.createSecret("git-later", corev1.SecretTypeBasicAuth, map[string][]byte{
			corev1.BasicAuthUsernameKey: []byte("fleet"), corev1.BasicAuthPasswordKey: []byte(password),
		})
		e.waitBundles("later", "later-app")
		e.waitCondition("later", v1alpha1.ConditionAccepted, "True", gitops.ReasonAccepted)
	})

	t.Run("ssh-auth without known_hosts", func(t *testing.T) {
		e := e.with(t)
		e.createSecret("git-ssh-no-hosts", corev1.SecretTypeSSHAuth, map[string][]byte{corev1.SSHAuthPrivateKey: key})
		e.createGitRepo("no-hosts", v1alpha1.GitRepoSpec{Repo: sshd.RepoURL("creds"), Branch: "main", ClientSecretName: "git-ssh-no-hosts"})
		c := e.waitCondition("no-hosts", v1alpha1.ConditionAccepted, "False", gitops.ReasonCredentialsUnavailable)
		if !strings.Contains(c.Message, `"git-ssh-no-hosts"`) || !strings.Contains(c.Message, `no key "known_hosts"`) {
			t.Fatalf("the message must name the secret and the key: %q", c.Message)
		}
		e.assertNoSecrets("no-hosts", secretValues)
	})
}

// TestClientSecretNameInStandaloneMode: standalone mode has no Secrets API, and says so.
func TestClientSecretNameInStandaloneMode(t *testing.T) {
	e := newEnv(t)
	git := gitserver.NewHTTP(t)
	repo := git.NewRepo(t, "standalone")
	repo.Commit("first", map[string]string{"app/cm.yaml": cm})
	e.createGitRepo("secret", v1alpha1.GitRepoSpec{Repo: repo.URL, Branch: "main", ClientSecretName: "git-auth"})
	c := e.waitCondition("secret", v1alpha1.ConditionAccepted, "False", gitops.ReasonCredentialsUnavailable)
	if !strings.Contains(c.Message, `"git-auth"`) || !strings.Contains(c.Message, "no Secrets API (standalone mode)") {
		t.Fatalf("the message must say that standalone mode has no Secrets API: %q", c.Message)
	}
	e.waitCondition("secret", v1alpha1.ConditionStalled, "True", gitops.ReasonCredentialsUnavailable)
	if n := len(git.Requests("standalone")); n != 0 {
		t.Fatalf("the repository must not be polled without its credentials: %d requests", n)
	}
}

// assertNoSecrets fails if a secret value shows in the GitRepo's status, the namespace's Events or
// the server's log tail.
func (e *env) assertNoSecrets(name string, values []string) {
	e.t.Helper()
	gr := e.gitRepo(name)
	texts := []string{gr.Status.Display.Message}
	for _, c := range gr.Status.Conditions {
		texts = append(texts, c.Message)
	}
	if e.kube != nil {
		events, err := e.kube.CoreV1().Events(e.ns).List(e.ctx(), metav1.ListOptions{})
		if err != nil {
			e.t.Fatalf("list events: %v", err)
		}
		for _, ev := range events.Items {
			texts = append(texts, ev.Message)
		}
	}
	texts = append(texts, e.logs())
	for _, text := range texts {
		for _, v := range values {
			if strings.Contains(text, v) {
				e.t.Fatalf("a secret value shows: %q", text)
			}
		}
	}
}
