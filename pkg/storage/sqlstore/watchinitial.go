package sqlstore

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
)

// sendInitialState sends the current state as ADDED events and continues
// after its revision. The state is read at one revision R: the first page
// at the latest revision, every further page at R, each in a short read
// transaction (a transaction held while a client reads would pin a reader
// connection and the WAL for as long as it takes). Pages at R keep the
// selector push-down (pushdown.historyQuery) and are not counted. An
// initial state that takes longer to read than the compaction interval
// ends with 410 Gone (a known gap, docs/storage.md).
func (w *watcher) sendInitialState() error {
	s := w.store
	if w.startRV > 0 {
		current, err := s.db.CurrentResourceVersion(w.ctx)
		if err != nil {
			return err
		}
		if uint64(w.startRV) > current {
			return storage.NewTooLargeResourceVersionError(uint64(w.startRV), current, int(wait.Jitter(time.Second, 3).Seconds()))
		}
	}
	if s.newListFunc == nil {
		return errors.New("initial events require the store's NewListFunc")
	}
	pred := w.pred
	pred.Limit, pred.Continue = initialListPage, ""
	var rev int64
	continueKey := ""
	for {
		list := s.newListFunc()
		l, err := s.newListing(pred, list)
		if err != nil {
			return err
		}
		err = l.run(w.ctx, listRequest{keyPrefix: w.key, recursive: w.recursive, rev: rev, continueKey: continueKey})
		l.recordMetrics()
		if err == nil {
			err = l.finish()
		}
		if err != nil {
			return err
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return err
		}
		for _, obj := range items {
			if !w.send(watch.Event{Type: watch.Added, Object: obj}) {
				return w.ctx.Err()
			}
		}
		if rev == 0 {
			rev = l.rev
			w.lastRV = rev
		}
		if !l.hasMore {
			return nil
		}
		continueKey = l.lastKey + "\x00"
	}
}
