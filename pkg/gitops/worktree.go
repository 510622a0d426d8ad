package gitops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/fleetapi/fleet/pkg/bundlereader"
)

// maxTreeBytes bounds the tree objects of the commit that a checkout reads, together: each is
// decoded in memory, and those on the path being written are held until it is done. Entries take
// some 40 bytes, so 16 MiB is some 400,000 files and directories, more than maxCheckoutBytes
// lets a checkout create (262,144 at entryCost each). A variable, so that tests can lower it.
var maxTreeBytes int64 = 16 << 20

// Git's limits on the names of a checkout: a file name of 255 bytes and a path of 4096 (Linux's
// NAME_MAX and PATH_MAX), past which the file cannot be written anyway.
const (
	maxNameLength = 255
	maxPathLength = 4096
)

// writeTree writes the tree of commit into fs as `git checkout` does, reading each tree object
// once and streaming each file from the object store. It replaces go-git's worktree checkout,
// which decodes a directory's tree again for every file in it (O(files × entries of their
// directory): 40 GB allocated for 100,000 files in 100 directories) and builds the whole diff and
// index in memory. What it writes goes through fs, so the clone's quota counts it; the index is
// not written (nothing reads the checkout with git). Entries that would write outside their
// directory (a name ".", "..", ".git", with a "/", or twice in one tree) are refused with
// UnsafeContent, trees over maxTreeBytes with RepositoryTooLarge.
func writeTree(ctx context.Context, r *git.Repository, fs billy.Filesystem, commit plumbing.Hash) error {
	c, err := r.CommitObject(commit)
	if err != nil {
		return &GitError{Reason: ReasonRevisionNotFound, Err: fmt.Errorf("checkout of commit %s: %w", commit, err)}
	}
	w := &treeWriter{ctx: ctx, r: r, fs: fs, buf: make([]byte, 32<<10)}
	return w.tree(c.TreeHash, "")
}

// treeWriter writes the trees of one checkout.
type treeWriter struct {
	ctx       context.Context // the clone's: its timeout bounds the checkout too
	r         *git.Repository
	fs        billy.Filesystem
	buf       []byte
	treeBytes int64
}

// tree writes the tree h into the directory dir ("" for the root).
func (w *treeWriter) tree(h plumbing.Hash, dir string) error {
	obj, err := w.r.Storer.EncodedObject(plumbing.TreeObject, h)
	if err != nil {
		return fmt.Errorf("checkout: tree %s of %q: %w", h, dir, err)
	}
	if w.treeBytes += obj.Size(); w.treeBytes > maxTreeBytes {
		return &GitError{Reason: ReasonRepositoryTooLarge, Err: &bundlereader.TooLargeError{What: "the trees of the commit",
			Size: w.treeBytes, AtLeast: true, Detail: fmt.Sprintf("(at %q)", dir+"/"), Limit: maxTreeBytes, Budget: "the trees of one checkout"}}
	}
	t, err := object.DecodeTree(w.r.Storer, obj)
	if err != nil {
		return fmt.Errorf("checkout: tree %s of %q: %w", h, dir, err)
	}
	seen := make(map[string]bool, len(t.Entries))
	for _, e := range t.Entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		p := path.Join(dir, e.Name)
		if err := checkEntryName(e.Name, p, seen); err != nil {
			return err
		}
		switch e.Mode {
		case filemode.Dir:
			if err := w.fs.MkdirAll(p, 0o755); err != nil {
				return err
			}
			if err := w.tree(e.Hash, p); err != nil {
				return err
			}
		case filemode.Regular, filemode.Deprecated:
			err = w.file(p, e.Hash, 0o644)
		case filemode.Executable:
			err = w.file(p, e.Hash, 0o755)
		case filemode.Symlink:
			err = w.symlink(p, e.Hash)
		case filemode.Submodule:
			err = w.fs.MkdirAll(p, 0o755) // as git leaves an uninitialised submodule: empty
		default:
			err = &GitError{Reason: ReasonUnsafeContent, Err: fmt.Errorf("%s: unsupported file mode %o", p, uint32(e.Mode))}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkEntryName refuses a tree entry whose name would leave its directory, write into .git, or
// reuse a name of its tree (seen): a symlink and a directory of one name would make the
// directory's files land where the symlink points.
func checkEntryName(name, p string, seen map[string]bool) error {
	var problem string
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		problem = "is not a file name"
	case strings.EqualFold(name, git.GitDirName):
		problem = "is git's own directory"
	case len(name) > maxNameLength || len(p) > maxPathLength:
		problem = fmt.Sprintf("is longer than %d bytes (or its path than %d)", maxNameLength, maxPathLength)
	case seen[name]:
		problem = "appears twice in its tree"
	}
	if problem != "" {
		return &GitError{Reason: ReasonUnsafeContent, Err: fmt.Errorf("tree entry %q %s", p, problem)}
	}
	seen[name] = true
	return nil
}

// file streams the blob h into a new file at p.
func (w *treeWriter) file(p string, h plumbing.Hash, perm os.FileMode) error {
	blob, err := w.r.BlobObject(h)
	if err != nil {
		return fmt.Errorf("checkout: %s: %w", p, err)
	}
	rd, err := blob.Reader()
	if err != nil {
		return fmt.Errorf("checkout: %s: %w", p, err)
	}
	defer rd.Close()
	f, err := w.fs.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	// Hide the file's ReadFrom, which would allocate a buffer of its own for every file.
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, rd, w.buf); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// symlink makes p a symlink to the target the blob h holds (checkSymlinks later refuses one that
// leaves the checkout).
func (w *treeWriter) symlink(p string, h plumbing.Hash) error {
	blob, err := w.r.BlobObject(h)
	if err != nil {
		return fmt.Errorf("checkout: %s: %w", p, err)
	}
	if blob.Size > maxPathLength {
		return &GitError{Reason: ReasonUnsafeContent, Err: fmt.Errorf("%s: a symlink target longer than %d bytes", p, maxPathLength)}
	}
	rd, err := blob.Reader()
	if err != nil {
		return fmt.Errorf("checkout: %s: %w", p, err)
	}
	defer rd.Close()
	target, err := io.ReadAll(io.LimitReader(rd, maxPathLength))
	if err != nil {
		return fmt.Errorf("checkout: %s: %w", p, err)
	}
	return w.fs.Symlink(string(target), p)
}

// isGitError reports whether err is already classified.
func isGitError(err error) bool {
	var ge *GitError
	return errors.As(err, &ge)
}
