//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package sqlstore

import (
	"os"

	"k8s.io/klog/v2"
)

// noFollow: this system's open flags are not known here.
const noFollow = 0

// tryLock does not lock on this system: nothing stops a second process from
// opening the database (known gap, docs/storage.md).
func tryLock(f *os.File) error {
	klog.InfoS("Not locking the database: this system has no flock(2); run one process per SQLite file", "lockFile", f.Name())
	return nil
}
