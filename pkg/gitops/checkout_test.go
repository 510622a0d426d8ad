package gitops

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/test/gitserver"
)

const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"

func TestResolve(t *testing.T) {
	refs := map[string]string{
		"refs/heads/main": "aaa", "refs/heads/dev": "bbb",
		"refs/tags/v1": "tagobj", "refs/tags/v1^{}": "ccc", "refs/tags/light": "ddd",
	}
	sha := strings.Repeat("e", 40)
	tests := []struct {
		name, branch, revision string
		want                   target
		reason                 string
	}{
		{name: "branch", branch: "dev", want: target{"refs/heads/dev", "bbb"}},
		{name: "default master missing", reason: ReasonBranchNotFound},
		{name: "annotated tag peeled", revision: "v1", want: target{"refs/tags/v1", "ccc"}},
		{name: "lightweight tag", revision: "light", want: target{"refs/tags/light", "ddd"}},
		{name: "commit id", revision: sha, want: target{"", sha}},
		{name: "unknown revision", revision: "nope", reason: ReasonRevisionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(refs, tt.branch, tt.revision)
			if tt.reason != "" {
				if gitReason(err) != tt.reason {
					t.Fatalf("err = %v, want reason %s", err, tt.reason)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("resolve = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestClassifyGitErrorRedacts: the message of a classified git error names the repository and
// quotes go-git's error without the credentials of either (a token as user, a password).
func TestClassifyGitErrorRedacts(t *testing.T) {
	for _, repo := range []string{"https://u:p4ss@h/r.git", "https://p4ss@h/r.git"} {
		err := classifyGitError(repo, fmt.Errorf(`Get "%s/info/refs": %w`, repo, transport.ErrAuthenticationRequired))
		if strings.Contains(err.Error(), "p4ss") || !strings.Contains(err.Error(), "***@h/r.git") {
			t.Errorf("classifyGitError(%s) = %v", repo, err)
		}
		var ge *GitError
		if !errors.As(err, &ge) || ge.Reason != ReasonAuthenticationFailed || !errors.Is(err, transport.ErrAuthenticationRequired) {
			t.Errorf("classifyGitError(%s) lost the reason or the chain: %#v", repo, err)
		}
	}
}

func TestCheckoutReadsBundlesOfTheCommit(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "app")
	commit := repo.Commit("one", map[string]string{
		"apps/web/cm.yaml":   configMap,
		"apps/db/fleet.yaml": "namespace: db\n",
		"apps/db/cm.yaml":    configMap,
		"other/cm.yaml":      configMap,
	})
	dir, got, err := checkout(context.Background(), t.TempDir(), repo.URL, Credentials{}, target{ref: "refs/heads/main", commit: commit})
	if err != nil {
		t.Fatal(err)
	}
	if got != commit {
		t.Fatalf("checked out %s, want %s", got, commit)
	}
	// The clone goes through the quota file system (quota.go); go-git's permission changes still
	// reach the disk: packs are read-only, as with git.PlainClone.
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	for _, p := range packs {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm()&0o222 != 0 {
			t.Fatalf("pack %s: mode %v, %v; want read-only", filepath.Base(p), st.Mode(), err)
		}
	}
	if len(packs) == 0 {
		t.Fatal("no pack in the clone")
	}
	gr := &v1alpha1.GitRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "ns"},
		Spec:       v1alpha1.GitRepoSpec{Paths: []string{"apps/*"}, Targets: []v1alpha1.GitTarget{{ClusterGroup: "prod"}}},
	}
	bundles, err := readBundles(context.Background(), gr, dir, commit, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bundles {
		names = append(names, b.Name)
		if b.Labels[v1alpha1.RepoLabel] != "app" || b.Labels[v1alpha1.CommitLabel] != commit {
			t.Fatalf("bundle %s labels = %v", b.Name, b.Labels)
		}
		if len(b.Spec.TargetRestrictions) != 1 || b.Spec.TargetRestrictions[0].ClusterGroup != "prod" {
			t.Fatalf("bundle %s targetRestrictions = %+v", b.Name, b.Spec.TargetRestrictions)
		}
	}
	if strings.Join(names, ",") != "app-apps-db,app-apps-web" {
		t.Fatalf("bundles = %v", names)
	}
}

func TestBadFleetYAMLNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app", "fleet.yaml"), "namespace: x\nhelm:\n  values: [unclosed\n")
	writeFile(t, filepath.Join(dir, "app", "cm.yaml"), configMap)
	_, err := readBundles(context.Background(), &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}}, dir, "0123456789abcdef", nil, time.Second)
	if !controller.IsStalling(err) || controller.ReasonOf(err) != ReasonInvalidBundle {
		t.Fatalf("want a stalling InvalidBundle error, got %v", err)
	}
	if !strings.Contains(err.Error(), "app/fleet.yaml:") || strings.Contains(err.Error(), dir) {
		t.Fatalf("message must name app/fleet.yaml and its line, relative to the repository: %v", err)
	}
}

func TestSymlinkOutOfTheRepositoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app", "cm.yaml"), configMap)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "app", "leak.yaml")); err != nil {
		t.Fatal(err)
	}
	err := checkSymlinks(dir)
	if gitReason(err) != ReasonUnsafeContent || !strings.Contains(err.Error(), "app/leak.yaml") {
		t.Fatalf("checkSymlinks = %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "app", "leak.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("cm.yaml", filepath.Join(dir, "app", "inside.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := checkSymlinks(dir); err != nil {
		t.Fatalf("a symlink inside the repository is fine: %v", err)
	}
}

func TestScanPathsStayInTheCheckout(t *testing.T) {
	got := scanPaths("/co", []string{"../../etc", "apps/*", "/"})
	want := []string{"/co/etc", "/co/apps/*", "/co"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("scanPaths = %v, want %v", got, want)
	}
}

func TestDigestIgnoresTheCommitLabel(t *testing.T) {
	b := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1alpha1.CommitLabel: "a", "x": "y"}}}
	d1, _ := bundleDigest(b)
	b.Labels[v1alpha1.CommitLabel] = "b"
	d2, _ := bundleDigest(b)
	b.Spec.Paused = true
	d3, _ := bundleDigest(b)
	if d1 != d2 || d2 == d3 {
		t.Fatalf("digests %s %s %s: the commit must not count, the spec must", d1, d2, d3)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckoutSizeIsBounded: a clone that would write more than maxCheckoutBytes stops with
// RepositoryTooLarge and leaves nothing behind (failed clones used to leave their directory), on a
// branch (shallow) and on a bare commit id (full clone, then checkout); a repository under the
// bound clones.
func TestCheckoutSizeIsBounded(t *testing.T) {
	defer func(old int64) { maxCheckoutBytes = old }(maxCheckoutBytes)
	maxCheckoutBytes = 1 << 20
	srv := gitserver.NewHTTP(t)
	small := srv.NewRepo(t, "small")
	smallCommit := small.Commit("one", map[string]string{"cm.yaml": configMap})
	big := srv.NewRepo(t, "big")
	noise := make([]byte, 3<<20) // random: it does not compress below the bound
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	bigCommit := big.Commit("big", map[string]string{"cm.yaml": configMap, "blob.bin": string(noise)})

	tmp := t.TempDir()
	if _, _, err := checkout(context.Background(), tmp, small.URL, Credentials{}, target{ref: "refs/heads/main", commit: smallCommit}); err != nil {
		t.Fatalf("a small repository: %v", err)
	}
	for name, tg := range map[string]target{"branch": {ref: "refs/heads/main", commit: bigCommit}, "commit id": {commit: bigCommit}} {
		tmp := t.TempDir()
		_, _, err := checkout(context.Background(), tmp, big.URL, Credentials{}, tg)
		if gitReason(err) != ReasonRepositoryTooLarge || !strings.Contains(err.Error(), "exceeds 1 MiB") {
			t.Fatalf("%s: err = %v, want %s", name, err, ReasonRepositoryTooLarge)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("%s: the partial clone was left behind: %v", name, left)
		}
	}

	// Zeros compress: the pack is small and the bound is reached while the working tree is
	// written. A GitRepo pinned to the small first commit of that repository is not charged for
	// the big tip (no checkout of HEAD before the commit's).
	zeros := srv.NewRepo(t, "zeros")
	first := zeros.Commit("small", map[string]string{"cm.yaml": configMap})
	tip := zeros.Commit("big", map[string]string{"zeros.bin": string(make([]byte, 3<<20))})
	if _, _, err := checkout(context.Background(), t.TempDir(), zeros.URL, Credentials{}, target{ref: "refs/heads/main", commit: tip}); gitReason(err) != ReasonRepositoryTooLarge {
		t.Fatalf("the big tip: err = %v, want %s", err, ReasonRepositoryTooLarge)
	}
	dir, got, err := checkout(context.Background(), t.TempDir(), zeros.URL, Credentials{}, target{commit: first})
	if err != nil || got != first {
		t.Fatalf("pinned to the small commit: %s, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "zeros.bin")); !os.IsNotExist(err) {
		t.Fatalf("the tip's file is in the checkout of the first commit: %v", err)
	}
}

// TestCheckoutBoundCountsFiles: many one-byte files cost their entries, not their bytes, so a
// repository cannot create an unbounded number of them.
func TestCheckoutBoundCountsFiles(t *testing.T) {
	defer func(old int64) { maxCheckoutBytes = old }(maxCheckoutBytes)
	maxCheckoutBytes = 1 << 20
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "many")
	files := map[string]string{}
	for i := range 400 { // 400 entries × 4 KiB > 1 MiB, with 400 bytes of content
		files[fmt.Sprintf("d%d/f%d", i%20, i)] = "x"
	}
	commit := repo.Commit("many empty files", files)
	if _, _, err := checkout(context.Background(), t.TempDir(), repo.URL, Credentials{}, target{ref: "refs/heads/main", commit: commit}); gitReason(err) != ReasonRepositoryTooLarge {
		t.Fatalf("err = %v, want %s", err, ReasonRepositoryTooLarge)
	}
}
