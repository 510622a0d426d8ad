package gitops

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestCloneOfManyObjectsStops: a repository of very many tiny objects (3,000 distinct files) is
// refused at its pack's header, over a budget of 1,000 objects (lowered from 500,000, which takes
// 500,000 objects to reach), naming the count and the budget, on a branch and on a bare commit
// id, allocating little and leaving nothing behind: go-git's indexer would keep some 400 bytes
// for each object.
func TestCloneOfManyObjectsStops(t *testing.T) {
	defer func(old int64) { maxPackObjects = old }(maxPackObjects)
	maxPackObjects = 1000
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "many")
	commit := repo.CommitMany("many objects", 3000, func(i int) (string, string) { return fmt.Sprintf("d%d/f%d", i%30, i), fmt.Sprint(i) })
	wantRefusedClone(t, repo.URL, commit, "git objects, over the budget of 1000 objects for one clone", 16<<20)
}

// TestCheckoutOfManyFilesIsLinear: 5,000 files in one directory (one blob: a pack of a few
// objects) are checked out reading the directory's tree once. go-git's worktree checkout decoded
// it again for every file: 2.5 × 10⁷ entries, some 10 GB allocated.
func TestCheckoutOfManyFilesIsLinear(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "flat")
	commit := repo.CommitMany("one directory", 5000, func(i int) (string, string) { return fmt.Sprintf("flat/f%05d.yaml", i), "a: 1\n" })
	var dir string
	var err error
	alloc := framework.Allocated(func() {
		dir, _, err = checkout(context.Background(), t.TempDir(), repo.URL, Credentials{}, target{ref: "refs/heads/main", commit: commit})
	})
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(filepath.Join(dir, "flat")); len(files) != 5000 {
		t.Fatalf("%d files checked out, want 5000", len(files))
	}
	if alloc > 64<<20 {
		t.Errorf("checking out 5,000 files allocated %s", bundlereader.FormatSize(int64(alloc)))
	}
}

// TestTreesOfACheckoutAreBounded: the tree objects of a commit are read within maxTreeBytes
// (lowered to 64 KiB here: 5,000 entries take some 170 KiB); past it the checkout is refused with
// RepositoryTooLarge naming the budget.
func TestTreesOfACheckoutAreBounded(t *testing.T) {
	defer func(old int64) { maxTreeBytes = old }(maxTreeBytes)
	maxTreeBytes = 64 << 10
	srv := gitserver.NewHTTP(t)
	repo := srv.NewRepo(t, "trees")
	commit := repo.CommitMany("many entries", 5000, func(i int) (string, string) { return fmt.Sprintf("d/entry-%05d.yaml", i), "a: 1\n" })
	_, _, err := checkout(context.Background(), t.TempDir(), repo.URL, Credentials{}, target{ref: "refs/heads/main", commit: commit})
	if gitReason(err) != ReasonRepositoryTooLarge || !strings.Contains(err.Error(), "the trees of the commit: more than") ||
		!strings.Contains(err.Error(), "is over the budget of 65536 bytes for the trees of one checkout") {
		t.Fatalf("err = %v, want %s naming the budget", err, ReasonRepositoryTooLarge)
	}
}

// TestUnsafeTreeEntriesAreRefused: trees that git itself would not write (crafted with
// `hash-object --literally`) cannot make the checkout write outside its directories: an entry
// named .git, and a symlink and a directory of one name (the directory's files would land where
// the symlink points), are refused with UnsafeContent.
func TestUnsafeTreeEntriesAreRefused(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	for name, entries := range map[string]func(blob, tree string) string{
		"dotgit": func(blob, tree string) string { return "40000 .GIT\x00" + tree },
		"symlink and directory": func(blob, tree string) string {
			return "120000 s\x00" + blob + "40000 s\x00" + tree
		},
	} {
		t.Run(name, func(t *testing.T) {
			repo := srv.NewRepo(t, strings.ReplaceAll(name, " ", "-"))
			repo.Commit("base", map[string]string{"config": "x"})
			bare := filepath.Join(srv.Root, repo.Name+".git")
			git := func(stdin string, args ...string) string {
				cmd := exec.Command("git", append([]string{"-C", bare}, args...)...)
				cmd.Stdin = strings.NewReader(stdin)
				cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@e")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("git %v: %v", args, err)
				}
				return strings.TrimSpace(string(out))
			}
			raw := func(hexID string) string {
				var b []byte
				_, _ = fmt.Sscanf(hexID, "%x", &b)
				return string(b)
			}
			blob := git("/tmp", "hash-object", "-w", "--stdin") // a symlink to /tmp
			tree := git("", "rev-parse", "main^{tree}")
			crafted := git(entries(raw(blob), raw(tree)), "hash-object", "-w", "-t", "tree", "--literally", "--stdin")
			commit := git("", "commit-tree", crafted, "-m", "crafted")
			git("", "update-ref", "refs/heads/main", commit)
			_, _, err := checkout(context.Background(), t.TempDir(), repo.URL, Credentials{}, target{ref: "refs/heads/main", commit: commit})
			if gitReason(err) != ReasonUnsafeContent {
				t.Fatalf("err = %v, want %s", err, ReasonUnsafeContent)
			}
		})
	}
}
