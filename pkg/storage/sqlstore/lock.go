package sqlstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockSuffix names the lock file next to a SQLite database: "fleet.db" is
// guarded by "fleet.db.lock".
const lockSuffix = ".lock"

// maxLockFileBytes bounds what is read from a lock file (a PID and a newline).
const maxLockFileBytes = 32

// errLocked is returned by tryLock when another open file holds the lock.
var errLocked = errors.New("locked")

// fileLock is an exclusive OS lock on the lock file of one database, held
// from Open to Close. The OS releases it when the process dies, so a crash
// never leaves a stale lock behind.
type fileLock struct {
	f *os.File
}

// lockDatabase takes the lock of the database at path, or says in one line
// who holds it. SQLite's own locks serialize transactions, not processes:
// without this lock two servers on one file would each keep their own
// revision counter in memory, watch caches and compaction state, and
// corrupt each other's view of the history.
//
// The lock file is named after the database's real path (symlinks of the
// file and its directory resolved), so that two paths to one file share one
// lock, and it is opened without following a symlink planted in its place.
// A hard link to the database is not detected (SQLite then fails the second
// open with a disk I/O error).
func lockDatabase(path string) (*fileLock, error) {
	name := realPath(path) + lockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file %q: %w", name, errnoOf(err))
	}
	switch err := tryLock(f); {
	case errors.Is(err, errLocked):
		holder := lockHolder(f)
		_ = f.Close()
		return nil, fmt.Errorf("database is in use by %s (lock file %q); one process per SQLite file", holder, name)
	case err != nil:
		_ = f.Close()
		return nil, fmt.Errorf("lock file %q: %w", name, errnoOf(err))
	}
	// Record the holder for the message above; a failure to do so costs
	// only the PID in that message.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

// realPath is path with the symlinks of the file, or of its directory when
// the file does not exist yet, resolved; path itself when neither resolves.
func realPath(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(dir, filepath.Base(path))
	}
	return path
}

// lockHolder names the process recorded in the lock file.
func lockHolder(f *os.File) string {
	b, err := io.ReadAll(io.LimitReader(f, maxLockFileBytes))
	if err != nil {
		return "another process"
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return "another process"
	}
	return "process " + strconv.Itoa(pid)
}

// Close releases the lock. The file stays: removing it would let a process
// that opened it before the removal and one that creates a new file both
// believe they hold the lock.
func (l *fileLock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the lock
	l.f = nil
	return err
}
