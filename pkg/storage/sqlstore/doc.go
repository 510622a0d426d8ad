// Package sqlstore implements k8s.io/apiserver's storage.Interface on SQL:
// embedded SQLite today (modernc.org/sqlite, pure Go), PostgreSQL later
// behind the same dialect seam. It is proven by the upstream conformance
// suite (k8s.io/apiserver/pkg/storage/testing), see conformance_test.go and
// docs/storage.md.
//
// # Schema
//
// One database serves every resource (schema.go, sqlite.go):
//
//	meta(name, value)                        revision counter "rv", "compact_rv", "schema_version"
//	events(rv PK, key, type, value, prev_rv) append-only history; a value is stored once; index (key, rv)
//	objects(key PK, rv, size, expires_at,    current state: one row per live key -> its event;
//	        attrs_rv)                        attrs_rv: revision since which its side-table rows are unchanged
//	labels(key, name, value)                 labels at write time, index (name, value, key)
//	fields(key, name, value)                 selectable fields at write time, same index
//	attr_index(resource PK, indexed, target) per resource: what the side tables index (attrindex.go)
//
// Keys are the apiserver storage keys ("/fleet.cattle.io/gitrepos/ns/name")
// compared byte-wise, so a recursive list is a key-range scan and key order
// is continue-token order. A creation event has no prev_rv; a modification
// points to the event it replaced; a deletion (tombstone, value NULL) points
// to the last version, which is what a DELETED watch event carries. The
// base schema is idempotent and runs at every Open; changes are appended to
// an ordered migration list recorded in schema_version.
//
// # Revisions and commit order
//
// There is one global, commit-ordered revision counter (decimal uint64,
// storage.APIObjectVersioner), starting at 1 like etcd so that the first
// write is revision 2. Every write runs in a transaction that reads the
// counter from the meta row, allocates the next revisions and stores the
// last one back. On SQLite all writes go through one goroutine and one
// connection (commit.go): it takes every write waiting at that moment and
// commits them in one transaction (group commit), each in a savepoint so
// that a failed compare-and-swap does not abort the others. Revisions are
// therefore allocated in commit order and a reader can never see revision
// N+1 before N. On PostgreSQL the meta row read becomes SELECT ... FOR
// UPDATE: the row lock orders writers the same way, and commits become
// visible in revision order. Reads use a pool of read-only connections;
// a LIST runs in one read transaction (a snapshot), so its items and its
// resourceVersion agree.
//
// Updates and deletes are compare-and-swap on objects.rv; a conflict re-reads
// and retries as etcd3 does, honouring cachedExistingObject suggestions.
// GuaranteedUpdate writes nothing (no event, same revision) when the encoded
// bytes do not change.
//
// # Watch
//
// One poller goroutine per DB (poller.go) reads new events (rv > last) in
// order; a local commit wakes it at once and a one-second tick picks up
// writes of other processes (multi-replica PostgreSQL). It hands each event
// to the watchers whose key is a prefix of (recursive) or equal to the
// event key, found through maps indexed by key prefix: an event costs
// O(depth of the key + interested watchers), whatever the number of
// watchers on other namespaces or resources. An event is decoded at most
// once per store, lazily, by the first watcher that needs it; every
// watcher delivers a deep copy, except the last holder, which delivers the
// original.
//
// Each watcher has its own goroutine, a 16-event result channel and a queue
// the poller appends to without ever blocking. A new watcher registers first
// (learning the dispatch position P), then replays (start, P] from the
// events table, then consumes its queue: no gap, no duplicate. A watcher
// that falls more than 1024 events behind (its client does not read) stops
// receiving events in memory; when it resumes it catches up from the events
// table, as etcd's unsynced watchers do (fleet_storage_watch_catchups_total).
// Nothing is held in memory for it and no other watcher waits. Only if
// compaction overtakes it does it end, with 410 Gone.
//
// A replay reads the events of the watched key in (start, P] through the
// (key, rv) index. For a key range (recursive watch) it counts, through the
// same index, the events of the range up to the number of revisions to
// replay, and reads the index when the range has fewer, the revision range
// otherwise: O(min(history of the range, revisions since start)), so N
// agents resuming their namespace watches after a restart do not each scan
// every event since their revision.
//
// Resource versions follow etcd3: "n" streams the events after n (410 Gone
// if compacted); "0" or "" first sends the current state as ADDED events;
// with the WatchList feature, SendInitialEvents=true sends the state then,
// with AllowWatchBookmarks, a bookmark annotated k8s.io/initial-events-end,
// and SendInitialEvents=false starts at the current revision. The state is
// read at one revision R, in pages of 1000: the first at the latest
// revision, the others at R (push-down kept, nothing counted), each in its
// own short read transaction, so that a client that reads slowly pins
// neither a reader connection nor the WAL. A selector turns modifications
// into ADDED/DELETED when the object enters/leaves it.
// Watchers opened with ProgressNotify (the watch cache) get a bookmark at
// the dispatch position every Config.ProgressNotifyInterval and on
// RequestWatchProgress; watchers that allow bookmarks get one every
// Config.BookmarkInterval. Decode and transform failures end the watch with
// an ERROR event, as in etcd3.
//
// # Lists and selector push-down
//
// A list scans objects in key order with keyset pagination (the continue key
// is the last key + "\x00"). When the store has the resource's AttrFunc (the
// Decorator passes it), labels and fields are written to the side tables at
// write time and the indexable requirements are pushed into SQL
// (pushdown.go): labels =, ==, !=, in, notin, exists, !exists; fields =, ==,
// != with a non-empty value. A label or field equality drives the scan
// through the (name, value, key) index, which yields keys in order; the
// other requirements become EXISTS / NOT EXISTS filters. Items are still
// checked with Predicate.Matches. metadata.name and metadata.namespace are
// not indexed (the registry turns them into keys). This requires the
// predicates given to GetList to use the same AttrFunc as the store, as
// genericregistry.Store does.
//
// What the side tables index is recorded per resource in attr_index: labels,
// and the field names the AttrFunc returns for an empty object. indexed is
// what every stored object has rows for; target is what writes maintain
// now. Push-down trusts their intersection, read in the list's snapshot: a
// selector on a field outside it is filtered in Go. When a store opens with
// a set that differs from the record (a new selectable field, a database
// written before the record existed), an empty resource is recorded at
// once; otherwise the store re-indexes its objects in the background, in
// batches of 256 through the writer, and records the new set when done
// (reindex.go). A store without AttrFunc that writes drops the record, since
// it cannot maintain the rows: push-down is off for that resource until a
// store with an AttrFunc re-indexes it. An AttrFunc must return the same
// field names for every object; a field whose derivation changes under the
// same name is not detected.
//
// A page at an older revision R (ResourceVersionMatch=Exact, or a continue
// token whose revision is no longer the latest: the revision is global, so
// any write anywhere makes it older) is the merge, in key order, of two
// parts (statements.go, historyTouched): the keys untouched since R (their
// current row, pushed down as above with objects.rv <= R), and the keys
// written since R that were live at R, taken from the events after R (the
// first event after R of a key is the only one whose prev_rv is <= R, and
// prev_rv is its version at R). For a written key whose side-table rows
// have not changed since R (objects.attrs_rv <= R: a status update, an
// annotation), those rows describe its version at R too, so the selector is
// pushed down for it as well; keys relabelled, re-created or deleted since R
// are returned with their version at R and filtered in Go. A page therefore
// decodes what it returns plus the keys of its range relabelled or deleted
// while the list is in progress, each once. attrs_rv moves when a write
// changes the key's rows (and with every write of a store without AttrFunc);
// a re-index that changes them sets it to the key's current revision.
//
// An unfiltered page that has more carries remainingItemCount. The first
// page of a list counts the rest of the range; each store remembers the
// count it handed out with a continue token (remaining.go, 256 lists), so
// the next page subtracts what it returns instead of counting again. A page
// whose token was not handed out by this process counts.
//
// # Compaction
//
// Compact(rv) deletes every event <= rv superseded by a later event of the
// same key <= rv, found through prev_rv of the events in (previous
// compaction, rv], and every tombstone <= rv; the event an object points to
// is never deleted. It runs in chunks of 10,000 revisions per transaction,
// waits until the poller has dispatched rv (live watchers never miss an
// event), records compact_rv and writes a marker at key "compact_rev_key"
// (one revision) so that every process sharing the database observes it.
// Config.CompactInterval (default 5m) compacts the history older than the
// previous tick, so watchers and paginated lists have one to two intervals
// to resume. Lists and watches older than the compacted revision get the
// same 410 errors as etcd3.
//
// # Durability
//
// Config.Sync picks SQLite's synchronous mode for the writer: NORMAL (the
// default) survives a crash of the process, FULL (--storage-sync=full)
// also survives a power loss, at one fsync per write transaction. Open reads
// the setting back (durability.go). The WAL is checkpointed by the writer
// past 1,000 pages (wal_autocheckpoint), and cut back to Config.WALSizeLimit
// (journal_size_limit, default 64 MiB) when SQLite restarts it. Every
// Compact ends with wal_checkpoint(TRUNCATE) on a connection of its own with
// a 250 ms busy timeout: the WAL goes back to zero bytes, or to a partial
// checkpoint that blocks nobody when a reader or a write is in the way. Open
// takes an exclusive flock on "<path>.lock" (lock.go) until Close. A second
// process, or a second Open in the same process, fails in one line naming
// the file and the holder's PID. The OS drops the lock when the holder dies.
//
// StoreConfig.Transformer encrypts values at rest; RESTOptionsGetterWithTransformers
// takes it per resource from value.ResourceTransformers, as
// --encryption-provider-config builds them. Keys, and the labels and
// selectable fields in the side tables, are not encrypted.
//
// # Extensions
//
// Other packages add tables to the database through Config.Extensions (the
// compact BundleDeployment pairs): an idempotent schema and an append-only
// migration list per extension, recorded in the meta row
// "schema_version:<name>". DB.Write runs a function in the serialized write
// transaction (WriteTx.NextRV allocates revisions from the global counter,
// so an extension's rows and every resource's events share one order);
// DB.Read runs one in a read snapshot; Commits announces local commits;
// Extension.Compacted runs after each compaction. Extension statements are
// named and run through the same choke point as the store's.
//
// # Errors
//
// Every statement is named (statements.go) and runs through one function
// (DB.observe) that logs it at V(5), records fleet_storage_sql_duration_seconds
// and maps driver errors to *DBError (errors.Is ErrCorrupt, ErrReadOnly,
// ErrBusy). Open reports a bad file or directory in one line and runs
// PRAGMA quick_check (Config.SkipIntegrityCheck skips it on very large
// files). With AllowUnsafeMalformedObjectDeletion, unreadable objects are
// reported as corrupt (aggregated per LIST) so that they can be deleted.
//
// # Not supported
//
//   - Leases: TTLs are an expires_at column swept every second (a deleted
//     object is seen up to a second late), not etcd leases.
//   - Consistent reads from the watch cache: the cacher only enables them
//     for etcd (feature checker); with a cacher, consistent lists go to the
//     database, which is correct.
//   - etcd 3.7 RangeStream and the etcd-specific KubernetesRecorder.
//   - At an older revision, objects relabelled or deleted since are
//     decoded and filtered in Go (see Lists).
//   - Several processes on one SQLite file (refused, see Durability);
//     that is PostgreSQL's job.
//   - Selector push-down for encrypted resources: their labels and fields
//     would be plaintext in the side tables, so they are not written there
//     (StoreConfig.Sealed) and their selectors are filtered in Go.
//
// # PostgreSQL
//
// A postgres dialect implements dialect (dialect.go): open pools with pgx,
// BIGINT/BYTEA and TEXT COLLATE "C" keys in its schema, "$n" placeholders
// in rebind, FOR UPDATE on stmtLockRV, its own error classes. The store,
// the poller (which already polls for other writers), compaction and the
// tests are shared; the conformance suite runs against both.
package sqlstore
