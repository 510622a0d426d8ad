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

	stmtListCurrentFrom
	stmtListCurrentAfter
	stmtListHistoryFrom
	stmtListHistoryAfter
	stmtCountCurrentAfter
	stmtCountHistoryAfter
	stmtStats

	stmtPollEvents
	stmtReplayPrefix
	stmtReplayKey

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

// historyUnion selects, for the keys in a range, the event that was current at
// revision R without a (key, rv) index: keys untouched since R come from
// objects, keys touched since R from the prev_rv of their first event after R
// (the only event after R whose prev_rv is <= R). Arguments: lo, hi, R, R, lo,
// hi, R. The comparison on lo is substituted by the From/After variants.
const historyUnionFrom = `SELECT s.key, s.rv, v.value FROM (
  SELECT o.key AS key, o.rv AS rv FROM objects o WHERE o.key >= ? AND o.key < ? AND o.rv <= ?
  UNION ALL
  SELECT e.key AS key, e.prev_rv AS rv FROM events e WHERE e.rv > ? AND e.key >= ? AND e.key < ? AND e.prev_rv <= ?
) s JOIN events v ON v.rv = s.rv WHERE v.type <> 3 `

const historyUnionAfter = `SELECT s.key, s.rv, v.value FROM (
  SELECT o.key AS key, o.rv AS rv FROM objects o WHERE o.key > ? AND o.key < ? AND o.rv <= ?
  UNION ALL
  SELECT e.key AS key, e.prev_rv AS rv FROM events e WHERE e.rv > ? AND e.key > ? AND e.key < ? AND e.prev_rv <= ?
) s JOIN events v ON v.rv = s.rv WHERE v.type <> 3 `

type statementDef struct {
	name string
	text string
}

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
	stmtInsertObject: {"insert_object", `INSERT INTO objects (key, rv, size, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`},
	stmtUpdateObject: {"update_object", `UPDATE objects SET rv = ?, size = ?, expires_at = ? WHERE key = ? AND rv = ?`},
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

	stmtListCurrentFrom:   {"list_current", `SELECT o.key, o.rv, e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE o.key >= ? AND o.key < ? ORDER BY o.key LIMIT ?`},
	stmtListCurrentAfter:  {"list_current", `SELECT o.key, o.rv, e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE o.key > ? AND o.key < ? ORDER BY o.key LIMIT ?`},
	stmtListHistoryFrom:   {"list_history", historyUnionFrom + `ORDER BY s.key LIMIT ?`},
	stmtListHistoryAfter:  {"list_history", historyUnionAfter + `ORDER BY s.key LIMIT ?`},
	stmtCountCurrentAfter: {"count_current", `SELECT COUNT(*) FROM objects WHERE key > ? AND key < ?`},
	stmtCountHistoryAfter: {"count_history", `SELECT COUNT(*) FROM (` + historyUnionAfter + `) c`},
	stmtStats:             {"stats", `SELECT COUNT(*), COALESCE(SUM(size), 0) FROM objects WHERE key >= ? AND key < ?`},

	stmtPollEvents:   {"poll_events", eventColumns + `WHERE e.rv > ? ORDER BY e.rv LIMIT ?`},
	stmtReplayPrefix: {"replay_prefix", eventColumns + `WHERE e.rv > ? AND e.rv <= ? AND e.key >= ? AND e.key < ? ORDER BY e.rv LIMIT ?`},
	stmtReplayKey:    {"replay_key", eventColumns + `WHERE e.rv > ? AND e.rv <= ? AND e.key = ? ORDER BY e.rv LIMIT ?`},

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
	fragSelectDrivenLabels = `SELECT o.key, o.rv, e.value FROM labels d CROSS JOIN objects o CROSS JOIN events e WHERE d.name = ? AND d.value = ? AND o.key = d.key AND e.rv = o.rv AND `
	fragSelectDrivenFields = `SELECT o.key, o.rv, e.value FROM fields d CROSS JOIN objects o CROSS JOIN events e WHERE d.name = ? AND d.value = ? AND o.key = d.key AND e.rv = o.rv AND `
	fragDrivenKeyFrom      = `d.key >= ? AND d.key < ?`
	fragDrivenKeyAfter     = `d.key > ? AND d.key < ?`
	fragDrivenOrderLimit   = ` ORDER BY d.key LIMIT ?`

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
