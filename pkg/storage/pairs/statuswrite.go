package pairs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/api/errors"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// UpdateStatus stores the agent-reported status of a BundleDeployment (docs/bundledeployments.md
// §5): its body is shared with every pair that reports the same, its pair-local values kept on
// the row. A status equal to the stored one writes nothing (no revision, no event). expectRV, when
// not 0, is the resourceVersion the writer read: a pair changed since is a conflict. It returns
// the BundleDeployment as stored and whether anything was written.
func (s *Store) UpdateStatus(ctx context.Context, clusterNS, name string, expectRV int64, st *v1alpha1.BundleDeploymentStatus) (*v1alpha1.BundleDeployment, bool, error) {
	body, locals, err := SplitStatus(st)
	if err != nil {
		return nil, false, errors.NewBadRequest(err.Error())
	}
	var localsJSON []byte
	if len(locals) > 0 {
		if localsJSON, err = json.Marshal(locals); err != nil {
			return nil, false, err
		}
	}
	var c *clusterInfo
	var stored row
	changed := false
	err = s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		changed = false
		var err error
		if c, err = s.clusterByNS(ctx, &tx.Tx, clusterNS); err != nil {
			return err
		}
		if c == nil {
			return errors.NewNotFound(resource, name)
		}
		r, found, err := s.pairNamed(ctx, &tx.Tx, c.id, name)
		if err != nil {
			return err
		}
		if !found {
			return errors.NewNotFound(resource, name)
		}
		if expectRV != 0 && expectRV != r.rv {
			return errors.NewConflict(resource, name, fmt.Errorf("the object has been modified; resourceVersion %d, not %d", r.rv, expectRV))
		}
		next := r
		if next.status, err = s.statusRow(ctx, tx, body); err != nil {
			return err
		}
		next.locals = localsJSON
		if next.applied, err = s.appliedRow(ctx, tx, r, st.AppliedDeploymentID); err != nil {
			return err
		}
		if next.state, err = s.stateOf(ctx, &tx.Tx, next); err != nil {
			return err
		}
		if equalRows(next, r) {
			stored = r
			return nil
		}
		next.rv = tx.NextRV()
		if _, err := tx.Exec(ctx, stmtUpsertPair, next.args()...); err != nil {
			return err
		}
		stored, changed = next, true
		t := newTally()
		t.change(&r, &next)
		return t.save(ctx, tx)
	})
	if err != nil {
		return nil, false, err
	}
	var bd *v1alpha1.BundleDeployment
	err = s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		var err error
		bd, err = s.object(ctx, tx, stored, c)
		return err
	})
	return bd, changed, err
}

// appliedRow is the pair_deployments id of an applied deployment ID: the pair's current or staged
// row when it is theirs, else a row of its own (without options).
func (s *Store) appliedRow(ctx context.Context, tx *sqlstore.WriteTx, r row, applied string) (int64, error) {
	if applied == "" {
		return 0, nil
	}
	for _, id := range []int64{r.current, r.staged, r.applied} {
		if got, err := s.deploymentID(ctx, &tx.Tx, id); err != nil {
			return 0, err
		} else if id != 0 && got == applied {
			return id, nil
		}
	}
	return s.deploymentRow(ctx, tx, nil, applied, nil)
}

// pairNamed finds the live pair of a cluster whose bundle has the name (of bundles of that name
// in several namespaces, the one with the lowest id), through an index whatever the number of the
// cluster's pairs.
func (s *Store) pairNamed(ctx context.Context, tx *sqlstore.Tx, clusterID int64, name string) (row, bool, error) {
	rows, err := queryRows(ctx, tx, stmtPairNamed, clusterID, name, flagDeleted)
	if err != nil || len(rows) == 0 {
		return row{}, false, err
	}
	return rows[0], true, nil
}

// ParseResourceVersion parses a resourceVersion ("" is 0).
func ParseResourceVersion(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q", rv))
	}
	return n, nil
}
