//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package sqlstore

import (
	"errors"
	"os"
	"syscall"
)

// noFollow makes opening the lock file fail on a symlink.
const noFollow = syscall.O_NOFOLLOW

// tryLock takes an exclusive flock(2) on f without waiting. flock locks
// belong to the open file description, so a second Open in the same process
// is refused as well, and they are independent of the POSIX record locks
// SQLite takes on the database file itself.
func tryLock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLocked
		default:
			return err
		}
	}
}
