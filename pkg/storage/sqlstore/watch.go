package sqlstore

import (
	"context"
	"errors"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
)

const (
	// resultBufSize is the buffer of ResultChan: small, because idle
	// watchers (one per agent) must stay cheap.
	resultBufSize = 16
	// maxQueuedEvents is how far a watcher may fall behind the poller
	// before it stops receiving events in memory and catches up from the
	// event table instead (see catchUp).
	maxQueuedEvents = 1024
	// replayBatch is the number of history events read per query.
	replayBatch = 1000
	// initialListPage is the page size of the initial state of a watch.
	initialListPage = 1000
)

// watcher is one Watch: its own goroutine and a bounded queue fed by the
// poller without blocking.
type watcher struct {
	store          *store
	key            string
	recursive      bool
	pred           storage.SelectionPredicate
	acceptAll      bool
	progressNotify bool
	bookmarks      bool
	recordTimes    bool
	startRV        int64

	ctx      context.Context
	cancel   context.CancelFunc
	result   chan watch.Event
	finished chan struct{}

	// regRV: events up to it were dispatched before registration and are
	// replayed from the history; later ones arrive through the queue.
	regRV int64
	// lastRV: every event up to it has been delivered or skipped.
	lastRV int64

	qmu      sync.Mutex
	queue    []*sharedEvent
	overflow bool
	stopped  bool
	signal   chan struct{}
	progress chan struct{}
}

var _ watch.Interface = (*watcher)(nil)

// Stop implements watch.Interface.
func (w *watcher) Stop() { w.cancel() }

// ResultChan implements watch.Interface.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

// Watch implements storage.Interface.
//
// Resource version semantics follow etcd3: RV "n" streams the events after
// n (replayed from the event table while not compacted, 410 Gone after);
// RV "0" or "" first sends the current state as ADDED events (unless
// SendInitialEvents=false asks for "from now on"); SendInitialEvents=true
// sends the state, then, with AllowWatchBookmarks, a bookmark annotated
// k8s.io/initial-events-end.
func (s *store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	preparedKey, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rev, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if (opts.ProgressNotify || opts.Predicate.AllowWatchBookmarks) && s.newFunc == nil {
		return nil, apierrors.NewInternalError(errors.New("progressNotify for watch is unsupported by the sql storage because no newFunc was provided"))
	}
	startRV, err := s.startWatchRV(ctx, int64(rev), opts)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	w := &watcher{
		store:          s,
		key:            preparedKey,
		recursive:      opts.Recursive,
		pred:           opts.Predicate,
		acceptAll:      opts.Predicate.Empty(),
		progressNotify: opts.ProgressNotify,
		bookmarks:      opts.Predicate.AllowWatchBookmarks,
		recordTimes:    opts.RecordTimestamps,
		startRV:        startRV,
		ctx:            wctx,
		cancel:         cancel,
		result:         make(chan watch.Event, resultBufSize),
		finished:       make(chan struct{}),
		signal:         make(chan struct{}, 1),
		progress:       make(chan struct{}, 1),
	}
	regRV, ok := s.db.hub.register(w)
	if !ok {
		cancel()
		return nil, ErrClosed
	}
	w.regRV = regRV
	go w.run(initialEventsEndBookmarkRequired(opts), initialEventsRequired(int64(rev), opts))
	utilflowcontrol.WatchInitialized(ctx)
	return w, nil
}

// startWatchRV: with WatchList and SendInitialEvents=false a watch from
// RV 0 starts at the current revision.
func (s *store) startWatchRV(ctx context.Context, rev int64, opts storage.ListOptions) (int64, error) {
	if rev > 0 || !utilfeature.DefaultFeatureGate.Enabled(features.WatchList) {
		return rev, nil
	}
	if opts.SendInitialEvents == nil || *opts.SendInitialEvents {
		return 0, nil
	}
	current, err := s.db.CurrentResourceVersion(ctx)
	return int64(current), err
}

func initialEventsEndBookmarkRequired(opts storage.ListOptions) bool {
	return utilfeature.DefaultFeatureGate.Enabled(features.WatchList) &&
		opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.Predicate.AllowWatchBookmarks
}

func initialEventsRequired(rev int64, opts storage.ListOptions) bool {
	if opts.SendInitialEvents == nil && rev == 0 {
		return true
	}
	return utilfeature.DefaultFeatureGate.Enabled(features.WatchList) &&
		opts.SendInitialEvents != nil && *opts.SendInitialEvents
}

func (w *watcher) run(endBookmark, initialEvents bool) {
	defer w.exit()
	w.lastRV = w.startRV
	if initialEvents {
		if err := w.sendInitialState(); err != nil {
			w.sendError(err)
			return
		}
	}
	if endBookmark {
		ev, err := w.bookmarkEvent(w.lastRV, true)
		if err != nil || !w.send(ev) {
			w.sendError(err)
			return
		}
	}
	if err := w.replay(); err != nil {
		w.sendError(err)
		return
	}
	w.live()
}

// exit unregisters the watcher, drops its queue and closes its channel.
func (w *watcher) exit() {
	w.cancel()
	w.store.db.hub.unregister(w)
	w.qmu.Lock()
	w.stopped = true
	q := w.queue
	w.queue = nil
	w.qmu.Unlock()
	for _, se := range q {
		se.release()
	}
	close(w.result)
	close(w.finished)
}

// replay sends the history events in (lastRV, regRV] that concern the
// watched key, checking in the same snapshot that they are not compacted.
func (w *watcher) replay() error {
	db := w.store.db
	lo, hi := prefixRange(w.key)
	for w.lastRV < w.regRV {
		var events []*rawEvent
		err := db.readTx(w.ctx, func(r runner) error {
			var current, compacted int64
			if _, err := r.queryRow(w.ctx, stmtRevisions, []any{&current, &compacted}); err != nil {
				return err
			}
			if w.lastRV < compacted {
				return apierrors.NewResourceExpired(watchExpiredMessage)
			}
			if !w.recursive {
				var err error
				events, err = queryEvents(w.ctx, r, stmtReplayKey, w.lastRV, w.regRV, w.key, replayBatch)
				return err
			}
			id, err := w.replayStatement(r, lo, hi)
			if err != nil {
				return err
			}
			events, err = queryEvents(w.ctx, r, id, w.lastRV, w.regRV, lo, hi, replayBatch)
			return err
		})
		if err != nil {
			return err
		}
		for _, raw := range events {
			if !w.handle(newSharedEvent(raw, w.store)) {
				// The watch ended (its error, if any, was sent).
				return w.ctx.Err()
			}
		}
		if len(events) < replayBatch {
			w.lastRV = w.regRV
		}
	}
	return nil
}

// replayStatement chooses how a recursive watcher reads the events of its
// key range in (lastRV, regRV]: through the (key, rv) index when the range
// has fewer events in its whole (uncompacted) history than there are
// revisions to replay, by revision range otherwise. The probe counts at most
// that many index entries, so a replay costs O(min(history of the range,
// revisions to replay)): after a restart, N agents watching their own
// namespaces no longer each scan every event since their revision.
func (w *watcher) replayStatement(r runner, lo, hi string) (stmtID, error) {
	span := w.regRV - w.lastRV
	if w.store.legacyReplay {
		return stmtReplayPrefix, nil
	}
	var n int64
	if _, err := r.queryRow(w.ctx, stmtCountRangeEvents, []any{&n}, lo, hi, span); err != nil {
		return 0, err
	}
	if n < span {
		return stmtReplayPrefixByKey, nil
	}
	return stmtReplayPrefix, nil
}

func queryEvents(ctx context.Context, r runner, id stmtID, args ...any) ([]*rawEvent, error) {
	rows, err := r.query(ctx, id, args...)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}
