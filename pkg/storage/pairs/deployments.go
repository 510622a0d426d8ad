package pairs

import (
	"context"

	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// Deployment is what the rollout reads of one pair.
type Deployment struct {
	StagedDeploymentID  string
	DeploymentID        string
	AppliedDeploymentID string
	Ready               bool
}

// Deployments returns the live pairs of a Bundle by cluster namespace: one read of the Bundle's
// rows through its index, for the rollout to plan with.
func (s *Store) Deployments(ctx context.Context, namespace, name string) (map[string]Deployment, error) {
	out := map[string]Deployment{}
	err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		var id int64
		var uid string
		var labels, extra []byte
		found, err := tx.QueryRow(ctx, stmtBundleByName, []any{namespace, name}, &id, &uid, &labels, &extra)
		if err != nil || !found {
			return err
		}
		rows, err := queryRows(ctx, tx, stmtPairsOfBundle, id)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.deleted() {
				continue
			}
			c, err := s.cluster(ctx, tx, r.clusterID)
			if err != nil {
				return err
			}
			var d Deployment
			if d.StagedDeploymentID, err = s.deploymentID(ctx, tx, r.staged); err != nil {
				return err
			}
			if d.DeploymentID, err = s.deploymentID(ctx, tx, r.current); err != nil {
				return err
			}
			if d.AppliedDeploymentID, err = s.deploymentID(ctx, tx, r.applied); err != nil {
				return err
			}
			if r.status != 0 {
				st, err := s.statusBody(ctx, tx, r.status)
				if err != nil {
					return err
				}
				d.Ready = st.facts.Ready
			}
			out[c.clusterNS] = d
		}
		return nil
	})
	return out, err
}
