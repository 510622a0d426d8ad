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
			// The live pairs that are not Ready, per bundle and per cluster: the first ten of each are
			// the summaries' nonReadyResources (an index of non-ready pairs only).
			`CREATE INDEX IF NOT EXISTS pairs_bundle_not_ready ON pairs (bundle_id, cluster_id) WHERE ` + notReadyLive,
			`CREATE INDEX IF NOT EXISTS pairs_cluster_not_ready ON pairs (cluster_id, bundle_id) WHERE ` + notReadyLive,
			// O(B + C): the summaries' counters, by owner (a Bundle or a Cluster) and pair state, moved
			// by delta in the transaction of the pair write that changes them.
			`CREATE TABLE IF NOT EXISTS pair_counts (
				kind INTEGER NOT NULL, owner INTEGER NOT NULL, state INTEGER NOT NULL, n INTEGER NOT NULL,
				PRIMARY KEY (kind, owner, state)) WITHOUT ROWID`,
			// The summaries whose object has not been rewritten since they changed; mark counts the
			// changes, so that the flusher clears only a mark it has seen.
			`CREATE TABLE IF NOT EXISTS pair_dirty (
				kind INTEGER NOT NULL, owner INTEGER NOT NULL, mark INTEGER NOT NULL,
				PRIMARY KEY (kind, owner)) WITHOUT ROWID`,
			// O(B): what the Bundle controller computed that the Bundle's status shows (BundleStatus).
			`CREATE TABLE IF NOT EXISTS pair_bundle_status (bundle_id INTEGER PRIMARY KEY, body BLOB NOT NULL)`,
		},
		Migrations: []sqlstore.ExtensionMigration{{
			// Pairs written before the counters existed are counted once, and every summary announced.
			Version: 1, Name: "count pairs",
			Statements: []string{
				`INSERT INTO pair_counts (kind, owner, state, n) SELECT 0, bundle_id, state, COUNT(*) FROM pairs
					WHERE flags & 4 = 0 GROUP BY bundle_id, state
					ON CONFLICT (kind, owner, state) DO UPDATE SET n = excluded.n`,
				`INSERT INTO pair_counts (kind, owner, state, n) SELECT 1, cluster_id, state, COUNT(*) FROM pairs
					WHERE flags & 4 = 0 GROUP BY cluster_id, state
					ON CONFLICT (kind, owner, state) DO UPDATE SET n = excluded.n`,
				`INSERT INTO pair_dirty (kind, owner, mark) SELECT 0, id, 1 FROM pair_bundles WHERE true ON CONFLICT DO NOTHING`,
				`INSERT INTO pair_dirty (kind, owner, mark) SELECT 1, id, 1 FROM pair_clusters WHERE true ON CONFLICT DO NOTHING`,
			},
		}, {
			// The GitRepo or HelmOp a Bundle comes from (its fleet.cattle.io/repo-name or
			// fleet-helm-name label), whose summary sums its Bundles'. Bundles written before are
			// linked by their next reconcile.
			Version: 2, Name: "repos",
			Statements: []string{
				`CREATE TABLE IF NOT EXISTS pair_repos (
					id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
					UNIQUE (kind, namespace, name))`,
				`ALTER TABLE pair_bundles ADD COLUMN repo INTEGER NOT NULL DEFAULT 0`,
				`CREATE INDEX IF NOT EXISTS pair_bundles_by_repo ON pair_bundles (repo) WHERE repo <> 0`,
			},
		}, {
			// ClusterGroups and their members (kept by the ClusterGroup reconciler), whose summary
			// sums its clusters'.
			Version: 3, Name: "cluster groups",
			Statements: []string{
				`CREATE TABLE IF NOT EXISTS pair_groups (
					id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (namespace, name))`,
				`CREATE TABLE IF NOT EXISTS pair_group_members (
					group_id INTEGER NOT NULL, cluster_id INTEGER NOT NULL, PRIMARY KEY (group_id, cluster_id)) WITHOUT ROWID`,
				`CREATE INDEX IF NOT EXISTS pair_group_members_by_cluster ON pair_group_members (cluster_id, group_id)`,
			},
		}},
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

// notReadyLive is the condition of the not-ready indexes: a live pair (flagDeleted unset) whose
// state is not Ready (code 0). Queries repeat it literally, so that SQLite can use the indexes.
const notReadyLive = `state <> 0 AND flags & 4 = 0`

// Kinds of summary owners in pair_counts and pair_dirty.
const (
	ownerBundle  = 0
	ownerCluster = 1
	ownerRepo    = 2
	ownerGroup   = 3
)

// Kinds of repos in pair_repos.
const (
	repoGitRepo = 1
	repoHelmOp  = 2
)

// The pair store's statements, each named; they run through sqlstore's single choke point.
var (
	stmtBundleByName = &sqlstore.Statement{Name: "pairs_bundle_by_name",
		SQL: `SELECT id, uid, labels, extra, repo FROM pair_bundles WHERE namespace = ? AND name = ?`}
	stmtBundleIDByName = &sqlstore.Statement{Name: "pairs_bundle_id_by_name",
		SQL: `SELECT id FROM pair_bundles WHERE namespace = ? AND name = ?`}
	stmtInsertBundle = &sqlstore.Statement{Name: "pairs_insert_bundle",
		SQL: `INSERT INTO pair_bundles (namespace, name, uid, labels, extra, repo) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`}
	stmtUpdateBundle = &sqlstore.Statement{Name: "pairs_update_bundle",
		SQL: `UPDATE pair_bundles SET uid = ?, labels = ?, extra = ?, repo = ? WHERE id = ?`}
	stmtRepoByName = &sqlstore.Statement{Name: "pairs_repo_by_name",
		SQL: `SELECT id FROM pair_repos WHERE kind = ? AND namespace = ? AND name = ?`}
	stmtInsertRepo = &sqlstore.Statement{Name: "pairs_insert_repo",
		SQL: `INSERT INTO pair_repos (kind, namespace, name) VALUES (?, ?, ?) RETURNING id`}
	stmtRepoByID = &sqlstore.Statement{Name: "pairs_repo_by_id",
		SQL: `SELECT kind, namespace, name FROM pair_repos WHERE id = ?`}
	// A repo's counters are its Bundles' summed: O(bundles of the repo × states).
	stmtRepoCounts = &sqlstore.Statement{Name: "pairs_repo_counts",
		SQL: `SELECT c.state, SUM(c.n) FROM pair_bundles b JOIN pair_counts c ON c.kind = 0 AND c.owner = b.id
			WHERE b.repo = ? AND b.repo <> 0 GROUP BY c.state`}
	stmtGroupByName = &sqlstore.Statement{Name: "pairs_group_by_name",
		SQL: `SELECT id FROM pair_groups WHERE namespace = ? AND name = ?`}
	stmtInsertGroup = &sqlstore.Statement{Name: "pairs_insert_group",
		SQL: `INSERT INTO pair_groups (namespace, name) VALUES (?, ?) RETURNING id`}
	stmtGroupByID = &sqlstore.Statement{Name: "pairs_group_by_id",
		SQL: `SELECT namespace, name FROM pair_groups WHERE id = ?`}
	stmtDeleteGroup        = &sqlstore.Statement{Name: "pairs_delete_group", SQL: `DELETE FROM pair_groups WHERE id = ?`}
	stmtDeleteGroupMembers = &sqlstore.Statement{Name: "pairs_delete_group_members",
		SQL: `DELETE FROM pair_group_members WHERE group_id = ?`}
	stmtGroupMembers = &sqlstore.Statement{Name: "pairs_group_members",
		SQL: `SELECT cluster_id FROM pair_group_members WHERE group_id = ? ORDER BY cluster_id`}
	stmtAddGroupMember = &sqlstore.Statement{Name: "pairs_add_group_member",
		SQL: `INSERT INTO pair_group_members (group_id, cluster_id) VALUES (?, ?)`}
	stmtDropGroupMember = &sqlstore.Statement{Name: "pairs_drop_group_member",
		SQL: `DELETE FROM pair_group_members WHERE group_id = ? AND cluster_id = ?`}
	// A group's members with their counters: O(members × states).
	stmtGroupCounts = &sqlstore.Statement{Name: "pairs_group_counts",
		SQL: `SELECT m.cluster_id, cl.name, COALESCE(c.state, -1), COALESCE(c.n, 0) FROM pair_group_members m
			JOIN pair_clusters cl ON cl.id = m.cluster_id
			LEFT JOIN pair_counts c ON c.kind = 1 AND c.owner = m.cluster_id WHERE m.group_id = ? ORDER BY m.cluster_id`}
	stmtMarkGroupsDirty = &sqlstore.Statement{Name: "pairs_mark_groups_dirty",
		SQL: `INSERT INTO pair_dirty (kind, owner, mark) SELECT 3, group_id, 1 FROM pair_group_members WHERE cluster_id = ?
			ON CONFLICT (kind, owner) DO UPDATE SET mark = pair_dirty.mark + 1`}
	stmtMarkRepoDirty = &sqlstore.Statement{Name: "pairs_mark_repo_dirty",
		SQL: `INSERT INTO pair_dirty (kind, owner, mark) SELECT 2, repo, 1 FROM pair_bundles WHERE id = ? AND repo <> 0
			ON CONFLICT (kind, owner) DO UPDATE SET mark = pair_dirty.mark + 1`}
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
	// The live pair of a cluster whose bundle has a name: through the bundles of that name (an index)
	// to the pair's primary key, whatever the number of the cluster's pairs.
	stmtPairNamed = &sqlstore.Statement{Name: "pairs_named",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE cluster_id = ?
			AND bundle_id IN (SELECT id FROM pair_bundles WHERE name = ?) AND flags & ? = 0 ORDER BY bundle_id LIMIT 1`}
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

	stmtAddCount = &sqlstore.Statement{Name: "pairs_add_count",
		SQL: `INSERT INTO pair_counts (kind, owner, state, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (kind, owner, state) DO UPDATE SET n = pair_counts.n + excluded.n`}
	stmtDropZeroCount = &sqlstore.Statement{Name: "pairs_drop_zero_count",
		SQL: `DELETE FROM pair_counts WHERE kind = ? AND owner = ? AND state = ? AND n = 0`}
	stmtCounts = &sqlstore.Statement{Name: "pairs_counts",
		SQL: `SELECT state, n FROM pair_counts WHERE kind = ? AND owner = ?`}
	stmtMarkDirty = &sqlstore.Statement{Name: "pairs_mark_dirty",
		SQL: `INSERT INTO pair_dirty (kind, owner, mark) VALUES (?, ?, 1)
			ON CONFLICT (kind, owner) DO UPDATE SET mark = pair_dirty.mark + 1`}
	stmtDirty = &sqlstore.Statement{Name: "pairs_dirty",
		SQL: `SELECT kind, owner, mark FROM pair_dirty WHERE (kind, owner) > (?, ?) ORDER BY kind, owner LIMIT ?`}
	stmtClearDirty = &sqlstore.Statement{Name: "pairs_clear_dirty",
		SQL: `DELETE FROM pair_dirty WHERE kind = ? AND owner = ? AND mark = ?`}
	stmtBundleStatus = &sqlstore.Statement{Name: "pairs_bundle_status",
		SQL: `SELECT body FROM pair_bundle_status WHERE bundle_id = ?`}
	stmtPutBundleStatus = &sqlstore.Statement{Name: "pairs_put_bundle_status",
		SQL: `INSERT INTO pair_bundle_status (bundle_id, body) VALUES (?, ?)
			ON CONFLICT (bundle_id) DO UPDATE SET body = excluded.body`}
	stmtDeleteBundleStatus = &sqlstore.Statement{Name: "pairs_delete_bundle_status",
		SQL: `DELETE FROM pair_bundle_status WHERE bundle_id = ?`}
	stmtBundleNotReady = &sqlstore.Statement{Name: "pairs_bundle_not_ready",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE bundle_id = ? AND ` + notReadyLive + ` ORDER BY cluster_id LIMIT ?`}
	stmtClusterNotReady = &sqlstore.Statement{Name: "pairs_cluster_not_ready",
		SQL: `SELECT ` + pairColumns + ` FROM pairs WHERE cluster_id = ? AND ` + notReadyLive + ` ORDER BY bundle_id LIMIT ?`}

	statements = []*sqlstore.Statement{stmtGroupByName, stmtInsertGroup, stmtGroupByID, stmtDeleteGroup, stmtDeleteGroupMembers,
		stmtGroupMembers, stmtAddGroupMember, stmtDropGroupMember, stmtGroupCounts, stmtMarkGroupsDirty, stmtRepoByName, stmtInsertRepo, stmtRepoByID, stmtRepoCounts,
		stmtMarkRepoDirty, stmtAddCount, stmtDropZeroCount, stmtCounts, stmtMarkDirty, stmtDirty, stmtClearDirty,
		stmtBundleStatus, stmtPutBundleStatus, stmtDeleteBundleStatus, stmtBundleNotReady, stmtClusterNotReady,
		stmtBundleByName, stmtBundleIDByName, stmtInsertBundle, stmtUpdateBundle, stmtDeleteBundle, stmtBundleByID,
		stmtClusterByName, stmtClusterByNS, stmtClusterByID, stmtInsertCluster, stmtUpdateCluster, stmtClustersFrom, stmtBundlesNamed,
		stmtDeploymentByDigest, stmtInsertDeployment, stmtDeploymentByID,
		stmtStatusByDigest, stmtInsertStatus, stmtStatusByID,
		stmtPairsOfBundle, stmtPairsOfCluster, stmtPairNamed, stmtPair, stmtUpsertPair, stmtChangedSince, stmtClusterChangedSince, stmtPurgeTombstones}
)

// pairColumns are the columns of a pair row, in the order row scans them.
const pairColumns = `cluster_id, bundle_id, rv, created_rv, created_at, generation, staged, current, flags, applied, status, locals, state`
