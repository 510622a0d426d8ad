package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
)

// sharedEvent is one event as seen by the watchers of one store. It is
// decoded at most once, lazily, by the first watcher that needs it, and the
// decoded objects are never modified: a watcher delivers a deep copy, except
// the last one holding the event, which delivers the original.
type sharedEvent struct {
	raw *rawEvent
	s   *store
	// pending counts the holders: each watcher it was pushed to, plus the
	// dispatcher while it is still pushing.
	pending atomic.Int32

	curOnce  sync.Once
	cur      runtime.Object
	curErr   error
	prevOnce sync.Once
	prev     runtime.Object
	prevErr  error
}

// newSharedEvent returns an event held once by its creator.
func newSharedEvent(raw *rawEvent, s *store) *sharedEvent {
	se := &sharedEvent{raw: raw, s: s}
	se.pending.Store(1)
	return se
}

// current decodes the new value. Decoding uses a background context: the
// result is shared by watchers whose requests may end at any time.
func (se *sharedEvent) current() (runtime.Object, error) {
	se.curOnce.Do(func() {
		data, _, err := se.s.fromStorage(context.Background(), se.raw.key, se.raw.value)
		if err != nil {
			se.curErr = err
			return
		}
		se.cur, se.curErr = se.s.decodeNew(data, se.raw.rv)
	})
	return se.cur, se.curErr
}

// previous decodes the replaced value, carrying the revision of this event
// (a DELETED event carries the revision of the deletion). It returns nil
// when the event has no previous value.
func (se *sharedEvent) previous() (runtime.Object, error) {
	se.prevOnce.Do(func() {
		if len(se.raw.prevValue) == 0 {
			return
		}
		data, _, err := se.s.fromStorage(context.Background(), se.raw.key, se.raw.prevValue)
		if err != nil {
			se.prevErr = err
			return
		}
		se.prev, se.prevErr = se.s.decodeNew(data, se.raw.rv)
	})
	return se.prev, se.prevErr
}

// release drops one hold without using the objects.
func (se *sharedEvent) release() { se.pending.Add(-1) }

// own returns obj for delivery and drops the caller's hold: the original
// when the caller is the only holder left (nobody can take a hold any more),
// a deep copy otherwise.
func (se *sharedEvent) own(obj runtime.Object) runtime.Object {
	if se.pending.Load() != 1 {
		obj = obj.DeepCopyObject()
	}
	se.pending.Add(-1)
	return obj
}

// scanEvents reads the rows of eventColumns.
func scanEvents(rows *sql.Rows) ([]*rawEvent, error) {
	defer func() { _ = rows.Close() }()
	var out []*rawEvent
	for rows.Next() {
		ev := &rawEvent{}
		if err := rows.Scan(&ev.rv, &ev.key, &ev.typ, &ev.value, &ev.prevValue); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// transform turns an event into what this watcher sees, following the etcd3
// rules: a modification that makes the object leave the selector is
// DELETED (with the old object), one that makes it enter is ADDED. It
// returns nil when the watcher is not interested.
func (w *watcher) transform(se *sharedEvent) (*watch.Event, error) {
	switch se.raw.typ {
	case eventDeleted:
		prev, err := se.previous()
		if err != nil {
			if isCorrupt(err) {
				return nil, &corruptObjectDeletedError{err: err}
			}
			return nil, err
		}
		if prev == nil || !w.filter(prev) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Deleted, Object: prev}, nil
	case eventCreated:
		cur, err := se.current()
		if err != nil {
			return nil, err
		}
		if !w.filter(cur) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	}
	cur, err := se.current()
	if err != nil {
		return nil, err
	}
	if w.acceptAll {
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	}
	prev, err := se.previous()
	if err != nil {
		return nil, err
	}
	curPasses := w.filter(cur)
	oldPasses := prev != nil && w.filter(prev)
	switch {
	case curPasses && oldPasses:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	case curPasses:
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case oldPasses:
		return &watch.Event{Type: watch.Deleted, Object: prev}, nil
	}
	return nil, nil
}

func (w *watcher) filter(obj runtime.Object) bool {
	if w.acceptAll {
		return true
	}
	matched, err := w.pred.Matches(obj)
	return err == nil && matched
}

// bookmarkEvent returns a BOOKMARK carrying rv.
func (w *watcher) bookmarkEvent(rv int64, initialEventsEnd bool) (watch.Event, error) {
	obj := w.store.newFunc()
	if err := w.store.versioner.UpdateObject(obj, uint64(rv)); err != nil {
		return watch.Event{}, err
	}
	if initialEventsEnd {
		if err := storage.AnnotateInitialEventsEndBookmark(obj); err != nil {
			return watch.Event{}, err
		}
	}
	return watch.Event{Type: watch.Bookmark, Object: obj}, nil
}

// timedWatchEvent wraps an object with the time the storage decoded it, for
// watchers opened with ListOptions.RecordTimestamps (the watch cache).
type timedWatchEvent struct {
	runtime.Object
	recordTime time.Time
}

var _ storage.WatchEventWithRecordTime = &timedWatchEvent{}

// GetObjectMeta lets the wrapper be read as a metav1.Object.
func (t *timedWatchEvent) GetObjectMeta() metav1.Object {
	m, _ := meta.Accessor(t.Object)
	return m
}

// DeepCopyObject implements runtime.Object.
func (t *timedWatchEvent) DeepCopyObject() runtime.Object {
	return &timedWatchEvent{Object: t.Object.DeepCopyObject(), recordTime: t.recordTime}
}

// RecordTime implements storage.WatchEventWithRecordTime.
func (t *timedWatchEvent) RecordTime() time.Time { return t.recordTime }

// Unwrap implements storage.WatchEventWithRecordTime.
func (t *timedWatchEvent) Unwrap() runtime.Object { return t.Object }

// isCancel reports whether a watch ended because its context ended.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled)
}
