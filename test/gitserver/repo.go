package gitserver

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a bare repository on a Server with a work tree to commit from.
type Repo struct {
	t      testing.TB
	Name   string
	URL    string
	bare   string
	work   string
	branch string
}

// NewRepo creates bare repository name (default branch main) with a work tree, without commits.
func (s *Server) NewRepo(t testing.TB, name string) *Repo {
	t.Helper()
	r := &Repo{t: t, Name: name, URL: s.RepoURL(name), bare: s.bareDir(name), work: t.TempDir(), branch: "main"}
	ensureDir(t, r.bare)
	r.git(r.bare, "init", "--bare", "-b", "main")
	r.git(r.work, "init", "-b", "main")
	r.git(r.work, "remote", "add", "origin", r.bare)
	return r
}

// Checkout switches the work tree to branch, creating it from the current commit when new.
func (r *Repo) Checkout(branch string) {
	r.t.Helper()
	if err := exec.Command("git", "-C", r.work, "rev-parse", "--verify", "-q", branch).Run(); err == nil {
		r.git(r.work, "checkout", "-q", branch)
	} else {
		r.git(r.work, "checkout", "-q", "-b", branch)
	}
	r.branch = branch
}

// Commit writes files (path → content; "" deletes the path) into the work tree, commits them and
// pushes the current branch. It returns the commit id.
func (r *Repo) Commit(message string, files map[string]string) string {
	r.t.Helper()
	for path, content := range files {
		full := filepath.Join(r.work, filepath.FromSlash(path))
		if content == "" {
			if err := os.RemoveAll(full); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		ensureDir(r.t, filepath.Dir(full))
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git(r.work, "add", "-A")
	r.git(r.work, "commit", "-q", "--allow-empty", "-m", message)
	r.git(r.work, "push", "-q", "origin", r.branch)
	return strings.TrimSpace(r.git(r.work, "rev-parse", "HEAD"))
}

// CommitMany commits n files at once on the current branch, file(i) giving the slash-separated
// path and content of the i-th, and pushes it: with git fast-import, which writes a hundred
// thousand files in about a second (Commit would take minutes). The work tree is reset to the new
// commit, so Commit may follow. It returns the commit id.
func (r *Repo) CommitMany(message string, n int, file func(i int) (path, content string)) string {
	r.t.Helper()
	var in bytes.Buffer
	fmt.Fprintf(&in, "commit refs/heads/%s\ncommitter test <test@example.com> 1700000000 +0000\ndata %d\n%s\n", r.branch, len(message), message)
	if err := exec.Command("git", "-C", r.work, "rev-parse", "--verify", "-q", "HEAD").Run(); err == nil {
		fmt.Fprintf(&in, "from %s\n", strings.TrimSpace(r.git(r.work, "rev-parse", "HEAD")))
	}
	for i := range n {
		p, content := file(i)
		fmt.Fprintf(&in, "M 100644 inline %s\ndata %d\n%s\n", p, len(content), content)
	}
	in.WriteString("\n")
	cmd := exec.Command("git", "-C", r.work, "fast-import", "--quiet")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git fast-import: %v\n%s", err, out)
	}
	r.git(r.work, "reset", "-q", "--hard", r.branch)
	r.git(r.work, "push", "-q", "origin", r.branch)
	return strings.TrimSpace(r.git(r.work, "rev-parse", "HEAD"))
}

// DeleteBranch deletes branch in the bare repository.
func (r *Repo) DeleteBranch(branch string) {
	r.t.Helper()
	r.git(r.bare, "branch", "-D", branch)
}

func (r *Repo) git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
