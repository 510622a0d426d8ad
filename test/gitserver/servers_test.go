package gitserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitCLI runs the git CLI with env and returns its output, failing the test on error.
func gitCLI(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestSSHServerWithOpenSSH: OpenSSH's client, with strict host key checking against KnownHosts,
// clones (git-upload-pack) and pushes (git-receive-pack) a repository of an HTTP Server's Root.
func TestSSHServerWithOpenSSH(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skipf("OpenSSH client not installed: %v", err)
	}
	srv := NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	first := repo.Commit("one", map[string]string{"a.txt": "a\n"})
	key, pub := NewSSHKey(t)
	sshd := NewSSH(t, srv.Root, pub)

	dir := t.TempDir()
	keyFile, hostsFile := filepath.Join(dir, "id"), filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hostsFile, []byte(sshd.KnownHosts()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"GIT_SSH_COMMAND=ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes" +
		" -o UserKnownHostsFile=" + hostsFile + " -i " + keyFile}
	clone := filepath.Join(dir, "clone")
	gitCLI(t, env, "clone", "-q", sshd.RepoURL("app"), clone)
	if got := strings.TrimSpace(gitCLI(t, nil, "-C", clone, "rev-parse", "HEAD")); got != first {
		t.Fatalf("cloned %s, want %s", got, first)
	}
	if err := os.WriteFile(filepath.Join(clone, "b.txt"), []byte("b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCLI(t, nil, "-C", clone, "add", "b.txt")
	gitCLI(t, nil, "-C", clone, "commit", "-q", "-m", "two")
	gitCLI(t, env, "-C", clone, "push", "-q", "origin", "main")
	pushed := strings.TrimSpace(gitCLI(t, nil, "-C", clone, "rev-parse", "HEAD"))
	if got := gitCLI(t, nil, "ls-remote", srv.RepoURL("app"), "refs/heads/main"); !strings.HasPrefix(got, pushed) {
		t.Fatalf("the HTTP server sees %q after the SSH push of %s", got, pushed)
	}
	var cmds []string
	for _, a := range sshd.Attempts() {
		if !a.Authenticated {
			t.Fatalf("attempt %+v not authenticated", a)
		}
		cmds = append(cmds, a.Commands...)
	}
	if strings.Join(cmds, ";") != "git-upload-pack '/app.git';git-receive-pack '/app.git'" {
		t.Fatalf("commands %v", cmds)
	}

	// Another key is refused.
	other, _ := NewSSHKey(t)
	if err := os.WriteFile(keyFile, other, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "ls-remote", sshd.RepoURL("app"))
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Fatalf("an unauthorized key: %v\n%s", err, out)
	}
}

// TestDaemonWithGitCLI: the git CLI lists a repository of an HTTP Server's Root over git://, and
// the daemon records the request.
func TestDaemonWithGitCLI(t *testing.T) {
	srv := NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{"a.txt": "a\n"})
	d := NewDaemon(t, srv.Root)
	if got := gitCLI(t, nil, "ls-remote", d.RepoURL("app"), "refs/heads/main"); !strings.HasPrefix(got, commit) {
		t.Fatalf("ls-remote = %q, want %s", got, commit)
	}
	if r := d.WaitRequests(t, 1); len(r) != 1 || r[0].Service != "upload-pack" || r[0].Path != "/app.git" {
		t.Fatalf("requests %+v", r)
	}
}
