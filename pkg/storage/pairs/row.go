package pairs

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// row is one pair as stored.
type row struct {
	clusterID, bundleID int64
	rv, createdRV       int64
	createdAt           int64 // unix seconds
	generation          int64
	staged, current     int64 // pair_deployments ids
	flags               int64
	applied             int64 // pair_deployments id, 0: none reported
	status              int64 // pair_statuses id, 0: none reported
	locals              []byte
	state               int64
}

func (r *row) deleted() bool { return r.flags&flagDeleted != 0 }

func (r *row) args() []any {
	return []any{r.clusterID, r.bundleID, r.rv, r.createdRV, r.createdAt, r.generation, r.staged, r.current,
		r.flags, r.applied, r.status, r.locals, r.state}
}

func scanRow(scan func(dest ...any) error) (row, error) {
	var r row
	err := scan(&r.clusterID, &r.bundleID, &r.rv, &r.createdRV, &r.createdAt, &r.generation, &r.staged, &r.current,
		&r.flags, &r.applied, &r.status, &r.locals, &r.state)
	return r, err
}

// queryRows runs a statement returning pair rows.
func queryRows(ctx context.Context, tx *sqlstore.Tx, st *sqlstore.Statement, args ...any) ([]row, error) {
	var out []row
	err := tx.Query(ctx, st, args, func(scan func(dest ...any) error) error {
		r, err := scanRow(scan)
		if err == nil {
			out = append(out, r)
		}
		return err
	})
	return out, err
}

// States of a pair, kept in the state column (summaries count them).
var stateCodes = []v1alpha1.BundleState{v1alpha1.Ready, v1alpha1.NotReady, v1alpha1.WaitApplied, v1alpha1.ErrApplied,
	v1alpha1.OutOfSync, v1alpha1.Modified}

func stateCode(s v1alpha1.BundleState) int64 {
	for i, c := range stateCodes {
		if c == s {
			return int64(i)
		}
	}
	return int64(len(stateCodes))
}

// deploymentRows remembers, within one write transaction, the rows deploymentRow found or
// inserted: the pairs of a Bundle mostly share one deployment (and rows are never changed).
type deploymentRows map[[sha256.Size]byte]int64

// deploymentRow returns the id of a deployment (ID and options), inserting it if new. Options
// that differ only in what the ID leaves out (diff, correctDrift) are distinct rows. seen, when
// not nil, holds the rows of this transaction so far, and gets this one. A new row's id may be one
// a rolled-back write used (SQLite reuses the highest): the cache forgets it.
func (s *Store) deploymentRow(ctx context.Context, tx *sqlstore.WriteTx, seen deploymentRows, id string, opts *v1alpha1.BundleDeploymentOptions) (int64, error) {
	var options []byte
	if opts != nil {
		var err error
		if options, err = json.Marshal(opts); err != nil {
			return 0, fmt.Errorf("encoding the options of %s: %w", id, err)
		}
	}
	sum := sha256.Sum256(append(append([]byte(id), 0), options...))
	if rowID, ok := seen[sum]; ok {
		return rowID, nil
	}
	var rowID int64
	found, err := tx.QueryRow(ctx, stmtDeploymentByDigest, []any{sum[:]}, &rowID)
	if err == nil && !found {
		_, err = tx.QueryRow(ctx, stmtInsertDeployment, []any{sum[:], id, options}, &rowID)
		s.cache.deployments.forget(rowID)
	}
	if err == nil && seen != nil {
		seen[sum] = rowID
	}
	return rowID, err
}

// statusRow returns the id of a status body, inserting it if new (the cache forgets a new id, as
// deploymentRow's).
func (s *Store) statusRow(ctx context.Context, tx *sqlstore.WriteTx, b Body) (int64, error) {
	var id int64
	if found, err := tx.QueryRow(ctx, stmtStatusByDigest, []any{b.Digest[:]}, &id); err != nil || found {
		return id, err
	}
	_, err := tx.QueryRow(ctx, stmtInsertStatus, []any{b.Digest[:], b.JSON}, &id)
	s.cache.statuses.forget(id)
	return id, err
}
