package sqlstore

// stmtID names one SQL statement. Every statement the package runs is listed
// here with a stable name (used as the metric label and in logs) and a default
// text written with "?" placeholders. A dialect may replace the text of any
// statement and rewrites placeholders for its driver (see dialect.go).
type stmtID int

const (
	stmtPing stmtID = iota
	stmtGetMeta
	stmtSetMeta
	stmtSeedMeta
	stmtLockRV
	stmtRevisions

	stmtGetObject
	stmtGetObjectWithRV
	stmtGetObjectAt
	stmtObjectRV
	stmtInsertObject
	stmtUpdateObject
	stmtDeleteObject
	stmtInsertEvent

	stmtSelectLabels
	stmtUpsertLabel
	stmtDeleteLabel
	stmtDeleteLabelsOfKey
	stmtSelectFields
	stmtUpsertField
	stmtDeleteField
	stmtDeleteFieldsOfKey

	stmtSetAttrsRV
	stmtGetAttrIndex
	stmtSetAttrIndex
	stmtCompleteAttrIndex
	stmtDropAttrIndex
	stmtDeleteLabelsInRange
	stmtDeleteFieldsInRange
	stmtAnyObject

	stmtListCurrentFrom
	stmtListCurrentAfter
	stmtListHistoryFrom
	stmtListHistoryAfter
	stmtCountCurrentAfter
	stmtCountHistoryAfter
	stmtStats

	stmtPollEvents
	stmtReplayPrefix
	stmtReplayPrefixByKey
	stmtReplayKey
	stmtCountRangeEvents

	stmtCompactPrev
	stmtCompactTombstones
	stmtExpired

	stmtQuickCheck
	stmtPragmaSynchronous
	stmtPragmaJournalSizeLimit
	stmtWALCheckpoint
	stmtSavepoint
	stmtRollbackToSavepoint
	stmtReleaseSavepoint

	// Schema migrations (schema.go) come last: they run once, inside the
	// migration transaction, and are not prepared at Open (DDL cannot be
	// prepared against a schema that already has what it creates).
	stmtMigrateEventsKeyIndex
	stmtMigrateObjectsAttrsRV
	stmtBackfillAttrsRV
	stmtMigrateAttrIndex

	numStatements
)

// Event types stored in events.type.
const (
	eventCreated  = 1
	eventModified = 2
	eventDeleted  = 3
)

// compactRevKey is the key of the compaction marker: every compaction writes
// the compacted revision there, so that the poller of every process sharing the
// database observes it (CompactRevision). It has no leading "/", so it can never
// collide with a resource key (storage.PrepareKey requires one).
const compactRevKey = "compact_rev_key"

// eventColumns is what watch replay and the poller read: the event and the
// value of the event it replaced (needed for DELETED and for selector
// transitions).
const eventColumns = `SELECT e.rv, e.key, e.type, e.value, p.value FROM events e LEFT JOIN events p ON p.rv = e.prev_rv `

// The state at an older revision R (historical lists) is the union of two
// arms, each in key order so that the engine merges them and stops at the
// LIMIT: keys untouched since R (objects.rv <= R: the current row) and keys
// touched since R that were live at R (their first event after R is the only
// one after R whose prev_rv is <= R, and prev_rv is their version at R).
// The touched keys come from the events after R, materialized once per
// query (scanned by revision, never through the (key, rv) index, which would
// walk the whole history of the range). Neither arm can reach a tombstone:
// objects point to live versions and prev_rv to the version replaced.
// Arguments: R, R, lo, hi, R, lo, hi (then LIMIT).
const (
	historyTouched = `WITH t AS MATERIALIZED (SELECT key, prev_rv FROM events WHERE rv > ? AND prev_rv <= ?) `
	historyFrom    = historyTouched + `SELECT o.key, o.rv, v.value FROM objects o JOIN events v ON v.rv = o.rv WHERE o.key >= ? AND o.key < ? AND o.rv <= ?
UNION ALL SELECT t.key, t.prev_rv, v.value FROM t JOIN events v ON v.rv = t.prev_rv WHERE t.key >= ? AND t.key < ? `
	historyAfter = historyTouched + `SELECT o.key, o.rv, v.value FROM objects o JOIN events v ON v.rv = o.rv WHERE o.key > ? AND o.key < ? AND o.rv <= ?
UNION ALL SELECT t.key, t.prev_rv, v.value FROM t JOIN events v ON v.rv = t.prev_rv WHERE t.key > ? AND t.key < ? `
)

// eventColumnsFrom is eventColumns with the events table named separately,
// so that a dialect can give the engine an index hint (replay).
const eventColumnsFrom = `SELECT e.rv, e.key, e.type, e.value, p.value FROM `

type statementDef struct {
	name string
	text string
}

// isMigration reports whether a statement belongs to a schema migration.
func isMigration(id stmtID) bool { return id >= stmtMigrateEventsKeyIndex }

// statements holds the portable text of every statement.
var statements = [numStatements]statementDef{
	stmtPing:     {"ping", `SELECT 1`},
	stmtGetMeta:  {"get_meta", `SELECT value FROM meta WHERE name = ?`},
	stmtSetMeta:  {"set_meta", `UPDATE meta SET value = ? WHERE name = ?`},
	stmtSeedMeta: {"seed_meta", `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`},
	// stmtLockRV reads the revision counter at the start of a write
	// transaction. On SQLite the transaction already holds the write lock
	// (BEGIN IMMEDIATE); PostgreSQL overrides it with FOR UPDATE.
	stmtLockRV: {"lock_rv", `SELECT value FROM meta WHERE name = 'rv'`},
	// stmtRevisions reads the current and compacted revisions together.
	stmtRevisions: {"revisions", `SELECT (SELECT value FROM meta WHERE name = 'rv'), (SELECT value FROM meta WHERE name = 'compact_rv')`},

	stmtGetObject: {"get_object", `SELECT o.rv, e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE o.key = ?`},
	stmtGetObjectWithRV: {"get_object_with_rv", `SELECT m.value, o.rv, e.value FROM meta m
LEFT JOIN objects o ON o.key = ? LEFT JOIN events e ON e.rv = o.rv WHERE m.name = 'rv'`},
	stmtGetObjectAt: {"get_object_at", `SELECT s.rv, v.value FROM (
  SELECT o.rv AS rv FROM objects o WHERE o.key = ? AND o.rv <= ?
  UNION ALL
  SELECT e.prev_rv AS rv FROM events e WHERE e.rv > ? AND e.key = ? AND e.prev_rv <= ?
) s JOIN events v ON v.rv = s.rv WHERE v.type <> 3`},
	stmtObjectRV:     {"object_rv", `SELECT rv FROM objects WHERE key = ?`},
	stmtInsertObject: {"insert_object", `INSERT INTO objects (key, rv, size, expires_at, attrs_rv) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`},
	// attrs_rv moves only when the side-table rows of the key change (or
	// when the write does not maintain them: NULL keeps it).
	stmtUpdateObject: {"update_object", `UPDATE objects SET rv = ?, size = ?, expires_at = ?, attrs_rv = COALESCE(?, attrs_rv) WHERE key = ? AND rv = ?`},
	stmtDeleteObject: {"delete_object", `DELETE FROM objects WHERE key = ? AND rv = ?`},
	stmtInsertEvent:  {"insert_event", `INSERT INTO events (rv, key, type, value, prev_rv) VALUES (?, ?, ?, ?, ?)`},

	stmtSelectLabels:      {"select_labels", `SELECT name, value FROM labels WHERE key = ?`},
	stmtUpsertLabel:       {"upsert_label", `INSERT INTO labels (key, name, value) VALUES (?, ?, ?) ON CONFLICT (key, name) DO UPDATE SET value = excluded.value`},
	stmtDeleteLabel:       {"delete_label", `DELETE FROM labels WHERE key = ? AND name = ?`},
	stmtDeleteLabelsOfKey: {"delete_labels_of_key", `DELETE FROM labels WHERE key = ?`},
	stmtSelectFields:      {"select_fields", `SELECT name, value FROM fields WHERE key = ?`},
	stmtUpsertField:       {"upsert_field", `INSERT INTO fields (key, name, value) VALUES (?, ?, ?) ON CONFLICT (key, name) DO UPDATE SET value = excluded.value`},
	stmtDeleteField:       {"delete_field", `DELETE FROM fields WHERE key = ? AND name = ?`},
	stmtDeleteFieldsOfKey: {"delete_fields_of_key", `DELETE FROM fields WHERE key = ?`},

	stmtSetAttrsRV:          {"set_attrs_rv", `UPDATE objects SET attrs_rv = ? WHERE key = ?`},
	stmtGetAttrIndex:        {"get_attr_index", `SELECT indexed, target FROM attr_index WHERE resource = ?`},
	stmtSetAttrIndex:        {"set_attr_index", `INSERT INTO attr_index (resource, indexed, target) VALUES (?, ?, ?) ON CONFLICT (resource) DO UPDATE SET indexed = excluded.indexed, target = excluded.target`},
	stmtCompleteAttrIndex:   {"complete_attr_index", `UPDATE attr_index SET indexed = target WHERE resource = ? AND target = ?`},
	stmtDropAttrIndex:       {"drop_attr_index", `DELETE FROM attr_index WHERE resource = ?`},
	stmtDeleteLabelsInRange: {"delete_labels_in_range", `DELETE FROM labels WHERE key >= ? AND key < ?`},
	stmtDeleteFieldsInRange: {"delete_fields_in_range", `DELETE FROM fields WHERE key >= ? AND key < ?`},
	stmtAnyObject:           {"any_object", `SELECT 1 FROM objects WHERE key >= ? AND key < ? LIMIT 1`},

	stmtListCurrentFrom:   {"list_current", `SELECT o.key, o.rv, e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE o.key >= ? AND o.key < ? ORDER BY o.key LIMIT ?`},
	stmtListCurrentAfter:  {"list_current", `SELECT o.key, o.rv, e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE o.key > ? AND o.key < ? ORDER BY o.key LIMIT ?`},
	stmtListHistoryFrom:   {"list_history", historyFrom + `ORDER BY 1 LIMIT ?`},
	stmtListHistoryAfter:  {"list_history", historyAfter + `ORDER BY 1 LIMIT ?`},
	stmtCountCurrentAfter: {"count_current", `SELECT COUNT(*) FROM objects WHERE key > ? AND key < ?`},
	// Arguments: R, R, lo, hi, R, lo, hi.
	stmtCountHistoryAfter: {"count_history", historyTouched + `SELECT (SELECT COUNT(*) FROM objects o WHERE o.key > ? AND o.key < ? AND o.rv <= ?) + (SELECT COUNT(*) FROM t WHERE t.key > ? AND t.key < ?)`},
	stmtStats:             {"stats", `SELECT COUNT(*), COALESCE(SUM(size), 0) FROM objects WHERE key >= ? AND key < ?`},

	stmtPollEvents: {"poll_events", eventColumns + `WHERE e.rv > ? ORDER BY e.rv LIMIT ?`},
	// Replay of a key range (recursive watch) reads either the events in
	// the revision range and keeps those of the key range (stmtReplayPrefix),
	// or the (key, rv) index of the key range and keeps those in the
	// revision range (stmtReplayPrefixByKey), whichever visits fewer rows
	// (see watcher.replayStatement). Same arguments: from, to, lo, hi, limit.
	stmtReplayPrefix:      {"replay_prefix", eventColumns + `WHERE e.rv > ? AND e.rv <= ? AND e.key >= ? AND e.key < ? ORDER BY e.rv LIMIT ?`},
	stmtReplayPrefixByKey: {"replay_prefix_by_key", eventColumns + `WHERE e.rv > ? AND e.rv <= ? AND e.key >= ? AND e.key < ? ORDER BY e.rv LIMIT ?`},
	stmtReplayKey:         {"replay_key", eventColumns + `WHERE e.rv > ? AND e.rv <= ? AND e.key = ? ORDER BY e.rv LIMIT ?`},
	// stmtCountRangeEvents counts the events of a key range, up to a cap,
	// through the (key, rv) index: it costs at most min(history of the
	// range, cap) index entries.
	stmtCountRangeEvents: {"count_range_events", `SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE key >= ? AND key < ? LIMIT ?) c`},

	// Compaction to C after a compaction to C0: an event <= C is superseded
	// exactly when its successor is in (C0, C], and every successor points to
	// its predecessor through prev_rv. Tombstones in (C0, C] go too.
	stmtCompactPrev:       {"compact_prev", `DELETE FROM events WHERE rv IN (SELECT prev_rv FROM events WHERE rv > ? AND rv <= ? AND prev_rv IS NOT NULL)`},
	stmtCompactTombstones: {"compact_tombstones", `DELETE FROM events WHERE rv > ? AND rv <= ? AND type = 3`},
	stmtExpired:           {"expired_objects", `SELECT key, rv FROM objects WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`},

	// stmtQuickCheck is engine specific; dialects without an equivalent
	// return "" and the check is skipped.
	stmtQuickCheck: {"quick_check", ``},
	// Durability settings and the WAL checkpoint after compaction
	// (durability.go) are engine specific too.
	stmtPragmaSynchronous:      {"pragma_synchronous", ``},
	stmtPragmaJournalSizeLimit: {"pragma_journal_size_limit", ``},
	stmtWALCheckpoint:          {"wal_checkpoint", ``},

	// Group commit: each write of a batch runs inside its own savepoint so
	// that one failed write does not abort the others.
	stmtSavepoint:           {"savepoint", `SAVEPOINT w`},
	stmtRollbackToSavepoint: {"rollback_to_savepoint", `ROLLBACK TO SAVEPOINT w`},
	stmtReleaseSavepoint:    {"release_savepoint", `RELEASE SAVEPOINT w`},

	// Schema migrations (schema.go).
	stmtMigrateEventsKeyIndex: {"migrate_events_key_index", `CREATE INDEX events_key_rv ON events (key, rv)`},
	stmtMigrateObjectsAttrsRV: {"migrate_objects_attrs_rv", `ALTER TABLE objects ADD COLUMN attrs_rv INTEGER`},
	stmtBackfillAttrsRV:       {"backfill_attrs_rv", `UPDATE objects SET attrs_rv = rv WHERE attrs_rv IS NULL`},
	stmtMigrateAttrIndex:      {"migrate_attr_index", `CREATE TABLE attr_index (resource TEXT PRIMARY KEY, indexed TEXT NOT NULL, target TEXT NOT NULL)`},
}

// Meta rows.
const (
	metaRV            = "rv"
	metaCompactRV     = "compact_rv"
	metaSchemaVersion = "schema_version"
)

// Fixed fragments for the selector push-down (see pushdown.go). They are
// constants: only their number and order depend on the request, never their
// text, and every value is bound as a placeholder.
const (
	fragSelectCurrent = `SELECT o.key, o.rv, e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE `
	fragKeyFrom       = `o.key >= ? AND o.key < ?`
	fragKeyAfter      = `o.key > ? AND o.key < ?`
	fragOrderLimit    = ` ORDER BY o.key LIMIT ?`

	// A driving equality: scan the (name, value, key) index, which yields
	// keys in order, and join objects by key.
	fragSelectDrivenLabels = `SELECT d.key, o.rv, e.value FROM labels d CROSS JOIN objects o CROSS JOIN events e WHERE d.name = ? AND d.value = ? AND o.key = d.key AND e.rv = o.rv AND `
	fragSelectDrivenFields = `SELECT d.key, o.rv, e.value FROM fields d CROSS JOIN objects o CROSS JOIN events e WHERE d.name = ? AND d.value = ? AND o.key = d.key AND e.rv = o.rv AND `
	fragDrivenKeyFrom      = `d.key >= ? AND d.key < ?`
	fragDrivenKeyAfter     = `d.key > ? AND d.key < ?`
	fragDrivenOrderLimit   = ` ORDER BY d.key LIMIT ?`

	// At an older revision R (historical pages), see historyTouched: the
	// arm of untouched keys is the query above with o.rv <= R; the arm of
	// touched keys applies the same filters to the keys whose side-table
	// rows have not changed since R (attrs_rv <= R), whose rows therefore
	// describe their version at R, and keeps the others unfiltered (their
	// version at R is decoded and checked in Go).
	fragAtRev           = ` AND o.rv <= ?`
	fragTouchedArm      = ` UNION ALL SELECT t.key, t.prev_rv, v.value FROM t CROSS JOIN events v LEFT JOIN objects o ON o.key = t.key AND o.attrs_rv <= ? WHERE v.rv = t.prev_rv AND `
	fragTouchedKeyFrom  = `t.key >= ? AND t.key < ?`
	fragTouchedKeyAfter = `t.key > ? AND t.key < ?`
	fragUnchangedOpen   = ` AND (o.key IS NULL OR (`
	fragUnchangedClose  = `))`
	fragOrderFirstLimit = ` ORDER BY 1 LIMIT ?`

	fragAnd            = ` AND `
	fragLabelEq        = `EXISTS (SELECT 1 FROM labels x WHERE x.key = o.key AND x.name = ? AND x.value = ?)`
	fragLabelNotEq     = `NOT EXISTS (SELECT 1 FROM labels x WHERE x.key = o.key AND x.name = ? AND x.value = ?)`
	fragLabelExists    = `EXISTS (SELECT 1 FROM labels x WHERE x.key = o.key AND x.name = ?)`
	fragLabelNotExists = `NOT EXISTS (SELECT 1 FROM labels x WHERE x.key = o.key AND x.name = ?)`
	fragLabelInOpen    = `EXISTS (SELECT 1 FROM labels x WHERE x.key = o.key AND x.name = ? AND x.value IN (`
	fragLabelNotInOpen = `NOT EXISTS (SELECT 1 FROM labels x WHERE x.key = o.key AND x.name = ? AND x.value IN (`
	fragFieldEq        = `EXISTS (SELECT 1 FROM fields x WHERE x.key = o.key AND x.name = ? AND x.value = ?)`
	fragFieldNotEq     = `NOT EXISTS (SELECT 1 FROM fields x WHERE x.key = o.key AND x.name = ? AND x.value = ?)`
	fragPlaceholder    = `?`
	fragComma          = `, `
	fragCloseIn        = `))`
)
