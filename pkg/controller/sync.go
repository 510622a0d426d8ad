package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// syncPollInterval is how often Start looks at the informers while it waits for their caches.
const syncPollInterval = 100 * time.Millisecond

// staleErrorAge is how long an informer's list or watch error counts when it does not recur and the
// informer receives nothing new either. A reflector whose list keeps failing reports the error again
// after its backoff, at most 30 s doubled by jitter, and a list ends within the server's request
// timeout (60 s by default): an error not seen again for three minutes is one the informer got past,
// although nothing was written since (its resource version could not move).
const staleErrorAge = 3 * time.Minute

// watchedInformer is an informer a controller reads, with its last list or watch error.
type watchedInformer struct {
	informer cache.SharedIndexInformer
	failure  atomic.Pointer[listFailure]
}

// listFailure is an error of an informer's list or watch: at the informer's resource version rv,
// at time at.
type listFailure struct {
	err error
	rv  string
	at  time.Time
}

// addSynced makes Start wait for informer's cache, and records the errors of its list and watch
// (after the informer's own logging) so that Start and CacheErr can say why the cache does not
// sync or keep up.
func (c *Controller) addSynced(informer cache.SharedIndexInformer) error {
	w := &watchedInformer{informer: informer}
	err := informer.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		cache.DefaultWatchErrorHandler(ctx, r, err)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			return // a watch that ended: the reflector lists or watches again
		}
		if !strings.Contains(err.Error(), r.TypeDescription()) {
			err = fmt.Errorf("watching %s: %w", r.TypeDescription(), err)
		}
		w.failure.Store(&listFailure{err: err, rv: r.LastSyncResourceVersion(), at: c.clock.Now()})
	})
	if err != nil {
		return fmt.Errorf("controller %s: watch: %w", c.cfg.Name, err)
	}
	c.watched = append(c.watched, w)
	return nil
}

// CacheErr returns why one of the controller's caches may be stale, nil when none is: the last
// error of an informer's list or watch (a stored object that no longer decodes, a transformer that
// cannot read what it stored), until the informer has received data since — its resource version
// moved past the one it had when the error came — or the error has not recurred for staleErrorAge.
// After Start the informers keep their last good contents and the controller keeps reconciling from
// them, so this is what tells that the cache fell behind; the server's /readyz reports it.
func (c *Controller) CacheErr() error {
	for _, w := range c.watched {
		f := w.failure.Load()
		if f == nil {
			continue
		}
		if w.informer.LastSyncResourceVersion() != f.rv || c.clock.Since(f.at) >= staleErrorAge {
			w.failure.CompareAndSwap(f, nil)
			continue
		}
		return f.err
	}
	return nil
}

// waitForSync waits until every informer's cache is synced. It fails when ctx is done first or when
// an informer's list or watch fails before then: a cache that cannot be listed (a stored object that
// does not decode, say) would otherwise keep the controller waiting, and its caller in the dark.
func (c *Controller) waitForSync(ctx context.Context) error {
	klog.InfoS("Waiting for caches to sync", "controller", c.cfg.Name)
	err := wait.PollUntilContextCancel(ctx, syncPollInterval, true, func(context.Context) (bool, error) {
		if err := c.CacheErr(); err != nil {
			return false, err
		}
		for _, w := range c.watched {
			if !w.informer.HasSynced() {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("controller %s: caches did not sync: %w", c.cfg.Name, err)
	}
	klog.InfoS("Caches are synced", "controller", c.cfg.Name)
	return nil
}
