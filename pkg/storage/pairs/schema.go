package pairs

import (
	"context"

	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// Extension is the pair store's part of the database (docs/bundledeployments.md §3). Pass it in
// sqlstore.Config.Extensions.
func Extension() sqlstore.Extension {
	return sqlstore.Extension{
		Name: "pairs",
		Schema: []string{
			// O(B): what the pairs need of a Bundle.
			`CREATE TABLE IF NOT EXISTS pair_bundles (
				id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, uid TEXT NOT NULL,
				labels BLOB NOT NULL, extra BLOB NOT NULL, UNIQUE (namespace, name))`,
			`CREATE INDEX IF NOT EXISTS pair_bundles_by_name ON pair_bundles (name)`,
			// O(C): what the pairs need of a Cluster.
			`CREATE TABLE IF NOT EXISTS pair_clusters (
				id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, uid TEXT NOT NULL,
				cluster_ns TEXT NOT NULL, UNIQUE (namespace, name), UNIQUE (cluster_ns))`,
			// O(distinct deployments): a deployment ID with its options, stored once.
			`CREATE TABLE IF NOT EXISTS pair_deployments (
				id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, deployment_id TEXT NOT NULL, options BLOB)`,
			// O(distinct statuses): the shared body of agent-reported statuses.
			`CREATE TABLE IF NOT EXISTS pair_statuses (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, body BLOB NOT NULL)`,
			// O(B × C): one row per pair; the primary key is the row.
			`CREATE TABLE IF NOT EXISTS pairs (
				cluster_id INTEGER NOT NULL, bundle_id INTEGER NOT NULL,
				rv INTEGER NOT NULL, created_rv INTEGER NOT NULL, created_at INTEGER NOT NULL, generation INTEGER NOT NULL,
				staged INTEGER NOT NULL, current INTEGER NOT NULL, flags INTEGER NOT NULL,
				applied INTEGER NOT NULL, status INTEGER NOT NULL, locals BLOB, state INTEGER NOT NULL,
				PRIMARY KEY (cluster_id, bundle_id)) WITHOUT ROWID`,
			`CREATE INDEX IF NOT EXISTS pairs_by_bundle ON pairs (bundle_id, cluster_id)`,
			`CREATE INDEX IF NOT EXISTS pairs_by_rv ON pairs (rv)`,
			`CREATE INDEX IF NOT EXISTS pairs_by_cluster_rv ON pairs (cluster_id, rv)`,
		},
		Statements: statements,
		Compacted: func(ctx context.Context, tx *sqlstore.WriteTx, rv int64) error {
			_, err := tx.Exec(ctx, stmtPurgeTombstones, flagDeleted, flagDeleted, rv)
			return err
		},
	}
}

// Flags of a pair row.
const (
	flagPaused      = 1
	flagOffSchedule = 2
	// flagDeleted marks a tombstone: the pair is gone; the row stays, with the revision of its
	// deletion, until compaction passes it, so that resumed watches see the DELETED event.
	flagDeleted = 4
)

// The pair store's statements, each named; they run through sqlstore's single choke point.
var (
	stmtBundleByName = &sqlstore.Statement{Name: "pairs_bundle_by_name",
		SQL: `SELECT id, uid, labels, extra FROM pair_bundles WHERE namespace = ? AND name = ?`}
	stmtBundleIDByName = &sqlstore.Statement{Name: "pairs_bundle_id_by_name",
		SQL: `SELECT id FROM pair_bundles WHERE namespace = ? AND name = ?`}
	stmtInsertBundle = &sqlstore.Statement{Name: "pairs_insert_bundle",
		SQL: `INSERT INTO pair_bundles (namespace, name, uid, labels, extra) VALUES (?, ?, ?, ?, ?) RETURNING id`}
	stmtUpdateBundle = &sqlstore.Statement{Name: "pairs_update_bundle",
		SQL: `UPDATE pair_bundles SET uid = ?, labels = ?, extra = ? WHERE id = ?`}
	stmtDeleteBundle = &sqlstore.Statement{Name: "pairs_delete_bundle", SQL: `DELETE FROM pair_bundles WHERE id = ?`}
	stmtBundleByID   = &sqlstore.Statement{Name: "pairs_bundle_by_id",
		SQL: `SELECT namespace, name, uid, labels, extra FROM pair_bundles WHERE id = ?`}

	stmtClusterByName = &sqlstore.Statement{Name: "pairs_cluster_by_name",
		SQL: `SELECT id, uid, cluster_ns FROM pair_clusters WHERE namespace = ? AND name = ?`}
	stmtClusterByNS = &sqlstore.Statement{Name: "pairs_cluster_by_ns",
		SQL: `SELECT id, namespace, name, uid FROM pair_clusters WHERE cluster_ns = ?`}
	stmtClusterByID = &sqlstore.Statement{Name: "pairs_cluster_by_id",
		SQL: `SELECT namespace, name, uid, cluster_ns FROM pair_clusters WHERE id = ?`}
	stmtInsertCluster = &sqlstore.Statement{Name: "pairs_insert_cluster",
		SQL: `INSERT INTO pair_clusters (namespace, name, uid, cluster_ns) VALUES (?, ?, ?, ?) RETURNING id`}
	stmtUpdateCluster = &sqlstore.Statement{Name: "pairs_update_cluster",
		SQL: `UPDATE pair_clusters SET uid = ?, cluster_ns = ? WHERE id = ?`}
	stmtClustersFrom = &sqlstore.Statement{Name: "pairs_clusters_from",
		SQL: `SELECT id, cluster_ns FROM pair_clusters WHERE cluster_ns >= ? ORDER BY cluster_ns LIMIT ?`}
	stmtBundlesNamed = &sqlstore.Statement{Name: "pairs_bundles_named",
		SQL: `SELECT id, namespace FROM pair_bundles WHERE name = ? ORDER BY id`}

	stmtDeploymentByDigest = &sqlstore.Statement{Name: "pairs_deployment_by_digest",
		SQL: `SELECT id FROM pair_deployments WHERE digest = ?`}
	stmtInsertDeployment = &sqlstore.Statement{Name: "pairs_insert_deployment",
		SQL: `INSERT INTO pair_deployments (digest, deployment_id, options) VALUES (?, ?, ?) RETURNING id`}
	stmtDeploymentByID = &sqlstore.Statement{Name: "pairs_deployment_by_id",
		SQL: `SELECT deployment_id, options FROM pair_deployments WHERE id = ?`}

	stmtStatusByDigest = &sqlstore.Statement{Name: "pairs_status_by_digest", SQL: `SELECT id FROM pair_statuses WHERE digest = ?`}
	stmtInsertStatus   = &sqlstore.Statement{Name: "pairs_insert_status",
		SQL: `INSERT INTO pair_statuses (digest, body) VALUES (?, ?) RETURNING id`}
	stmtStatusByID = &sqlstore.Statement{Name: "pairs_status_by_id", SQL: `SELECT body FROM pair_statuses WHERE id = ?`}

	stmtPairsOfBundle = &sqlstore.Statement{Name: "pairs_of_bundle",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE bundle_id = ?`}
	stmtPairsOfCluster = &sqlstore.Statement{Name: "pairs_of_cluster",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE cluster_id = ? AND flags & ? = 0`}
	stmtPair = &sqlstore.Statement{Name: "pairs_get",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE cluster_id = ? AND bundle_id = ?`}
	stmtUpsertPair = &sqlstore.Statement{Name: "pairs_upsert",
		SQL: `INSERT INTO pairs (` + pairColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (cluster_id, bundle_id) DO UPDATE SET rv = excluded.rv, created_rv = excluded.created_rv,
			created_at = excluded.created_at, generation = excluded.generation, staged = excluded.staged,
			current = excluded.current, flags = excluded.flags, applied = excluded.applied, status = excluded.status,
			locals = excluded.locals, state = excluded.state`}
	stmtChangedSince = &sqlstore.Statement{Name: "pairs_changed_since",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE rv > ? AND rv <= ? ORDER BY rv`}
	stmtClusterChangedSince = &sqlstore.Statement{Name: "pairs_cluster_changed_since",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE cluster_id = ? AND rv > ? AND rv <= ? ORDER BY rv`}
	stmtPurgeTombstones = &sqlstore.Statement{Name: "pairs_purge_tombstones",
		SQL: `DELETE FROM pairs WHERE flags & ? = ? AND rv <= ?`}

	statements = []*sqlstore.Statement{stmtBundleByName, stmtBundleIDByName, stmtInsertBundle, stmtUpdateBundle, stmtDeleteBundle, stmtBundleByID,
		stmtClusterByName, stmtClusterByNS, stmtClusterByID, stmtInsertCluster, stmtUpdateCluster, stmtClustersFrom, stmtBundlesNamed,
		stmtDeploymentByDigest, stmtInsertDeployment, stmtDeploymentByID,
		stmtStatusByDigest, stmtInsertStatus, stmtStatusByID,
		stmtPairsOfBundle, stmtPairsOfCluster, stmtPair, stmtUpsertPair, stmtChangedSince, stmtClusterChangedSince, stmtPurgeTombstones}
)

// pairColumns are the columns of a pair row, in the order row scans them.
const pairColumns = `cluster_id, bundle_id, rv, created_rv, created_at, generation, staged, current, flags, applied, status, locals, state`
