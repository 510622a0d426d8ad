package pairs

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

const (
	// pollInterval bounds how late changes written by another process are seen; local commits
	// wake the poller at once.
	pollInterval = time.Second
	// maxQueued is how many changes a watcher may still hold, not taken, when the next poll's
	// come, before it is ended with 410 Gone (its client lists again and watches from there).
	maxQueued = 4096
	// resultBuffer is the size of a watcher's result channel.
	resultBuffer = 64
	// bookmarkInterval is how often a watcher that allows bookmarks gets one.
	bookmarkInterval = time.Minute
)

// WatchOptions select what a watch delivers.
type WatchOptions struct {
	// Namespace is a cluster namespace; "" watches every namespace.
	Namespace string
	Labels    labels.Selector
	Name      string
	// ResourceVersion: "" or "0" send the current state as ADDED events first; a revision N
	// sends what changed after N (410 Gone if N is older than the compacted revision).
	ResourceVersion string
	// SendInitialEvents sends the current state first, then a bookmark annotated
	// k8s.io/initial-events-end (WatchList), whatever ResourceVersion says.
	SendInitialEvents   *bool
	AllowWatchBookmarks bool
}

// hub fans the poller's changes out to the watchers of one cluster namespace or of all.
type hub struct {
	mu       sync.Mutex
	position int64 // the last revision dispatched
	byNS     map[string]map[*watcher]struct{}
	all      map[*watcher]struct{}
}

// Start runs the poller until ctx ends: it reads the pairs changed since the last revision it
// dispatched, in revision order, whenever this process commits and every second, and hands each
// to the watchers of its cluster namespace and of all namespaces.
func (s *Store) Start(ctx context.Context) error {
	var rv int64
	if err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) (err error) {
		rv, err = tx.Revision(ctx)
		return err
	}); err != nil {
		return err
	}
	s.hub.mu.Lock()
	s.hub.position = rv
	s.hub.mu.Unlock()
	commits := s.db.Commits()
	go func() {
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				s.closeWatchers()
				return
			case <-commits:
			case <-t.C:
			}
			if err := s.poll(ctx); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "Polling BundleDeployment changes")
			}
		}
	}()
	return nil
}

// poll dispatches the changes after the hub's position.
func (s *Store) poll(ctx context.Context) error {
	s.hub.mu.Lock()
	from := s.hub.position
	s.hub.mu.Unlock()
	var events []change
	var head int64
	err := s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		var err error
		if head, err = tx.Revision(ctx); err != nil || head <= from {
			return err
		}
		rows, err := queryRows(ctx, tx, stmtChangedSince, from, head)
		if err != nil {
			return err
		}
		events, err = s.changes(ctx, tx, rows)
		return err
	})
	if err != nil || head <= from {
		return err
	}
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for i := range events {
		events[i].from = from
	}
	byNS := map[string][]change{}
	for _, ev := range events {
		if len(s.hub.byNS[ev.obj.Namespace]) > 0 {
			byNS[ev.obj.Namespace] = append(byNS[ev.obj.Namespace], ev)
		}
	}
	for ns, evs := range byNS {
		for w := range s.hub.byNS[ns] {
			w.push(evs)
		}
	}
	if len(events) > 0 {
		for w := range s.hub.all {
			w.push(events)
		}
	}
	s.hub.position = head
	return nil
}

// change is one pair's change, materialized.
type change struct {
	rv        int64
	createdRV int64
	deleted   bool
	obj       *v1alpha1.BundleDeployment
	// from is the revision after which the poll that read it looked: a watcher of that poll knew
	// every pair as of from, so a pair created after it is new to the watcher.
	from int64
}

func (s *Store) changes(ctx context.Context, tx *sqlstore.Tx, rows []row) ([]change, error) {
	out := make([]change, 0, len(rows))
	clusters := map[int64]*clusterInfo{}
	for _, r := range rows {
		c := clusters[r.clusterID]
		if c == nil {
			var err error
			if c, err = s.cluster(ctx, tx, r.clusterID); err != nil {
				return nil, err
			}
			clusters[r.clusterID] = c
		}
		obj, err := s.object(ctx, tx, r, c)
		if err != nil {
			return nil, err
		}
		out = append(out, change{rv: r.rv, createdRV: r.createdRV, deleted: r.deleted(), obj: obj})
	}
	return out, nil
}

// Watch watches BundleDeployments. Because a pair is updated in place, a watch delivers the
// latest state of each BundleDeployment changed after its start, not every intermediate version
// (docs/bundledeployments.md §4). Known gap: a BundleDeployment that leaves a label selector
// because its Bundle's labels (or its content-name) changed is not sent as DELETED.
func (s *Store) Watch(ctx context.Context, o WatchOptions) (watch.Interface, error) {
	sel := o.Labels
	if sel == nil {
		sel = labels.Everything()
	}
	w := &watcher{opts: o, sel: sel, result: make(chan watch.Event, resultBuffer), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	initial := o.SendInitialEvents != nil && *o.SendInitialEvents
	start, err := ParseResourceVersion(o.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if start != 0 && start < s.db.CompactedResourceVersion() {
		return nil, errors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", start, s.db.CompactedResourceVersion()))
	}
	if start == 0 {
		initial = true
	}
	// Register first, at the hub's position P; then read what precedes P: no gap, no duplicate.
	s.hub.mu.Lock()
	pos := s.hub.position
	s.hub.register(w)
	s.hub.mu.Unlock()
	var first []watch.Event
	snapRV, replayed := pos, start
	err = s.db.Read(ctx, func(ctx context.Context, tx *sqlstore.Tx) error {
		if initial {
			// The snapshot is at the transaction's revision (at least P): the queued changes up to
			// it are in the snapshot already and are skipped.
			var err error
			if snapRV, err = tx.Revision(ctx); err != nil {
				return err
			}
			list, err := s.snapshot(ctx, tx, o)
			if err != nil {
				return err
			}
			for i := range list {
				first = append(first, watch.Event{Type: watch.Added, Object: &list[i]})
			}
			if o.SendInitialEvents != nil && *o.SendInitialEvents && o.AllowWatchBookmarks {
				first = append(first, bookmark(snapRV, true))
			}
			return nil
		}
		// Replay up to the snapshot's revision (at least P), not only to P: a pair changed both
		// before and after P has its latest revision past P, and the client must get it here
		// (as ADDED when it was created after start); the hub's changes up to the snapshot are
		// skipped by the watcher.
		to, err := tx.Revision(ctx)
		if err != nil {
			return err
		}
		rows, err := s.replayRows(ctx, tx, o.Namespace, start, to)
		if err != nil {
			return err
		}
		evs, err := s.changes(ctx, tx, rows)
		if err != nil {
			return err
		}
		// Each pair changed since start comes once, in its latest state: one created after start
		// is new to the client (ADDED, or nothing if it is gone again), whatever came before it.
		for _, ev := range evs {
			if e, ok := w.event(ev, start); ok {
				first = append(first, e)
			}
		}
		replayed = max(to, start)
		return nil
	})
	if err != nil {
		s.hub.mu.Lock()
		s.hub.unregister(w)
		s.hub.mu.Unlock()
		return nil, err
	}
	w.since = replayed
	if initial {
		w.since = snapRV
	}
	go w.run(ctx, first, func() {
		s.hub.mu.Lock()
		s.hub.unregister(w)
		s.hub.mu.Unlock()
	})
	return w, nil
}

// snapshot is the current state of what o selects, as of the snapshot of tx.
func (s *Store) snapshot(ctx context.Context, tx *sqlstore.Tx, o WatchOptions) ([]v1alpha1.BundleDeployment, error) {
	var items []v1alpha1.BundleDeployment
	emit := func(bd *v1alpha1.BundleDeployment) bool {
		if (o.Name == "" || bd.Name == o.Name) && (o.Labels == nil || o.Labels.Matches(labels.Set(bd.Labels))) {
			items = append(items, *bd)
		}
		return true
	}
	if o.Namespace != "" {
		c, err := s.clusterByNS(ctx, tx, o.Namespace)
		if err != nil || c == nil {
			return nil, err
		}
		return items, s.walkCluster(ctx, tx, c, emit)
	}
	return items, s.walkAll(ctx, tx, "", emit)
}

// replayRows are the pairs changed in (from, to] in one cluster namespace or all, by revision.
func (s *Store) replayRows(ctx context.Context, tx *sqlstore.Tx, clusterNS string, from, to int64) ([]row, error) {
	if clusterNS == "" {
		return queryRows(ctx, tx, stmtChangedSince, from, to)
	}
	c, err := s.clusterByNS(ctx, tx, clusterNS)
	if err != nil || c == nil {
		return nil, err
	}
	return queryRows(ctx, tx, stmtClusterChangedSince, c.id, from, to)
}

func (h *hub) register(w *watcher) {
	if w.opts.Namespace == "" {
		if h.all == nil {
			h.all = map[*watcher]struct{}{}
		}
		h.all[w] = struct{}{}
		return
	}
	if h.byNS == nil {
		h.byNS = map[string]map[*watcher]struct{}{}
	}
	set := h.byNS[w.opts.Namespace]
	if set == nil {
		set = map[*watcher]struct{}{}
		h.byNS[w.opts.Namespace] = set
	}
	set[w] = struct{}{}
}

func (h *hub) unregister(w *watcher) {
	delete(h.all, w)
	if set := h.byNS[w.opts.Namespace]; set != nil {
		delete(set, w)
		if len(set) == 0 {
			delete(h.byNS, w.opts.Namespace)
		}
	}
}

func (s *Store) closeWatchers() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for w := range s.hub.all {
		w.Stop()
	}
	for _, set := range s.hub.byNS {
		for w := range set {
			w.Stop()
		}
	}
}

// watcher is one watch: the poller pushes changes to its queue; its goroutine filters and sends.
type watcher struct {
	opts   WatchOptions
	sel    labels.Selector
	since  int64 // the revision the watcher's events start after
	result chan watch.Event
	done   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	queue    []change
	overflow bool
	wake     chan struct{}
}

var _ watch.Interface = (*watcher)(nil)

// ResultChan implements watch.Interface.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

// Stop implements watch.Interface.
func (w *watcher) Stop() { w.once.Do(func() { close(w.done) }) }

// push queues one poll's changes for the watcher; it never blocks the poller. The watcher has
// fallen behind when it has not taken maxQueued changes yet as the next come: it is ended then.
// One commit can change more pairs than that (a Bundle of 10,000 clusters): a watcher that keeps
// up takes them, as one batch.
func (w *watcher) push(batch []change) {
	w.mu.Lock()
	if len(w.queue) >= maxQueued {
		w.overflow = true
	} else {
		w.queue = append(w.queue, batch...)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// event turns a change into the event this watcher sends, if any. seen is the revision as of which
// the watcher's client knows every pair: a pair created after it was never sent, so its deletion
// is not sent either and its first change is ADDED.
func (w *watcher) event(c change, seen int64) (watch.Event, bool) {
	if (w.opts.Name != "" && c.obj.Name != w.opts.Name) || !w.sel.Matches(labels.Set(c.obj.Labels)) {
		return watch.Event{}, false
	}
	switch {
	case c.deleted && c.createdRV > seen:
		return watch.Event{}, false // created and deleted since: never seen
	case c.deleted:
		return watch.Event{Type: watch.Deleted, Object: c.obj.DeepCopy()}, true
	case c.createdRV > seen:
		return watch.Event{Type: watch.Added, Object: c.obj.DeepCopy()}, true
	}
	return watch.Event{Type: watch.Modified, Object: c.obj.DeepCopy()}, true
}

func (w *watcher) run(ctx context.Context, first []watch.Event, unregister func()) {
	defer close(w.result)
	defer unregister()
	send := func(e watch.Event) bool {
		select {
		case w.result <- e:
			return true
		case <-w.done:
		case <-ctx.Done():
		}
		return false
	}
	for _, e := range first {
		if !send(e) {
			return
		}
	}
	var tick <-chan time.Time
	if w.opts.AllowWatchBookmarks {
		t := time.NewTicker(bookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	last := w.since
	for {
		select {
		case <-w.done:
			return
		case <-ctx.Done():
			return
		case <-tick:
			if !send(bookmark(last, false)) {
				return
			}
		case <-w.wake:
			w.mu.Lock()
			batch, overflow := w.queue, w.overflow
			w.queue = nil
			w.mu.Unlock()
			if overflow {
				send(watch.Event{Type: watch.Error, Object: &errors.NewResourceExpired("the watcher fell too far behind").ErrStatus})
				return
			}
			for _, c := range batch {
				if c.rv <= last {
					continue
				}
				e, ok := w.event(c, max(c.from, w.since))
				last = c.rv
				if ok && !send(e) {
					return
				}
			}
		}
	}
}

// bookmark is a BOOKMARK event at a revision.
func bookmark(rv int64, initialEventsEnd bool) watch.Event {
	obj := &v1alpha1.BundleDeployment{ObjectMeta: metav1.ObjectMeta{ResourceVersion: strconv.FormatInt(rv, 10)}}
	if initialEventsEnd {
		obj.Annotations = map[string]string{metav1.InitialEventsAnnotationKey: "true"}
	}
	return watch.Event{Type: watch.Bookmark, Object: obj}
}
