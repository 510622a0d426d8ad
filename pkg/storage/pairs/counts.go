package pairs

import (
	"context"
	"sort"

	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// owner is the owner of a summary: a Bundle or a Cluster row.
type owner struct{ kind, id int64 }

// less orders owners by kind, then id: the order of pair_dirty's key.
func (o owner) less(p owner) bool { return o.kind < p.kind || (o.kind == p.kind && o.id < p.id) }

type countKey struct {
	owner
	state int64
}

// tally collects what one write transaction does to the summaries: the counter deltas of the
// pairs it changes, and the owners whose summary may show something new (a count, or a
// non-ready pair's message). save writes them, O(owners touched), not O(pairs).
type tally struct {
	deltas map[countKey]int64
	dirty  map[owner]bool
}

func newTally() *tally { return &tally{deltas: map[countKey]int64{}, dirty: map[owner]bool{}} }

// change records that a pair went from prev to next; a deleted (tombstone) or absent row counts
// for nothing (pass nil).
func (t *tally) change(prev, next *row) {
	wasLive, isLive := prev != nil && !prev.deleted(), next != nil && !next.deleted()
	if wasLive && isLive && prev.state == 0 && next.state == 0 {
		return // Ready stays Ready: no summary shows more of a Ready pair than its count
	}
	for _, r := range []*row{prev, next} {
		if r != nil {
			t.dirty[owner{ownerBundle, r.bundleID}] = true
			t.dirty[owner{ownerCluster, r.clusterID}] = true
		}
	}
	if wasLive {
		t.add(prev, -1)
	}
	if isLive {
		t.add(next, 1)
	}
}

func (t *tally) add(r *row, n int64) {
	t.deltas[countKey{owner{ownerBundle, r.bundleID}, r.state}] += n
	t.deltas[countKey{owner{ownerCluster, r.clusterID}, r.state}] += n
}

// touch marks a summary to be rewritten though no pair changed (the Bundle's own status did).
func (t *tally) touch(o owner) { t.dirty[o] = true }

// save applies the deltas and marks, in a fixed order (the same transaction always writes the
// same rows in the same order).
func (t *tally) save(ctx context.Context, tx *sqlstore.WriteTx) error {
	keys := make([]countKey, 0, len(t.deltas))
	for k, n := range t.deltas {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.owner != b.owner {
			return a.owner.less(b.owner)
		}
		return a.state < b.state
	})
	for _, k := range keys {
		if _, err := tx.Exec(ctx, stmtAddCount, k.kind, k.id, k.state, t.deltas[k]); err != nil {
			return err
		}
		if t.deltas[k] < 0 {
			if _, err := tx.Exec(ctx, stmtDropZeroCount, k.kind, k.id, k.state); err != nil {
				return err
			}
		}
	}
	owners := make([]owner, 0, len(t.dirty))
	for o := range t.dirty {
		owners = append(owners, o)
	}
	sort.Slice(owners, func(i, j int) bool { return owners[i].less(owners[j]) })
	for _, o := range owners {
		if _, err := tx.Exec(ctx, stmtMarkDirty, o.kind, o.id); err != nil {
			return err
		}
		switch o.kind {
		case ownerBundle:
			// A Bundle's repo sums its Bundles: it may show something new too.
			if _, err := tx.Exec(ctx, stmtMarkRepoDirty, o.id); err != nil {
				return err
			}
		case ownerCluster:
			// And a Cluster's groups sum their clusters.
			if _, err := tx.Exec(ctx, stmtMarkGroupsDirty, o.id); err != nil {
				return err
			}
		}
	}
	return nil
}

// counts reads the counters of one summary: pairs by state code.
func counts(ctx context.Context, tx *sqlstore.Tx, o owner) (map[int64]int64, error) {
	out := map[int64]int64{}
	err := tx.Query(ctx, stmtCounts, []any{o.kind, o.id}, func(scan func(dest ...any) error) error {
		var state, n int64
		if err := scan(&state, &n); err != nil {
			return err
		}
		out[state] = n
		return nil
	})
	return out, err
}
