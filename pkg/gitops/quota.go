package gitops

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-billy/v5"
)

// maxCheckoutBytes bounds what one clone may write (objects and working tree): a repository
// must not fill the server's disk. Every file, directory and symlink created also costs
// entryCost, what it takes on disk at least, so that a "git bomb" (a small pack whose trees
// expand into millions of files) is stopped too. A commit over it is Stalled with
// RepositoryTooLarge (not cloned again until the commit or the spec changes). A variable, so that
// tests can lower it.
var maxCheckoutBytes int64 = 1 << 30

// entryCost is what each created file, directory or symlink is charged: a file system block.
const entryCost = 4096

// quota counts the bytes written through the file systems that share it, and checks the packs
// written through them (packcheck.go).
type quota struct {
	limit int64
	used  atomic.Int64
	// objectLimit is the largest git object a pack may hold (maxObjectSize); objectErr is set when
	// one does not.
	objectLimit int64
	// objectsLimit is the most objects a pack may hold (maxPackObjects).
	objectsLimit int64
	objectErr    atomic.Pointer[error]
	// packs are the checks of the packs written, stopped by closePacks (go-git does not close a
	// pack file whose indexing failed).
	mu    sync.Mutex
	packs []*packCheck
}

// newPackCheck starts the check of a pack written through q.
func (q *quota) newPackCheck() *packCheck {
	c := newPackCheck(q.objectLimit, q.objectsLimit)
	q.mu.Lock()
	q.packs = append(q.packs, c)
	q.mu.Unlock()
	return c
}

// closePacks stops the checks of the packs written through q.
func (q *quota) closePacks() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, c := range q.packs {
		c.close()
	}
	q.packs = nil
}

// packErr returns the error of a pack that held an object over the limit, or nil.
func (q *quota) packErr() error {
	if p := q.objectErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (q *quota) add(n int) error {
	if q.used.Add(int64(n)) > q.limit {
		return fmt.Errorf("the checkout exceeds %s", sizeString(q.limit))
	}
	return nil
}

// sizeString writes n bytes in GiB or MiB.
func sizeString(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func (q *quota) exceeded() bool { return q.used.Load() > q.limit }

// quotaFS is a billy.Filesystem whose files count their writes against q.
type quotaFS struct {
	billy.Filesystem
	q *quota
}

func (f quotaFS) Create(name string) (billy.File, error) {
	if err := f.q.add(entryCost); err != nil {
		return nil, err
	}
	return f.wrap(f.Filesystem.Create(name))
}

func (f quotaFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	if flag&os.O_CREATE != 0 {
		if err := f.q.add(entryCost); err != nil {
			return nil, err
		}
	}
	return f.wrap(f.Filesystem.OpenFile(name, flag, perm))
}

func (f quotaFS) TempFile(dir, prefix string) (billy.File, error) {
	if err := f.q.add(entryCost); err != nil {
		return nil, err
	}
	file, err := f.wrap(f.Filesystem.TempFile(dir, prefix))
	if err == nil && prefix == packTempPrefix && f.q.objectLimit > 0 {
		qf := file.(quotaFile)
		qf.pack = f.q.newPackCheck()
		return qf, nil
	}
	return file, err
}

// packTempPrefix is the prefix of the temporary file go-git writes a fetched pack to
// (storage/filesystem/dotgit.PackWriter).
const packTempPrefix = "tmp_pack_"

func (f quotaFS) MkdirAll(name string, perm os.FileMode) error {
	if err := f.q.add(entryCost); err != nil {
		return err
	}
	return f.Filesystem.MkdirAll(name, perm)
}

func (f quotaFS) Symlink(target, link string) error {
	if err := f.q.add(entryCost); err != nil {
		return err
	}
	return f.Filesystem.Symlink(target, link)
}

// Chmod passes go-git's permission changes through (billy.Chmod), which embedding the
// Filesystem interface would hide: packs and their indexes are made read-only as with PlainClone.
func (f quotaFS) Chmod(name string, mode os.FileMode) error {
	if c, ok := f.Filesystem.(billy.Chmod); ok {
		return c.Chmod(name, mode)
	}
	return nil
}

func (f quotaFS) Chroot(path string) (billy.Filesystem, error) {
	c, err := f.Filesystem.Chroot(path)
	if err != nil {
		return nil, err
	}
	return quotaFS{Filesystem: c, q: f.q}, nil
}

func (f quotaFS) wrap(file billy.File, err error) (billy.File, error) {
	if err != nil {
		return nil, err
	}
	return quotaFile{File: file, q: f.q}, nil
}

// quotaFile refuses writes once its quota is spent, and (a pack) at an object over the limit.
type quotaFile struct {
	billy.File
	q    *quota
	pack *packCheck
}

func (f quotaFile) Write(p []byte) (int, error) {
	if err := f.q.add(len(p)); err != nil {
		return 0, err
	}
	if f.pack != nil {
		if err := f.pack.check(p); err != nil {
			f.q.objectErr.CompareAndSwap(nil, &err)
			return 0, err
		}
	}
	return f.File.Write(p)
}

func (f quotaFile) Close() error {
	if f.pack != nil {
		f.pack.close()
	}
	return f.File.Close()
}
