package pairs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
	"github.com/fleetapi/fleet/pkg/summary"
)

// resource names BundleDeployments in API errors.
var resource = v1alpha1.Resource("bundledeployments")

// bundleInfo and clusterInfo are the decoded pair_bundles and pair_clusters rows.
type bundleInfo struct {
	namespace, name, uid string
	labels               map[string]string
	extra                bundleExtra
}

type clusterInfo struct {
	id                   int64
	namespace, name, uid string
	clusterNS            string
}

func equalRows(a, b row) bool {
	return a.clusterID == b.clusterID && a.bundleID == b.bundleID && a.rv == b.rv && a.createdRV == b.createdRV &&
		a.createdAt == b.createdAt && a.generation == b.generation && a.staged == b.staged && a.current == b.current &&
		a.flags == b.flags && a.applied == b.applied && a.status == b.status && a.state == b.state &&
		bytes.Equal(a.locals, b.locals)
}

// bundle reads a pair_bundles row (cached). Shared: do not modify.
func (s *Store) bundle(ctx context.Context, tx *sqlstore.Tx, id int64) (*bundleInfo, error) {
	return s.cache.bundles.load(id, func() (*bundleInfo, error) {
		b := &bundleInfo{}
		var labels, extra []byte
		found, err := tx.QueryRow(ctx, stmtBundleByID, []any{id}, &b.namespace, &b.name, &b.uid, &labels, &extra)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("bundle %d is missing", id)
		}
		if err := json.Unmarshal(labels, &b.labels); err != nil {
			return nil, fmt.Errorf("bundle %s/%s: labels: %w", b.namespace, b.name, err)
		}
		if err := json.Unmarshal(extra, &b.extra); err != nil {
			return nil, fmt.Errorf("bundle %s/%s: %w", b.namespace, b.name, err)
		}
		return b, nil
	})
}

func (s *Store) cluster(ctx context.Context, tx *sqlstore.Tx, id int64) (*clusterInfo, error) {
	c := &clusterInfo{id: id}
	found, err := tx.QueryRow(ctx, stmtClusterByID, []any{id}, &c.namespace, &c.name, &c.uid, &c.clusterNS)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("cluster %d is missing", id)
	}
	return c, nil
}

// object materializes the BundleDeployment of a row.
func (s *Store) object(ctx context.Context, tx *sqlstore.Tx, r row, c *clusterInfo) (*v1alpha1.BundleDeployment, error) {
	b, err := s.bundle(ctx, tx, r.bundleID)
	if err != nil {
		return nil, err
	}
	staged, err := s.deployment(ctx, tx, r.staged)
	if err != nil {
		return nil, err
	}
	current, err := s.deployment(ctx, tx, r.current)
	if err != nil {
		return nil, err
	}
	labels := make(map[string]string, len(b.labels)+6)
	for k, v := range b.labels {
		labels[k] = v
	}
	labels[v1alpha1.BundleLabel] = b.name
	labels[v1alpha1.BundleNamespaceLabel] = b.namespace
	labels[v1alpha1.ManagedLabel] = "true"
	labels[v1alpha1.ClusterNamespaceLabel] = c.namespace
	labels[v1alpha1.ClusterLabel] = c.name
	bd := &v1alpha1.BundleDeployment{
		TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "BundleDeployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name: b.name, Namespace: c.clusterNS, Labels: labels,
			UID:               pairUID(b.uid, c.uid, r.createdRV),
			ResourceVersion:   strconv.FormatInt(r.rv, 10),
			Generation:        r.generation,
			CreationTimestamp: metav1.NewTime(time.Unix(r.createdAt, 0)),
		},
		Spec: v1alpha1.BundleDeploymentSpec{
			Paused:      r.flags&flagPaused != 0,
			OffSchedule: r.flags&flagOffSchedule != 0,
			DependsOn:   append([]v1alpha1.BundleRef(nil), b.extra.DependsOn...),
		},
	}
	if staged != nil {
		labels[v1alpha1.ContentNameLabel], _, _ = strings.Cut(staged.id, ":")
		bd.Spec.StagedDeploymentID = staged.id
		if staged.options != nil {
			bd.Spec.StagedOptions = *staged.options.DeepCopy()
			bd.Spec.CorrectDrift = staged.options.CorrectDrift.DeepCopy()
		}
	}
	if current != nil {
		bd.Spec.DeploymentID = current.id
		if current.options != nil {
			bd.Spec.Options = *current.options.DeepCopy()
		}
	}
	if r.status != 0 {
		st, err := s.statusBody(ctx, tx, r.status)
		if err != nil {
			return nil, err
		}
		var locals Locals
		if len(r.locals) > 0 {
			if err := json.Unmarshal(r.locals, &locals); err != nil {
				return nil, fmt.Errorf("%s/%s: status locals: %w", c.clusterNS, b.name, err)
			}
		}
		full, err := JoinStatus(st.body, locals)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", c.clusterNS, b.name, err)
		}
		bd.Status = *full
	}
	if applied, err := s.deploymentID(ctx, tx, r.applied); err != nil {
		return nil, err
	} else if applied != "" {
		bd.Status.AppliedDeploymentID = applied
	}
	bd.Status.Display = summary.Display(summary.FromBundleDeployment(bd))
	return bd, nil
}

// pairUID is a BundleDeployment's uid: the same for the life of a pair, new when it is re-created.
func pairUID(bundleUID, clusterUID string, createdRV int64) types.UID {
	sum := sha256.Sum256([]byte(bundleUID + "\x00" + clusterUID + "\x00" + strconv.FormatInt(createdRV, 10)))
	sum[6] = sum[6]&0x0f | 0x50 // a name-based UUID (version 5 layout, sha256)
	sum[8] = sum[8]&0x3f | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]))
}

// Get returns the BundleDeployment of a bundle name in a cluster namespace, with the revision of
// the read.
func (s *Store) Get(ctx context.Context, clusterNS, name string) (*v1alpha1.BundleDeployment, error) {
	var out *v1alpha1.BundleDeployment
	err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		c, err := s.clusterByNS(ctx, tx, clusterNS)
		if err != nil || c == nil {
			return err
		}
		r, found, err := s.pairNamed(ctx, tx, c.id, name)
		if err != nil || !found {
			return err
		}
		out, err = s.object(ctx, tx, r, c)
		return err
	})
	if err == nil && out == nil {
		err = errors.NewNotFound(resource, name)
	}
	return out, err
}

func (s *Store) clusterByNS(ctx context.Context, tx *sqlstore.Tx, clusterNS string) (*clusterInfo, error) {
	c := &clusterInfo{clusterNS: clusterNS}
	found, err := tx.QueryRow(ctx, stmtClusterByNS, []any{clusterNS}, &c.id, &c.namespace, &c.name, &c.uid)
	if err != nil || !found {
		return nil, err
	}
	return c, nil
}

// bundleRows returns the rows of the Bundle namespace/name (none when it has no row).
func bundleRows(ctx context.Context, tx *sqlstore.Tx, namespace, name string) ([]row, error) {
	var id int64
	found, err := tx.QueryRow(ctx, stmtBundleIDByName, []any{namespace, name}, &id)
	if err != nil || !found {
		return nil, err
	}
	return queryRows(ctx, tx, stmtPairsOfBundle, id)
}

// live is one live pair with its cluster.
type live struct {
	row     row
	cluster *clusterInfo
}

// livePairs returns the rows that are not tombstones, with their clusters.
func (s *Store) livePairs(ctx context.Context, tx *sqlstore.Tx, rows []row) ([]live, error) {
	out := make([]live, 0, len(rows))
	for _, r := range rows {
		if r.deleted() {
			continue
		}
		c, err := s.cluster(ctx, tx, r.clusterID)
		if err != nil {
			return nil, err
		}
		out = append(out, live{row: r, cluster: c})
	}
	return out, nil
}
