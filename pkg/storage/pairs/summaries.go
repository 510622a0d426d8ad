package pairs

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
	"github.com/fleetapi/fleet/pkg/summary"
)

// Writers write the computed status of the objects the summaries belong to, in the server's own
// storage (past the status strategies, which keep the computed fields from client writes). set
// changes the stored object; an update that changes nothing must write nothing. A missing object
// is a NotFound error.
type Writers interface {
	UpdateBundle(ctx context.Context, namespace, name string, set func(*v1alpha1.Bundle)) error
	UpdateCluster(ctx context.Context, namespace, name string, set func(*v1alpha1.Cluster)) error
	// UpdateRepo updates a GitRepo (helmOp false) or a HelmOp: the status part they share.
	UpdateRepo(ctx context.Context, helmOp bool, namespace, name string, set func(*v1alpha1.StatusBase)) error
	UpdateClusterGroup(ctx context.Context, namespace, name string, set func(*v1alpha1.ClusterGroup)) error
}

// flushBatch is how many summaries one flush rewrites at most; the rest wait for the next.
const flushBatch = 500

// FlushInterval is how long the summaries of a burst of pair changes wait to be written: every
// change within it is one write (and one event) per summary.
const FlushInterval = 500 * time.Millisecond

// RunSummaries rewrites the changed summaries into their objects every FlushInterval until ctx
// ends (docs/bundledeployments.md §7). The marks are stored with the pair writes, so what a
// crash interrupted is written after the restart.
func (s *Store) RunSummaries(ctx context.Context, w Writers) {
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// One pass over the marks, batch after batch: marks set again meanwhile wait for the
		// next tick, so a few hot summaries cannot starve the others.
		for {
			_, wrapped, err := s.flush(ctx, w)
			if err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "Writing summaries")
			}
			if err != nil || wrapped {
				break
			}
		}
	}
}

// computed is one summary to write, read at one snapshot.
type computed struct {
	owner
	mark            int64
	namespace, name string
	summary         v1alpha1.BundleSummary
	bundle          BundleStatus // a Bundle's
	repoKind        int64        // a repo's
	group           groupSummary // a ClusterGroup's
}

// FlushSummaries writes up to flushBatch changed summaries into their objects and clears their
// marks (unless they changed again meanwhile). It returns how many it handled. Successive calls
// go round the marks in (kind, owner) order, from where the last one stopped.
func (s *Store) FlushSummaries(ctx context.Context, w Writers) (int, error) {
	n, _, err := s.flush(ctx, w)
	return n, err
}

// flush is FlushSummaries; wrapped tells that it reached the last mark (the next call starts
// over).
func (s *Store) flush(ctx context.Context, w Writers) (int, bool, error) {
	var todo []computed
	var last owner
	wrapped := false
	err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		todo = todo[:0]
		var marks []computed
		after := s.flushAfter
		if err := tx.Query(ctx, stmtDirty, []any{after.kind, after.id, flushBatch}, func(scan func(dest ...any) error) error {
			var c computed
			err := scan(&c.kind, &c.id, &c.mark)
			marks = append(marks, c)
			return err
		}); err != nil {
			return err
		}
		wrapped = len(marks) < flushBatch
		if len(marks) > 0 {
			last = marks[len(marks)-1].owner
		}
		for _, c := range marks {
			if err := s.compute(ctx, tx, &c); err != nil {
				if ctx.Err() != nil {
					return err
				}
				// One summary that cannot be computed (a damaged row) keeps its mark and is
				// retried; it does not hold up the others.
				klog.ErrorS(err, "Computing a summary", "kind", c.kind, "owner", c.id)
				continue
			}
			todo = append(todo, c)
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if wrapped {
		s.flushAfter = flushStart
	} else {
		s.flushAfter = last
	}
	now := s.now()
	var done []computed
	var firstErr error
	for _, c := range todo {
		var err error
		switch {
		case c.name == "":
			// The owner's row is gone: nothing to write.
		case c.kind == ownerBundle:
			err = w.UpdateBundle(ctx, c.namespace, c.name, func(b *v1alpha1.Bundle) { setBundleStatus(&b.Status, c.summary, c.bundle, now) })
		case c.kind == ownerCluster:
			err = w.UpdateCluster(ctx, c.namespace, c.name, func(cl *v1alpha1.Cluster) { setClusterStatus(&cl.Status, c.summary, now) })
		case c.kind == ownerRepo:
			err = w.UpdateRepo(ctx, c.repoKind == repoHelmOp, c.namespace, c.name, func(st *v1alpha1.StatusBase) { setRepoStatus(st, c.summary) })
		case c.kind == ownerGroup:
			err = w.UpdateClusterGroup(ctx, c.namespace, c.name, func(g *v1alpha1.ClusterGroup) { setGroupStatus(&g.Status, c.summary, c.group, now) })
		}
		if err != nil && !apierrors.IsNotFound(err) {
			if firstErr == nil {
				firstErr = fmt.Errorf("summary of %s/%s: %w", c.namespace, c.name, err)
			}
			continue
		}
		done = append(done, c)
	}
	if len(done) > 0 {
		if err := s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
			for _, c := range done {
				if _, err := tx.Exec(ctx, stmtClearDirty, c.kind, c.id, c.mark); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return len(done), wrapped, err
		}
	}
	return len(todo), wrapped, firstErr
}

// flushStart is before every mark.
var flushStart = owner{-1, -1}

// compute reads a summary: its counters, its first non-ready pairs and, for a Bundle, what the
// controller computed. O(1) in the number of pairs.
func (s *Store) compute(ctx context.Context, tx *sqlstore.Tx, c *computed) error {
	var notReady *sqlstore.Statement
	switch c.kind {
	case ownerBundle:
		b, err := s.bundle(ctx, tx, c.id) // bundle rows are never deleted
		if err != nil {
			return err
		}
		c.namespace, c.name = b.namespace, b.name
		if c.bundle, _, err = bundleStatus(ctx, tx, c.id); err != nil {
			return err
		}
		notReady = stmtBundleNotReady
	case ownerCluster:
		cl, err := s.clusterIfAny(ctx, tx, c.id)
		if err != nil || cl == nil {
			return err
		}
		c.namespace, c.name = cl.namespace, cl.name
		notReady = stmtClusterNotReady
	case ownerRepo:
		return s.computeRepo(ctx, tx, c)
	case ownerGroup:
		return s.computeGroup(ctx, tx, c)
	default:
		return nil
	}
	n, err := counts(ctx, tx, c.owner)
	if err != nil {
		return err
	}
	for code, count := range n {
		addCount(&c.summary, code, count)
	}
	summary.Add(&c.summary, v1alpha1.Pending, c.bundle.Pending)
	rows, err := queryRows(ctx, tx, notReady, c.id, summary.MaxNonReadyResources)
	if err != nil {
		return err
	}
	var entries []v1alpha1.NonReadyResource
	for _, r := range rows {
		e, err := s.nonReadyEntry(ctx, tx, r, c.kind)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	for _, name := range c.bundle.PendingClusters {
		if len(entries) >= summary.MaxNonReadyResources {
			break
		}
		entries = append(entries, v1alpha1.NonReadyResource{Name: name, State: v1alpha1.Pending})
	}
	c.summary.NonReadyResources, _ = summary.CapNonReady(entries)
	return nil
}

// computeRepo reads a GitRepo's or a HelmOp's summary: its Bundles' counters summed, O(bundles of
// the repo). Its nonReadyResources are left empty (a gap: Fleet lists its Bundles' first ones).
func (s *Store) computeRepo(ctx context.Context, tx *sqlstore.Tx, c *computed) error {
	found, err := tx.QueryRow(ctx, stmtRepoByID, []any{c.id}, &c.repoKind, &c.namespace, &c.name)
	if err != nil || !found {
		return err
	}
	// Fleet's repo summary counts BundleDeployments only: a Bundle's pending targets are not in it.
	return tx.Query(ctx, stmtRepoCounts, []any{c.id}, func(scan func(dest ...any) error) error {
		var code, n int64
		if err := scan(&code, &n); err != nil {
			return err
		}
		addCount(&c.summary, code, n)
		return nil
	})
}

// addCount adds n pairs of the state code to a summary (an unknown code counts for nothing).
func addCount(sum *v1alpha1.BundleSummary, code, n int64) {
	if code >= 0 && int(code) < len(stateCodes) {
		summary.Add(sum, stateCodes[code], int(n))
	}
}

// setRepoStatus writes a GitRepo's or a HelmOp's computed fields: the summary of its Bundles'
// BundleDeployments and readyBundleDeployments. Its Ready condition and display state are the
// sync's, written by its controller (merging the deployments' readiness into Ready is to come).
func setRepoStatus(st *v1alpha1.StatusBase, sum v1alpha1.BundleSummary) {
	st.Summary = sum
	st.Display.ReadyBundleDeployments = fmt.Sprintf("%d/%d", sum.Ready, sum.DesiredReady)
}

// nonReadyEntry is a non-ready pair as a summary lists it: named by its cluster
// ("namespace/name") in a Bundle's summary, by its BundleDeployment (the bundle name) in a
// Cluster's, with the message and resources its agent reported.
func (s *Store) nonReadyEntry(ctx context.Context, tx *sqlstore.Tx, r row, kind int64) (v1alpha1.NonReadyResource, error) {
	e := v1alpha1.NonReadyResource{State: stateCodes[r.state]}
	if kind == ownerBundle {
		cl, err := s.cluster(ctx, tx, r.clusterID)
		if err != nil {
			return e, err
		}
		e.Name = cl.namespace + "/" + cl.name
	} else {
		b, err := s.bundle(ctx, tx, r.bundleID)
		if err != nil {
			return e, err
		}
		e.Name = b.name
	}
	if r.status != 0 {
		st, err := s.statusBody(ctx, tx, r.status)
		if err != nil {
			return e, err
		}
		e.Message = summary.Message(st.facts.Conditions)
		e.ModifiedStatus = st.facts.ModifiedStatus
		e.NonReadyStatus = st.facts.NonReadyStatus
	}
	return e, nil
}

// clusterIfAny reads a Cluster's row, nil when it is gone. (Bundle rows stay when their Bundle
// goes: a Bundle created again under its name takes its row back.)
func (s *Store) clusterIfAny(ctx context.Context, tx *sqlstore.Tx, id int64) (*clusterInfo, error) {
	c := &clusterInfo{id: id}
	found, err := tx.QueryRow(ctx, stmtClusterByID, []any{id}, &c.namespace, &c.name, &c.uid, &c.clusterNS)
	if err != nil || !found {
		return nil, err
	}
	return c, nil
}

// setBundleStatus writes a Bundle's computed status fields (Fleet's shapes): the summary, the
// display, the rollout, and the Ready condition (False with the reason when the targets could not
// be evaluated, else False with Fleet's message while the summary is not ready).
func setBundleStatus(st *v1alpha1.BundleStatus, sum v1alpha1.BundleSummary, b BundleStatus, now time.Time) {
	st.Summary = sum
	st.Display = v1alpha1.BundleDisplay{ReadyClusters: fmt.Sprintf("%d/%d", sum.Ready, sum.DesiredReady),
		State: string(summary.WorstState(sum))}
	st.ObservedGeneration = b.ObservedGeneration
	st.NewlyCreated, st.Unavailable, st.MaxUnavailable = b.NewlyCreated, b.Unavailable, b.MaxUnavailable
	st.UnavailablePartitions, st.MaxUnavailablePartitions = b.UnavailablePartitions, b.MaxUnavailablePartitions
	st.PartitionStatus = b.Partitions
	setReady(&st.Conditions, sum, "Cluster", b.Reason, b.Error, now)
}

// setClusterStatus writes a Cluster's computed status fields: the summary of its
// BundleDeployments, the display (WaitCheckIn until its agent checked in) and the Ready condition.
func setClusterStatus(st *v1alpha1.ClusterStatus, sum v1alpha1.BundleSummary, now time.Time) {
	st.Summary = sum
	st.Display.ReadyBundles = fmt.Sprintf("%d/%d", sum.Ready, sum.DesiredReady)
	st.Display.State = ClusterState(st, sum)
	setReady(&st.Conditions, sum, "Bundle", "", "", now)
}

// ClusterState is a Cluster's display state: WaitCheckIn until its agent checked in, else the
// worst state of its BundleDeployments ("" when all are ready).
func ClusterState(st *v1alpha1.ClusterStatus, sum v1alpha1.BundleSummary) string {
	if st.Agent.LastSeen.IsZero() {
		return v1alpha1.StateWaitCheckIn
	}
	return string(summary.WorstState(sum))
}

func setReady(conds *[]v1alpha1.GenericCondition, sum v1alpha1.BundleSummary, kind, reason, failure string, now time.Time) {
	switch msg := summary.ReadyMessage(sum, kind); {
	case failure != "":
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionFalse, reason, failure, now)
	case msg != "":
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionFalse, "", msg, now)
	default:
		conditions.Set(conds, v1alpha1.ConditionReady, corev1.ConditionTrue, "", "", now)
	}
}
