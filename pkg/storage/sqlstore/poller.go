package sqlstore

import (
	"context"
	"strconv"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// pollBatch is the number of events the poller reads per query.
const pollBatch = 1000

// rawEvent is one row of the events table as read by the poller or a replay,
// with the value of the event it replaced.
type rawEvent struct {
	rv        int64
	key       string
	typ       int
	value     []byte
	prevValue []byte
}

// poller is the one goroutine per DB that reads new events (rv > last) in
// revision order and hands them to the hub. A local commit wakes it at once;
// a periodic tick picks up commits made by other processes sharing the
// database (a future multi-replica PostgreSQL deployment).
type poller struct {
	db     *DB
	last   int64
	wakeCh chan struct{}
}

func newPoller(db *DB, last int64) *poller {
	return &poller{db: db, last: last, wakeCh: make(chan struct{}, 1)}
}

// wake asks for a poll without blocking; wakes coalesce.
func (p *poller) wake() {
	select {
	case p.wakeCh <- struct{}{}:
	default:
	}
}

func (p *poller) run() {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.db.done
		cancel()
	}()
	for {
		select {
		case <-p.db.done:
			return
		case <-p.wakeCh:
		case <-ticker.C:
		}
		if err := p.poll(ctx); err != nil && ctx.Err() == nil {
			klog.ErrorS(err, "Polling storage events failed; retrying")
		}
	}
}

// poll reads and dispatches every event committed since the last poll, then
// moves the dispatch position to the committed revision it read first:
// revisions without events (those of extensions' writes) are passed too, so
// that waitDispatched and progress bookmarks never wait for an event that
// will not come.
func (p *poller) poll(ctx context.Context) error {
	var head int64
	if _, err := p.db.read().queryRow(ctx, stmtGetMeta, []any{&head}, metaRV); err != nil {
		return err
	}
	if err := p.pollEvents(ctx); err != nil {
		return err
	}
	if head > p.last {
		p.last = head
	}
	p.db.hub.advance(head)
	return nil
}

// pollEvents reads and dispatches the events after the last one.
func (p *poller) pollEvents(ctx context.Context) error {
	for {
		events, err := p.fetch(ctx)
		if err != nil || len(events) == 0 {
			return err
		}
		for _, ev := range events {
			if ev.key == compactRevKey {
				if rv, err := strconv.ParseInt(string(ev.value), 10, 64); err == nil {
					p.db.observeCompacted(rv)
				}
			}
		}
		p.db.hub.dispatch(events)
		p.last = events[len(events)-1].rv
		if len(events) < pollBatch {
			return nil
		}
	}
}

func (p *poller) fetch(ctx context.Context) ([]*rawEvent, error) {
	rows, err := p.db.read().query(ctx, stmtPollEvents, p.last, pollBatch)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// observeCompacted records a compacted revision seen locally or by the poller.
func (db *DB) observeCompacted(rv int64) {
	for {
		cur := db.compactRV.Load()
		if rv <= cur || db.compactRV.CompareAndSwap(cur, rv) {
			return
		}
	}
}

// hub indexes watchers by key so that an event visits only the watchers
// whose key is a prefix of (recursive) or equal to (single object) the event
// key: O(depth of the key + interested watchers) per event, whatever the
// number of watchers of other resources or namespaces.
type hub struct {
	mu      sync.Mutex
	prefix  map[string]map[*watcher]struct{}
	exact   map[string]map[*watcher]struct{}
	byStore map[*store]map[*watcher]struct{}
	// dispatched is the revision up to which every event has been handed to
	// the registered watchers. Guarded by mu.
	dispatched int64
	// advanced is closed (and replaced) whenever dispatched moves.
	advanced chan struct{}
	closed   bool
}

func newHub(rv int64) *hub {
	return &hub{
		prefix:     map[string]map[*watcher]struct{}{},
		exact:      map[string]map[*watcher]struct{}{},
		byStore:    map[*store]map[*watcher]struct{}{},
		dispatched: rv,
		advanced:   make(chan struct{}),
	}
}

func addTo(m map[string]map[*watcher]struct{}, k string, w *watcher) {
	set := m[k]
	if set == nil {
		set = map[*watcher]struct{}{}
		m[k] = set
	}
	set[w] = struct{}{}
}

func removeFrom(m map[string]map[*watcher]struct{}, k string, w *watcher) {
	if set := m[k]; set != nil {
		delete(set, w)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}

// register adds a watcher and returns the revision up to which events have
// already been dispatched: the watcher replays (start, that revision] from
// the database and receives everything after it live.
func (h *hub) register(w *watcher) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, false
	}
	if w.recursive {
		addTo(h.prefix, w.key, w)
	} else {
		addTo(h.exact, w.key, w)
	}
	set := h.byStore[w.store]
	if set == nil {
		set = map[*watcher]struct{}{}
		h.byStore[w.store] = set
	}
	set[w] = struct{}{}
	watchersGauge.Inc()
	return h.dispatched, true
}

// reregister empties the queue of a registered watcher that overflowed and
// returns the dispatch position: events up to it must be read from the
// history, later ones will be queued again.
func (h *hub) reregister(w *watcher) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.qmu.Lock()
	defer w.qmu.Unlock()
	if h.closed || w.stopped {
		return 0, false
	}
	for _, se := range w.queue {
		se.release()
	}
	w.queue = nil
	w.overflow = false
	return h.dispatched, true
}

func (h *hub) unregister(w *watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.recursive {
		removeFrom(h.prefix, w.key, w)
	} else {
		removeFrom(h.exact, w.key, w)
	}
	if set := h.byStore[w.store]; set != nil {
		if _, ok := set[w]; ok {
			watchersGauge.Dec()
		}
		delete(set, w)
		if len(set) == 0 {
			delete(h.byStore, w.store)
		}
	}
}

// dispatch hands a batch of events, in revision order, to the interested
// watchers. Each event is decoded at most once per store, lazily, by the
// first watcher that needs it (sharedEvent); pushes never block.
func (h *hub) dispatch(events []*rawEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var shared []*sharedEvent
	for _, ev := range events {
		shared = shared[:0]
		deliver := func(set map[*watcher]struct{}) {
			for w := range set {
				var se *sharedEvent
				for _, c := range shared {
					if c.s == w.store {
						se = c
						break
					}
				}
				if se == nil {
					se = newSharedEvent(ev, w.store)
					shared = append(shared, se)
				}
				se.pending.Add(1)
				if !w.push(se) {
					se.pending.Add(-1)
				}
			}
		}
		for i := 0; i < len(ev.key); i++ {
			if ev.key[i] == '/' {
				if set := h.prefix[ev.key[:i+1]]; set != nil {
					deliver(set)
				}
			}
		}
		if set := h.exact[ev.key]; set != nil {
			deliver(set)
		}
		for _, se := range shared {
			se.pending.Add(-1) // drop the dispatch guard
		}
	}
	if n := len(events); n > 0 {
		h.advanceLocked(events[n-1].rv)
	}
}

// advance moves the dispatched revision to rv (not back).
func (h *hub) advance(rv int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advanceLocked(rv)
}

func (h *hub) advanceLocked(rv int64) {
	if rv > h.dispatched {
		h.dispatched = rv
		close(h.advanced)
		h.advanced = make(chan struct{})
	}
}

// position returns the dispatched revision.
func (h *hub) position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dispatched
}

// waitDispatched waits until every event up to rv has been dispatched.
func (db *DB) waitDispatched(ctx context.Context, rv int64) error {
	for {
		db.hub.mu.Lock()
		reached, ch := db.hub.dispatched >= rv, db.hub.advanced
		db.hub.mu.Unlock()
		if reached {
			return nil
		}
		db.poller.wake()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-db.done:
			return ErrClosed
		}
	}
}

// storeWatchers returns the watchers of one store.
func (h *hub) storeWatchers(s *store) []*watcher {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*watcher, 0, len(h.byStore[s]))
	for w := range h.byStore[s] {
		out = append(out, w)
	}
	return out
}

// closeAll stops every watcher (DB.Close).
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	var all []*watcher
	for _, set := range h.byStore {
		for w := range set {
			all = append(all, w)
		}
	}
	h.mu.Unlock()
	for _, w := range all {
		w.Stop()
		<-w.finished
	}
}
