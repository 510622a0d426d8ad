package sqlstore

import (
	"context"
	"fmt"
)

// migration is one step of the append-only schema history. The base schema
// (dialect.schema) is idempotent and runs on every Open; migrations run once,
// in order, for databases whose schema_version is lower. Never edit or reorder
// a released migration: append a new one.
type migration struct {
	version int64
	name    string
	apply   func(ctx context.Context, r runner) error
}

// initialRV is the revision of an empty database. As with etcd, the first
// write gets revision 2: "1" is a valid, already reached revision to start a
// watch or list from.
const initialRV = 1

var migrations = []migration{
	{version: 1, name: "seed meta rows", apply: func(ctx context.Context, r runner) error {
		for _, kv := range []struct {
			name  string
			value int64
		}{{metaRV, initialRV}, {metaCompactRV, 0}, {metaSchemaVersion, 0}} {
			if _, err := r.exec(ctx, stmtSeedMeta, kv.name, kv.value); err != nil {
				return err
			}
		}
		return nil
	}},
	// Watch replay and historical lists find the events of a key (range)
	// through this index instead of scanning every event since a revision.
	{version: 2, name: "events (key, rv) index", apply: execAll(stmtMigrateEventsKeyIndex)},
	// objects.attrs_rv is the revision since which the side-table rows of a
	// key are unchanged (historical pages push selectors down for keys whose
	// rows have not changed since the page's revision). For existing rows
	// the current version is the conservative answer.
	{version: 3, name: "objects.attrs_rv", apply: execAll(stmtMigrateObjectsAttrsRV, stmtBackfillAttrsRV)},
	// attr_index records, per resource, which labels and fields the side
	// tables index for every stored object (attrindex.go). No row: nothing
	// is trusted, so existing resources are re-indexed when their store opens.
	{version: 4, name: "attr_index table", apply: execAll(stmtMigrateAttrIndex)},
}

// execAll is a migration that runs statements in order.
func execAll(ids ...stmtID) func(ctx context.Context, r runner) error {
	return func(ctx context.Context, r runner) error {
		for _, id := range ids {
			if _, err := r.exec(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}
}

// latestSchemaVersion is the schema this binary writes.
func latestSchemaVersion() int64 { return migrations[len(migrations)-1].version }

// migrate creates the schema and applies pending migrations in one write
// transaction, so a failed upgrade leaves the database as it was.
func (db *DB) migrate(ctx context.Context) error {
	tx, err := db.writer.db.BeginTx(ctx, nil)
	if err != nil {
		return db.observe(ctx, "begin_migrate", func() error { return err })
	}
	defer func() { _ = tx.Rollback() }()
	for i, text := range db.dialect.schema() {
		if err := db.observe(ctx, fmt.Sprintf("schema_%d", i), func() error {
			_, err := tx.ExecContext(ctx, text)
			return err
		}); err != nil {
			return err
		}
	}
	r := runner{db: db, pool: db.writer, tx: tx}
	var current int64
	if _, err := r.queryRow(ctx, stmtGetMeta, []any{&current}, metaSchemaVersion); err != nil {
		return err
	}
	if current > latestSchemaVersion() {
		return fmt.Errorf("schema version %d is newer than this binary supports (%d)", current, latestSchemaVersion())
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		if err := m.apply(ctx, r); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := r.exec(ctx, stmtSetMeta, m.version, metaSchemaVersion); err != nil {
			return err
		}
	}
	if err := db.migrateExtensions(ctx, r); err != nil {
		return err
	}
	return db.observe(ctx, "commit_migrate", tx.Commit)
}
