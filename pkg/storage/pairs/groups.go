package pairs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
	"github.com/fleetapi/fleet/pkg/summary"
)

// MaxNonReadyClusters caps a ClusterGroup's status.nonReadyClusters.
const MaxNonReadyClusters = 10

// SetGroup records the members of a ClusterGroup (the clusters its selector matches), writing
// only what changed, and marks the group's summary. Clusters without BundleDeployments get
// their row here, so that they count as members.
func (s *Store) SetGroup(ctx context.Context, namespace, name string, members []Cluster) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		var id int64
		found, err := tx.QueryRow(ctx, stmtGroupByName, []any{namespace, name}, &id)
		if err != nil {
			return err
		}
		if !found {
			if _, err := tx.QueryRow(ctx, stmtInsertGroup, []any{namespace, name}, &id); err != nil {
				return err
			}
		}
		have := map[int64]bool{}
		if err := tx.Query(ctx, stmtGroupMembers, []any{id}, func(scan func(dest ...any) error) error {
			var c int64
			err := scan(&c)
			have[c] = true
			return err
		}); err != nil {
			return err
		}
		want := map[int64]bool{}
		for _, c := range members {
			cid, err := clusterRow(ctx, tx, c)
			if err != nil {
				return err
			}
			want[cid] = true
		}
		for _, cid := range sortedIDs(want) {
			if !have[cid] {
				if _, err := tx.Exec(ctx, stmtAddGroupMember, id, cid); err != nil {
					return err
				}
			}
		}
		for _, cid := range sortedIDs(have) {
			if !want[cid] {
				if _, err := tx.Exec(ctx, stmtDropGroupMember, id, cid); err != nil {
					return err
				}
			}
		}
		// Marked even when no member changed: a group deleted and created again under its name
		// (its controller saw only the new one) starts with an empty status. A flush that
		// computes the same status writes nothing.
		_, err = tx.Exec(ctx, stmtMarkDirty, ownerGroup, id)
		return err
	})
}

// DeleteGroup forgets a ClusterGroup that was deleted.
func (s *Store) DeleteGroup(ctx context.Context, namespace, name string) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sqlstore.WriteTx) error {
		var id int64
		found, err := tx.QueryRow(ctx, stmtGroupByName, []any{namespace, name}, &id)
		if err != nil || !found {
			return err
		}
		if _, err := tx.Exec(ctx, stmtDeleteGroupMembers, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, stmtDeleteGroup, id)
		return err
	})
}

func sortedIDs(set map[int64]bool) []int64 {
	out := make([]int64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// groupSummary is what a ClusterGroup's status shows, computed from its members' counters.
type groupSummary struct {
	clusters, nonReady int
	nonReadyClusters   []string
}

// computeGroup reads a ClusterGroup's summary: its members' counters summed, and which of them
// are not ready. O(members × states): a group is not summed in O(1) (a gap; see the design page).
func (s *Store) computeGroup(ctx context.Context, tx *sqlstore.Tx, c *computed) error {
	found, err := tx.QueryRow(ctx, stmtGroupByID, []any{c.id}, &c.namespace, &c.name)
	if err != nil || !found {
		return err
	}
	type member struct {
		id   int64
		name string
	}
	var notReady []member
	last, lastReady := member{id: -1}, true
	end := func() {
		if last.id < 0 {
			return
		}
		c.group.clusters++
		if !lastReady {
			c.group.nonReady++
			notReady = append(notReady, last)
		}
	}
	if err := tx.Query(ctx, stmtGroupCounts, []any{c.id}, func(scan func(dest ...any) error) error {
		var m member
		var code, n int64
		if err := scan(&m.id, &m.name, &code, &n); err != nil {
			return err
		}
		if m.id != last.id {
			end()
			last, lastReady = m, true
		}
		addCount(&c.summary, code, n)
		if code >= 0 && int(code) < len(stateCodes) && stateCodes[code] != v1alpha1.Ready && n > 0 {
			lastReady = false
		}
		return nil
	}); err != nil {
		return err
	}
	end()
	// As Fleet: the first non-ready members by name, and the summary lists their first
	// non-ready BundleDeployments (named by bundle), as Fleet adds up its clusters' summaries.
	sort.Slice(notReady, func(i, j int) bool { return notReady[i].name < notReady[j].name })
	if len(notReady) > MaxNonReadyClusters {
		notReady = notReady[:MaxNonReadyClusters]
	}
	var entries []v1alpha1.NonReadyResource
	for _, m := range notReady {
		c.group.nonReadyClusters = append(c.group.nonReadyClusters, m.name)
		if len(entries) >= summary.MaxNonReadyResources {
			continue
		}
		rows, err := queryRows(ctx, tx, stmtClusterNotReady, m.id, summary.MaxNonReadyResources-len(entries))
		if err != nil {
			return err
		}
		for _, r := range rows {
			e, err := s.nonReadyEntry(ctx, tx, r, ownerCluster)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
	}
	c.summary.NonReadyResources, _ = summary.CapNonReady(entries)
	return nil
}

// setGroupStatus writes a ClusterGroup's computed status fields, as Fleet's ClusterGroup
// controller does: counts, the summed summary, the display and Ready.
func setGroupStatus(st *v1alpha1.ClusterGroupStatus, sum v1alpha1.BundleSummary, g groupSummary, now time.Time) {
	st.ClusterCount, st.NonReadyClusterCount, st.NonReadyClusters = g.clusters, g.nonReady, g.nonReadyClusters
	st.Summary = sum
	st.Display.ReadyClusters = fmt.Sprintf("%d/%d", g.clusters-g.nonReady, g.clusters)
	if len(g.nonReadyClusters) > 0 {
		st.Display.ReadyClusters += " (" + strings.Join(g.nonReadyClusters, ",") + ")"
	}
	st.Display.ReadyBundles = fmt.Sprintf("%d/%d", sum.Ready, sum.DesiredReady)
	st.Display.State = string(summary.WorstState(sum))
	setReady(&st.Conditions, sum, "Bundle", "", "", now)
}
