package pairs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
	"github.com/fleetapi/fleet/pkg/summary"
)

// Store is the pair store on a database opened with Extension.
type Store struct {
	db  *sqlstore.DB
	now func() time.Time

	// cache holds decoded deployments and status bodies by id: a page of BundleDeployments of
	// one bundle decodes its options once.
	cache *cache
	// hub hands changes to watchers (Start runs its poller).
	hub hub
	// flushAfter is where the summary flusher goes on (its goroutine's alone).
	flushAfter owner
}

// New returns the pair store of db, which must have been opened with Extension().
func New(db *sqlstore.DB) *Store {
	return &Store{db: db, now: time.Now, cache: newCache(4096), flushAfter: flushStart}
}

// Bundle is what the BundleDeployments of a Bundle copy of it.
type Bundle struct {
	Namespace, Name string
	UID             types.UID
	// Labels are the Bundle labels its BundleDeployments carry (Fleet's filter applied).
	Labels map[string]string
	// DependsOn is copied into every BundleDeployment's spec.
	DependsOn []v1alpha1.BundleRef
	// Status is what the Bundle controller computed for the Bundle's status (Apply stores it).
	Status BundleStatus
}

// BundleStatus is what the Bundle controller computed that the Bundle's status shows next to the
// summary of its pairs: the rollout as of its last reconcile, and the targets still to come.
type BundleStatus struct {
	// ObservedGeneration is the generation of the Bundle the controller last reconciled.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Pending counts the targeted clusters without a BundleDeployment yet (maxNew, or a partition
	// the rollout has not reached); PendingClusters names the first ten ("namespace/name").
	Pending         int      `json:"pending,omitempty"`
	PendingClusters []string `json:"pendingClusters,omitempty"`
	// The rollout (pkg/rollout's Status).
	NewlyCreated             int                        `json:"newlyCreated,omitempty"`
	Unavailable              int                        `json:"unavailable,omitempty"`
	MaxUnavailable           int                        `json:"maxUnavailable,omitempty"`
	UnavailablePartitions    int                        `json:"unavailablePartitions,omitempty"`
	MaxUnavailablePartitions int                        `json:"maxUnavailablePartitions,omitempty"`
	Partitions               []v1alpha1.PartitionStatus `json:"partitions,omitempty"`
	// Reason and Error say why the Bundle's targets or rollout cannot be evaluated ("" when they
	// can); its BundleDeployments stay as they were.
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Cluster is what the BundleDeployments of a Cluster need of it.
type Cluster struct {
	Namespace, Name string
	UID             types.UID
	// ClusterNS is the Cluster's status.namespace: the namespace of its BundleDeployments.
	ClusterNS string
}

// Desired is one BundleDeployment a Bundle should have.
type Desired struct {
	Cluster Cluster
	// DeploymentID and Options are what is staged for the cluster.
	DeploymentID string
	Options      v1alpha1.BundleDeploymentOptions
	// Promote makes the staged deployment the current one (the rollout allows it).
	Promote bool
	// Keep leaves an existing pair's staged and current deployments as they are (the rollout
	// has not reached it), and creates no pair where there is none.
	Keep bool
	// Paused and OffSchedule are copied into the spec.
	Paused, OffSchedule bool
}

// Applied counts what Apply wrote.
type Applied struct {
	Created, Updated, Deleted, Unchanged int
}

// bundleExtra is the JSON of pair_bundles.extra.
type bundleExtra struct {
	DependsOn []v1alpha1.BundleRef `json:"dependsOn,omitempty"`
}

// Apply makes the BundleDeployments of a Bundle the desired ones, in one write transaction:
// new pairs are created, changed ones updated (a new revision, and a new generation when the
// spec changed), pairs of clusters no longer desired deleted; unchanged pairs are not written.
// Agent-reported status is kept across spec changes.
func (s *Store) Apply(ctx context.Context, b Bundle, desired []Desired) (Applied, error) {
	var res Applied
	err := s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		res = Applied{}
		t := newTally()
		bundleID, relabelled, err := s.bundleRow(ctx, tx, b)
		if err != nil {
			return err
		}
		if err := putBundleStatus(ctx, tx, t, bundleID, b.Status); err != nil {
			return err
		}
		old, err := queryRows(ctx, &tx.Tx, stmtPairsOfBundle, bundleID)
		if err != nil {
			return err
		}
		existing := make(map[int64]row, len(old))
		for _, r := range old {
			existing[r.clusterID] = r
		}
		seen := make(map[int64]bool, len(desired))
		deployments := deploymentRows{}
		for i := range desired {
			d := &desired[i]
			clusterID, err := clusterRow(ctx, tx, d.Cluster)
			if err != nil {
				return err
			}
			seen[clusterID] = true
			prev, had := existing[clusterID]
			if d.Keep && (!had || prev.deleted()) {
				continue
			}
			next, err := s.desiredRow(ctx, tx, deployments, prev, had && !prev.deleted(), d)
			if err != nil {
				return err
			}
			next.clusterID, next.bundleID = clusterID, bundleID
			switch {
			case !had || prev.deleted():
				res.Created++
			case equalRows(next, prev) && !relabelled:
				res.Unchanged++
				continue
			default:
				res.Updated++
			}
			next.rv = tx.NextRV()
			if !had || prev.deleted() {
				next.createdRV, next.createdAt = next.rv, s.now().Unix()
			}
			if _, err := tx.Exec(ctx, stmtUpsertPair, next.args()...); err != nil {
				return err
			}
			if had {
				t.change(&prev, &next)
			} else {
				t.change(nil, &next)
			}
		}
		for _, r := range old {
			if seen[r.clusterID] || r.deleted() {
				continue
			}
			if err := tombstone(ctx, tx, t, r); err != nil {
				return err
			}
			res.Deleted++
		}
		return t.save(ctx, tx)
	})
	return res, err
}

// Fail records why a Bundle's targets or rollout cannot be evaluated, keeping its
// BundleDeployments and the rest of its computed status as they were (the last good state).
func (s *Store) Fail(ctx context.Context, b Bundle, reason, message string) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		t := newTally()
		// The Bundle's row is left as it is (its BundleDeployments show its labels and UID: a
		// change there is the next good reconcile's, with their new revisions); only a Bundle
		// without a row gets one.
		var bundleID int64
		found, err := tx.QueryRow(ctx, stmtBundleIDByName, []any{b.Namespace, b.Name}, &bundleID)
		if err != nil {
			return err
		}
		if !found {
			if bundleID, _, err = s.bundleRow(ctx, tx, b); err != nil {
				return err
			}
		}
		st, _, err := bundleStatus(ctx, &tx.Tx, bundleID)
		if err != nil {
			return err
		}
		st.ObservedGeneration, st.Reason, st.Error = b.Status.ObservedGeneration, reason, message
		if err := putBundleStatus(ctx, tx, t, bundleID, st); err != nil {
			return err
		}
		return t.save(ctx, tx)
	})
}

// Delete deletes every BundleDeployment of a Bundle (it was deleted, or targets nothing).
func (s *Store) Delete(ctx context.Context, namespace, name string) (int, error) {
	n := 0
	err := s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		n = 0
		t := newTally()
		var bundleID int64
		found, err := tx.QueryRow(ctx, stmtBundleIDByName, []any{namespace, name}, &bundleID)
		if err != nil || !found {
			return err
		}
		rows, err := bundleRows(ctx, &tx.Tx, namespace, name)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.deleted() {
				continue
			}
			if err := tombstone(ctx, tx, t, r); err != nil {
				return err
			}
			n++
		}
		if _, err := tx.Exec(ctx, stmtDeleteBundleStatus, bundleID); err != nil {
			return err
		}
		// Its pending targets leave its repo's summary even when it had no pairs.
		t.touch(owner{ownerBundle, bundleID})
		return t.save(ctx, tx)
	})
	return n, err
}

func tombstone(ctx context.Context, tx *sqlstore.WriteTx, t *tally, r row) error {
	prev := r
	r.flags |= flagDeleted
	r.rv = tx.NextRV()
	if _, err := tx.Exec(ctx, stmtUpsertPair, r.args()...); err != nil {
		return err
	}
	t.change(&prev, &r)
	return nil
}

// putBundleStatus stores what the controller computed for a Bundle, and marks its summary when
// that changed.
func putBundleStatus(ctx context.Context, tx *sqlstore.WriteTx, t *tally, bundleID int64, st BundleStatus) error {
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, old, err := bundleStatus(ctx, &tx.Tx, bundleID)
	if err != nil || old != nil && string(old) == string(body) {
		return err
	}
	if _, err := tx.Exec(ctx, stmtPutBundleStatus, bundleID, body); err != nil {
		return err
	}
	t.touch(owner{ownerBundle, bundleID})
	return nil
}

// bundleStatus reads what the controller last computed for a Bundle (and its JSON, nil if none).
func bundleStatus(ctx context.Context, tx *sqlstore.Tx, bundleID int64) (BundleStatus, []byte, error) {
	var st BundleStatus
	var body []byte
	found, err := tx.QueryRow(ctx, stmtBundleStatus, []any{bundleID}, &body)
	if err != nil || !found {
		return st, nil, err
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, nil, fmt.Errorf("bundle %d: status: %w", bundleID, err)
	}
	return st, body, nil
}

// desiredRow is the row d makes of prev (live tells whether prev is a live pair).
func (s *Store) desiredRow(ctx context.Context, tx *sqlstore.WriteTx, deployments deploymentRows, prev row, live bool, d *Desired) (row, error) {
	next := row{generation: 1}
	if live {
		next = prev
	}
	if !d.Keep {
		staged, err := s.deploymentRow(ctx, tx, deployments, d.DeploymentID, &d.Options)
		if err != nil {
			return row{}, err
		}
		next.staged = staged
		if d.Promote {
			next.current = staged
		}
	}
	var err error
	next.flags = 0
	if d.Paused {
		next.flags |= flagPaused
	}
	if d.OffSchedule {
		next.flags |= flagOffSchedule
	}
	if live && (next.staged != prev.staged || next.current != prev.current || next.flags != prev.flags) {
		next.generation = prev.generation + 1
	}
	if next.state, err = s.stateOf(ctx, &tx.Tx, next); err != nil {
		return row{}, err
	}
	return next, nil
}

// stateOf computes a row's state from its deployments and its status.
func (s *Store) stateOf(ctx context.Context, tx *sqlstore.Tx, r row) (int64, error) {
	d := summary.Deployment{}
	var err error
	if d.StagedDeploymentID, err = s.deploymentID(ctx, tx, r.staged); err != nil {
		return 0, err
	}
	if d.DeploymentID, err = s.deploymentID(ctx, tx, r.current); err != nil {
		return 0, err
	}
	if d.AppliedDeploymentID, err = s.deploymentID(ctx, tx, r.applied); err != nil {
		return 0, err
	}
	if r.status != 0 {
		st, err := s.statusBody(ctx, tx, r.status)
		if err != nil {
			return 0, err
		}
		d.Ready, d.NonModified, d.Conditions = st.facts.Ready, st.facts.NonModified, st.facts.Conditions
	}
	return stateCode(summary.State(d)), nil
}

// bundleRow returns the id of the Bundle's row, writing it if it is new or changed; relabelled
// tells that what its BundleDeployments show of it changed.
func (s *Store) bundleRow(ctx context.Context, tx *sqlstore.WriteTx, b Bundle) (int64, bool, error) {
	labels, err := json.Marshal(b.Labels)
	if err != nil {
		return 0, false, err
	}
	extra, err := json.Marshal(bundleExtra{DependsOn: b.DependsOn})
	if err != nil {
		return 0, false, err
	}
	repo, err := repoRow(ctx, tx, b)
	if err != nil {
		return 0, false, err
	}
	var id, oldRepo int64
	var uid string
	var oldLabels, oldExtra []byte
	found, err := tx.QueryRow(ctx, stmtBundleByName, []any{b.Namespace, b.Name}, &id, &uid, &oldLabels, &oldExtra, &oldRepo)
	if err != nil {
		return 0, false, err
	}
	if !found {
		_, err := tx.QueryRow(ctx, stmtInsertBundle, []any{b.Namespace, b.Name, string(b.UID), labels, extra, repo}, &id)
		s.cache.forgetBundle(id) // an id a rolled-back write may have used
		return id, false, err
	}
	if uid == string(b.UID) && string(oldLabels) == string(labels) && string(oldExtra) == string(extra) && oldRepo == repo {
		return id, false, nil
	}
	if _, err := tx.Exec(ctx, stmtUpdateBundle, string(b.UID), labels, extra, repo, id); err != nil {
		return 0, false, err
	}
	// What the summaries show may change though no pair does (a Bundle created again under the
	// name, moved to another repo): mark the Bundle, its repo (through the Bundle) and the repo
	// it left.
	if _, err := tx.Exec(ctx, stmtMarkDirty, ownerBundle, id); err != nil {
		return 0, false, err
	}
	if _, err := tx.Exec(ctx, stmtMarkRepoDirty, id); err != nil {
		return 0, false, err
	}
	if oldRepo != repo && oldRepo != 0 {
		if _, err := tx.Exec(ctx, stmtMarkDirty, ownerRepo, oldRepo); err != nil {
			return 0, false, err
		}
	}
	s.cache.forgetBundle(id)
	return id, true, nil
}

// repoRow returns the id of the row of the GitRepo or HelmOp the Bundle comes from (its
// fleet.cattle.io/repo-name or fleet-helm-name label), writing it if it is new; 0 for none.
func repoRow(ctx context.Context, tx *sqlstore.WriteTx, b Bundle) (int64, error) {
	kind, name := int64(repoGitRepo), b.Labels[v1alpha1.RepoLabel]
	if name == "" {
		kind, name = repoHelmOp, b.Labels[v1alpha1.HelmOpLabel]
	}
	if name == "" {
		return 0, nil
	}
	var id int64
	found, err := tx.QueryRow(ctx, stmtRepoByName, []any{kind, b.Namespace, name}, &id)
	if err != nil || found {
		return id, err
	}
	_, err = tx.QueryRow(ctx, stmtInsertRepo, []any{kind, b.Namespace, name}, &id)
	return id, err
}

// clusterRow returns the id of the Cluster's row, writing it if it is new or changed.
func clusterRow(ctx context.Context, tx *sqlstore.WriteTx, c Cluster) (int64, error) {
	if c.ClusterNS == "" {
		return 0, fmt.Errorf("cluster %s/%s has no namespace for its BundleDeployments", c.Namespace, c.Name)
	}
	var id int64
	var uid, ns string
	found, err := tx.QueryRow(ctx, stmtClusterByName, []any{c.Namespace, c.Name}, &id, &uid, &ns)
	if err != nil {
		return 0, err
	}
	if !found {
		_, err := tx.QueryRow(ctx, stmtInsertCluster, []any{c.Namespace, c.Name, string(c.UID), c.ClusterNS}, &id)
		return id, err
	}
	if uid != string(c.UID) || ns != c.ClusterNS {
		if _, err = tx.Exec(ctx, stmtUpdateCluster, string(c.UID), c.ClusterNS, id); err != nil {
			return 0, err
		}
		// A Cluster created again under the name: its summary and its groups' are written anew.
		if _, err := tx.Exec(ctx, stmtMarkDirty, ownerCluster, id); err != nil {
			return 0, err
		}
		_, err = tx.Exec(ctx, stmtMarkGroupsDirty, id)
	}
	return id, err
}

// cache holds decoded deployments, status bodies and bundle rows by id, up to a number of entries
// each.
type cache struct {
	deployments bounded[*deployment]
	statuses    bounded[*statusEntry]
	bundles     bounded[*bundleInfo]
}

type deployment struct {
	id      string
	options *v1alpha1.BundleDeploymentOptions
}

func newCache(max int) *cache {
	return &cache{deployments: bounded[*deployment]{max: max}, statuses: bounded[*statusEntry]{max: max},
		bundles: bounded[*bundleInfo]{max: max}}
}

func (c *cache) forgetBundle(id int64) { c.bundles.forget(id) }

// bounded is a map of at most max entries (then it starts over: a simple bound, not an LRU).
type bounded[V any] struct {
	mu  sync.Mutex
	max int
	m   map[int64]V
}

// load returns the entry of id, loading and keeping it when missing.
func (b *bounded[V]) load(id int64, fn func() (V, error)) (V, error) {
	b.mu.Lock()
	v, ok := b.m[id]
	b.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := fn()
	if err != nil {
		return v, err
	}
	b.mu.Lock()
	if b.m == nil || len(b.m) >= b.max {
		b.m = map[int64]V{}
	}
	b.m[id] = v
	b.mu.Unlock()
	return v, nil
}

func (b *bounded[V]) forget(id int64) {
	b.mu.Lock()
	delete(b.m, id)
	b.mu.Unlock()
}

// deploymentID is the deployment ID of a pair_deployments row ("" for 0).
func (s *Store) deploymentID(ctx context.Context, tx *sqlstore.Tx, id int64) (string, error) {
	d, err := s.deployment(ctx, tx, id)
	if err != nil || d == nil {
		return "", err
	}
	return d.id, nil
}

// deployment decodes a pair_deployments row (nil for 0). The result is shared: do not modify.
func (s *Store) deployment(ctx context.Context, tx *sqlstore.Tx, id int64) (*deployment, error) {
	if id == 0 {
		return nil, nil
	}
	return s.cache.deployments.load(id, func() (*deployment, error) {
		var depID string
		var options []byte
		found, err := tx.QueryRow(ctx, stmtDeploymentByID, []any{id}, &depID, &options)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("deployment %d is missing", id)
		}
		d := &deployment{id: depID}
		if options != nil {
			d.options = &v1alpha1.BundleDeploymentOptions{}
			if err := json.Unmarshal(options, d.options); err != nil {
				return nil, fmt.Errorf("deployment %s: options: %w", depID, err)
			}
		}
		return d, nil
	})
}

// statusEntry is a status body and the facts the state is computed from.
type statusEntry struct {
	body  []byte
	facts struct {
		Ready       bool                        `json:"ready"`
		NonModified bool                        `json:"nonModified"`
		Conditions  []v1alpha1.GenericCondition `json:"conditions"`
		// What summaries list of a non-ready pair.
		ModifiedStatus []v1alpha1.ModifiedStatus `json:"modifiedStatus"`
		NonReadyStatus []v1alpha1.NonReadyStatus `json:"nonReadyStatus"`
	}
}

// statusBody reads a pair_statuses row. Shared: do not modify.
func (s *Store) statusBody(ctx context.Context, tx *sqlstore.Tx, id int64) (*statusEntry, error) {
	return s.cache.statuses.load(id, func() (*statusEntry, error) {
		st := &statusEntry{}
		found, err := tx.QueryRow(ctx, stmtStatusByID, []any{id}, &st.body)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("status %d is missing", id)
		}
		if err := json.Unmarshal(st.body, &st.facts); err != nil {
			return nil, fmt.Errorf("status %d: %w", id, err)
		}
		return st, nil
	})
}
