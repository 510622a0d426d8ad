package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// syncPollInterval is how often Start looks at the informers while it waits for their caches.
const syncPollInterval = 100 * time.Millisecond

// addSynced makes Start wait for informer's cache, and records the errors of its list and watch
// (after the informer's own logging) so that Start can say why the cache does not sync.
func (c *Controller) addSynced(informer cache.SharedIndexInformer) error {
	err := informer.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		cache.DefaultWatchErrorHandler(ctx, r, err)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			return // a watch that ended: the reflector lists or watches again
		}
		if !strings.Contains(err.Error(), r.TypeDescription()) {
			err = fmt.Errorf("watching %s: %w", r.TypeDescription(), err)
		}
		c.listErr.Store(&err)
	})
	if err != nil {
		return fmt.Errorf("controller %s: watch: %w", c.cfg.Name, err)
	}
	c.synced = append(c.synced, informer.HasSynced)
	return nil
}

// waitForSync waits until every informer's cache is synced. It fails when ctx is done first or when
// an informer's list or watch fails before then: a cache that cannot be listed (a stored object that
// does not decode, say) would otherwise keep the controller waiting, and its caller in the dark.
func (c *Controller) waitForSync(ctx context.Context) error {
	klog.InfoS("Waiting for caches to sync", "controller", c.cfg.Name)
	err := wait.PollUntilContextCancel(ctx, syncPollInterval, true, func(context.Context) (bool, error) {
		if e := c.listErr.Load(); e != nil {
			return false, *e
		}
		for _, synced := range c.synced {
			if !synced() {
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
