package gitops

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/fleetapi/fleet/pkg/redact"
)

// cloneTimeout bounds one clone (go-git's PlainClone: dial, the SSH handshake included, see
// sshDial; fetch; checkout of the branch), so that a slow server or a huge repository cannot hold a worker. A
// variable, so that tests can shorten it.
var cloneTimeout = 5 * time.Minute

// largeObject is the size from which go-git streams an object from its pack instead of reading it
// into memory (when it checks out a file, say).
const largeObject = 1 << 20

// checkout clones repo at t into a new directory under tmpDir ("" for the system default) and
// returns it with the commit checked out (writeTree). Branches and tags are cloned shallow (depth
// 1, single branch, no tags); a bare commit id needs the history, so it is cloned in full. A clone
// that takes longer than cloneTimeout fails with reason CloneFailed.
func checkout(ctx context.Context, tmpDir, repo string, creds Credentials, t target) (dir, commit string, err error) {
	dir, err = os.MkdirTemp(tmpDir, "fleet-gitrepo-")
	if err != nil {
		return "", "", fmt.Errorf("clone: %w", err)
	}
	// The error paths return "" for dir: remove what was created, not the named result.
	created := dir
	defer func() {
		if err != nil {
			_ = os.RemoveAll(created)
		}
	}()
	auth, err := creds.auth(repo)
	if err != nil {
		return "", "", err
	}
	timeout := cloneTimeout
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	proxyOpts, release := sshDial(ctx, repo)
	defer release()
	opts := &git.CloneOptions{
		URL: repo, Auth: auth, CABundle: creds.CABundle, InsecureSkipTLS: creds.InsecureSkipTLS,
		Tags: git.NoTags, ProxyOptions: proxyOpts,
	}
	if t.ref != "" {
		opts.ReferenceName, opts.SingleBranch, opts.Depth = plumbing.ReferenceName(t.ref), true, 1
	}
	// The commit is written out below by writeTree, not by go-git's worktree checkout.
	opts.NoCheckout = true
	start := time.Now()
	// PlainClone's layout (objects in dir/.git, the working tree in dir), on file systems that count
	// what the clone writes.
	q := &quota{limit: maxCheckoutBytes, objectLimit: maxObjectSize, objectsLimit: maxPackObjects}
	defer q.closePacks()
	wt := quotaFS{Filesystem: osfs.New(dir), q: q}
	dot, err := wt.Chroot(git.GitDirName)
	if err != nil {
		return "", "", fmt.Errorf("clone: %w", err)
	}
	// Objects over largeObject are read from the pack as they are written out, not into memory.
	// The pack stays open while the commit is written out (writeTree reads every file from it).
	storage := filesystem.NewStorageWithOptions(dot, cache.NewObjectLRUDefault(),
		filesystem.Options{LargeObjectThreshold: largeObject, KeepDescriptors: true})
	defer func() { _ = storage.Close() }()
	r, err := git.CloneContext(ctx, storage, wt, opts)
	observeFetch("clone", time.Since(start), err)
	if err != nil {
		if perr := q.packErr(); perr != nil {
			return "", "", &GitError{Reason: ReasonRepositoryTooLarge, Err: fmt.Errorf("git %s: %w", redact.URL(repo), perr)}
		}
		if q.exceeded() {
			return "", "", tooLarge(repo)
		}
		if te := exceeded(parent, ctx, "clone", timeout); te != nil {
			return "", "", &GitError{Reason: ReasonCloneFailed, Err: fmt.Errorf("git %s: %w", redact.URL(repo), te)}
		}
		return "", "", classifyGitError(repo, err)
	}
	hash := plumbing.NewHash(t.commit)
	if t.ref != "" {
		head, err := r.Head()
		if err != nil {
			return "", "", fmt.Errorf("clone: %w", err)
		}
		hash = head.Hash()
	}
	if err := writeTree(ctx, r, wt, hash); err != nil {
		switch {
		case q.exceeded():
			return "", "", tooLarge(repo)
		case isGitError(err):
			return "", "", err
		}
		if te := exceeded(parent, ctx, "clone", timeout); te != nil {
			return "", "", &GitError{Reason: ReasonCloneFailed, Err: fmt.Errorf("git %s: %w", redact.URL(repo), te)}
		}
		return "", "", fmt.Errorf("checkout of commit %s: %w", hash, err)
	}
	if q.exceeded() { // a write error that was not reported
		return "", "", tooLarge(repo)
	}
	if err := checkSymlinks(dir); err != nil {
		return "", "", err
	}
	return dir, hash.String(), nil
}

func tooLarge(repo string) error {
	return &GitError{Reason: ReasonRepositoryTooLarge, Err: fmt.Errorf("git %s: the checkout exceeds %s", redact.URL(repo), sizeString(maxCheckoutBytes))}
}

// checkSymlinks rejects symlinks that resolve outside root: the bundle reader follows symlinks, and
// a repository must not be able to read the server's files into a Bundle.
func checkSymlinks(root string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		resolved, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil // dangling: reading it fails in the bundle reader with the file's name
		}
		if resolved != realRoot && !strings.HasPrefix(resolved, realRoot+string(filepath.Separator)) {
			return &GitError{Reason: ReasonUnsafeContent, Err: fmt.Errorf("%s: symlink points outside the repository", filepath.ToSlash(rel))}
		}
		return nil
	})
}

// scanPaths maps spec.paths (globs, relative to the repository root, default the root) into dir.
// Each path is cleaned as if rooted, so ".." cannot leave the checkout.
func scanPaths(dir string, paths []string) []string {
	if len(paths) == 0 {
		return []string{dir}
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, filepath.Join(dir, filepath.Clean("/"+filepath.FromSlash(p))))
	}
	return out
}
