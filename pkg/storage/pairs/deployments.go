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
		rows, err := bundleRows(ctx, tx, namespace, name)
		if err != nil {
			return err
		}
		pairs, err := s.livePairs(ctx, tx, rows)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			r, c := p.row, p.cluster
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
