package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/klog/v2"
)

// SyncMode is how hard a commit is pushed to disk (SQLite's synchronous
// setting on the writer connection, in WAL mode).
type SyncMode string

const (
	// SyncNormal (the default) syncs the WAL at checkpoints only: a commit
	// survives a crash of the process, but the last commits may be lost on a
	// power loss or kernel crash. The database stays consistent either way.
	SyncNormal SyncMode = "normal"
	// SyncFull syncs the WAL at every commit: a commit that returned
	// survives a power loss too, at the price of one fsync per write
	// transaction (group commit shares it between concurrent writes).
	SyncFull SyncMode = "full"
)

// SyncModes lists the accepted values of ParseSyncMode.
var SyncModes = []SyncMode{SyncNormal, SyncFull}

// ParseSyncMode parses "normal" or "full" (any case); "" is SyncNormal.
func ParseSyncMode(s string) (SyncMode, error) {
	switch m := SyncMode(strings.ToLower(s)); m {
	case "":
		return SyncNormal, nil
	case SyncNormal, SyncFull:
		return m, nil
	}
	return "", fmt.Errorf("unknown sync mode %q: want one of %s", s, syncModeList())
}

func syncModeList() string {
	names := make([]string, len(SyncModes))
	for i, m := range SyncModes {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// pragma is SQLite's name of the mode.
func (m SyncMode) pragma() string {
	if m == SyncFull {
		return "FULL"
	}
	return "NORMAL"
}

// pragmaValue is what PRAGMA synchronous reads back for the mode.
func (m SyncMode) pragmaValue() int64 {
	if m == SyncFull {
		return 2
	}
	return 1
}

// defaultWALSizeLimit is the WAL size (journal_size_limit) SQLite truncates
// the file back to when it restarts the log after a checkpoint.
const defaultWALSizeLimit = 64 << 20

// checkSettings reads back the durability settings of the writer
// connection: a setting the driver silently ignored would otherwise only show
// after a power loss.
func (db *DB) checkSettings(ctx context.Context) error {
	r := runner{db: db, pool: db.writer}
	checks := []struct {
		id   stmtID
		want int64
	}{
		{stmtPragmaSynchronous, db.cfg.Sync.pragmaValue()},
		{stmtPragmaJournalSizeLimit, db.cfg.WALSizeLimit},
	}
	for _, c := range checks {
		if db.text(c.id) == "" {
			continue
		}
		var got int64
		if _, err := r.queryRow(ctx, c.id, []any{&got}); err != nil {
			return err
		}
		if got != c.want {
			return fmt.Errorf("%s is %d, want %d", statements[c.id].name, got, c.want)
		}
	}
	return nil
}

// checkpointWAL copies the WAL into the database file and truncates it
// (SQLite's wal_checkpoint(TRUNCATE)), so that the space a compaction freed
// is not held in the WAL. It runs on its own connection with a short busy
// timeout: a reader still on an old snapshot, or a write in progress, turns
// it into a partial checkpoint that blocks nobody, and the WAL is then
// truncated to Config.WALSizeLimit the next time SQLite restarts it.
func (db *DB) checkpointWAL(ctx context.Context) {
	if db.checkpointer == nil || db.text(stmtWALCheckpoint) == "" {
		return
	}
	var busy, logFrames, checkpointed int64
	r := runner{db: db, pool: db.checkpointer}
	if _, err := r.queryRow(ctx, stmtWALCheckpoint, []any{&busy, &logFrames, &checkpointed}); err != nil {
		if ctx.Err() == nil {
			klog.ErrorS(err, "Checkpointing the WAL failed", "path", db.cfg.Path)
		}
		return
	}
	klog.V(4).InfoS("Checkpointed the WAL", "path", db.cfg.Path, "truncated", busy == 0, "walFrames", logFrames, "checkpointedFrames", checkpointed)
}
