package sqlstore

import (
	"time"

	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/klog/v2"
)

// push queues an event without blocking; it reports false when the watcher
// no longer takes events (stopped, or terminated for falling behind).
func (w *watcher) push(se *sharedEvent) bool {
	w.qmu.Lock()
	if w.stopped || w.overflow {
		w.qmu.Unlock()
		return false
	}
	if len(w.queue) >= maxQueuedEvents {
		w.overflow = true
		w.qmu.Unlock()
		w.wake()
		return false
	}
	w.queue = append(w.queue, se)
	w.qmu.Unlock()
	w.wake()
	return true
}

func (w *watcher) wake() {
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *watcher) requestProgress() {
	select {
	case w.progress <- struct{}{}:
	default:
	}
}

// take empties the queue.
func (w *watcher) take() ([]*sharedEvent, bool) {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	q := w.queue
	w.queue = nil
	return q, w.overflow
}

// live delivers queued events until the watch ends.
func (w *watcher) live() {
	var tick <-chan time.Time
	interval := w.store.db.cfg.BookmarkInterval
	if w.progressNotify {
		interval = w.store.db.cfg.ProgressNotifyInterval
	}
	if w.progressNotify || w.bookmarks {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	progressWanted := false
	for {
		q, overflow := w.take()
		if overflow {
			for _, se := range q {
				se.release()
			}
			if err := w.catchUp(); err != nil {
				w.sendError(err)
				return
			}
			continue
		}
		for i, se := range q {
			if !w.handle(se) {
				for _, rest := range q[i+1:] {
					rest.release()
				}
				return
			}
		}
		if len(q) > 0 {
			continue
		}
		if progressWanted {
			if sent, ok := w.sendBookmarkIfCaughtUp(); !ok {
				return
			} else if sent {
				progressWanted = false
			}
		}
		select {
		case <-w.signal:
		case <-tick:
			if _, ok := w.sendBookmarkIfCaughtUp(); !ok {
				return
			}
		case <-w.progress:
			if w.progressNotify {
				progressWanted = true
			}
		case <-w.ctx.Done():
			return
		case <-w.store.db.done:
			return
		}
	}
}

// catchUp is the slow-watcher path. A watcher whose queue overflowed has
// been dropping live events (nothing is held in memory for it); it now
// re-registers, which empties its queue and returns the dispatch position,
// and replays what it missed from the event table, like etcd's unsynced
// watchers. Other watchers are never blocked. A watcher that falls behind
// the compaction gets 410 Gone.
func (w *watcher) catchUp() error {
	regRV, ok := w.store.db.hub.reregister(w)
	if !ok {
		return w.ctx.Err()
	}
	watchCatchUpsTotal.Inc()
	klog.V(4).InfoS("Slow watcher catching up from the event history", "key", w.key, "from", w.lastRV, "to", regRV)
	w.regRV = regRV
	return w.replay()
}

// sendBookmarkIfCaughtUp sends a bookmark at the dispatched revision when
// every event up to it has been delivered. ok is false when the watch ended.
func (w *watcher) sendBookmarkIfCaughtUp() (sent, ok bool) {
	// Read the position before looking at the queue: the poller queues
	// events before it advances the position.
	pos := w.store.db.hub.position()
	w.qmu.Lock()
	empty := len(w.queue) == 0
	w.qmu.Unlock()
	if !empty || pos < w.lastRV {
		return false, true
	}
	w.lastRV = pos
	ev, err := w.bookmarkEvent(pos, false)
	if err != nil {
		w.sendError(err)
		return false, false
	}
	return true, w.send(ev)
}

// handle delivers one event if it concerns the watcher; false ends the watch.
func (w *watcher) handle(se *sharedEvent) bool {
	if se.raw.rv <= w.lastRV {
		se.release()
		return true
	}
	ev, err := w.transform(se)
	if err != nil {
		se.release()
		w.sendError(err)
		return false
	}
	w.lastRV = se.raw.rv
	if ev == nil {
		se.release()
		return true
	}
	ev.Object = se.own(ev.Object)
	if w.recordTimes {
		ev.Object = &timedWatchEvent{Object: ev.Object, recordTime: time.Now()}
	}
	return w.send(*ev)
}

// send delivers an event unless the watch ends first. Once the watch has
// ended (Stop, or an error was sent) nothing more is delivered.
func (w *watcher) send(ev watch.Event) bool {
	if w.ctx.Err() != nil {
		return false
	}
	select {
	case w.result <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// sendError delivers an ERROR event (none when the watch was canceled) and
// ends the watch.
func (w *watcher) sendError(err error) {
	defer w.cancel()
	if err == nil || isCancel(err) || w.ctx.Err() != nil {
		return
	}
	klog.V(4).InfoS("Watch ended with an error", "key", w.key, "err", err)
	w.send(watch.Event{Type: watch.Error, Object: watchErrorStatus(err)})
}
