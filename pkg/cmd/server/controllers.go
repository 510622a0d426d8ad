package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/bundles"
	"github.com/fleetapi/fleet/pkg/gitops"
	"github.com/fleetapi/fleet/pkg/helmops"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
)

// controllersCheckName names the /readyz check of the in-process controllers: /readyz and
// /readyz?verbose fail with it while one has not started, /readyz/fleet-controllers says why
// (the generic server withholds the reasons of the combined endpoint, which is public), and
// /readyz?exclude=fleet-controllers leaves it out (docs/local-cluster.md, "Readiness").
const controllersCheckName = "fleet-controllers"

// Retries of a controller that failed to start: the first after minRestartDelay, doubling up to
// maxRestartDelay.
const (
	minRestartDelay = time.Second
	maxRestartDelay = time.Minute
)

// controllersCheck is the readiness of the in-process controllers: each one's reason for not
// running, "" once it runs, and then whether its caches keep up.
type controllersCheck struct {
	mu      sync.Mutex
	names   []string
	reasons map[string]string
	running map[string]runningController
}

// runningController is a controller that started: CacheErr says why its caches may be stale
// (controller.Controller.CacheErr).
type runningController interface{ CacheErr() error }

func newControllersCheck(names ...string) *controllersCheck {
	c := &controllersCheck{names: names, reasons: map[string]string{}, running: map[string]runningController{}}
	for _, n := range names {
		c.reasons[n] = "starting"
	}
	return c
}

func (c *controllersCheck) Name() string { return controllersCheckName }

// Check fails while a controller does not run, or runs on a cache that its informer can no longer
// list or watch (it keeps reconciling from the last contents, which fall behind), naming each one and
// why.
func (c *controllersCheck) Check(*http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var msgs []string
	for _, n := range c.names {
		if r := c.reasons[n]; r != "" {
			msgs = append(msgs, fmt.Sprintf("controller %s: %s", n, r))
		} else if err := c.running[n].CacheErr(); err != nil {
			msgs = append(msgs, fmt.Sprintf("controller %s: runs on a stale cache: %v", n, err))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

func (c *controllersCheck) set(name, reason string, running runningController) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reasons[name], c.running[name] = reason, running
}

// keepStarting runs start in a goroutine until it succeeds or ctx is done: a failed attempt is
// reported (log and readiness) and, after a growing delay, tried again with a new context, so
// that what the attempt started (its informers) stops with it. Once started, the controller runs
// until ctx is done, and the check reports its caches.
func (c *controllersCheck) keepStarting(ctx context.Context, name string, start func(context.Context) (runningController, error)) {
	go func() {
		delay := minRestartDelay
		for {
			attempt, cancel := context.WithCancel(ctx)
			running, err := start(attempt)
			if err == nil {
				c.set(name, "", running)
				context.AfterFunc(ctx, cancel) // the controller runs until the server stops
				return
			}
			cancel()
			if ctx.Err() != nil {
				return // shutting down
			}
			klog.ErrorS(err, "A controller failed to start", "controller", name, "retryIn", delay)
			c.set(name, fmt.Sprintf("failed to start (next attempt in %s): %v", delay, err), nil)
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, maxRestartDelay)
		}
	}()
}

// addControllers makes the server start the GitRepo, HelmOp and Bundle controllers once it serves (a
// post-start hook, as they use its loopback client), and report them in /readyz until they run and
// while their caches fall behind.
func (o *Options) addControllers(s *genericapiserver.GenericAPIServer, core kubernetes.Interface, store *pairs.Store) error {
	check := newControllersCheck(gitops.ControllerName, helmops.ControllerName, bundles.ControllerName)
	if err := s.AddReadyzChecks(check); err != nil {
		return err
	}
	secrets := secretGetter(core)
	webhook := mountWebhook(s)
	return s.AddPostStartHook("fleet-controllers", func(hc genericapiserver.PostStartHookContext) error {
		check.keepStarting(hc, gitops.ControllerName, func(ctx context.Context) (runningController, error) {
			c, h, err := gitops.Start(ctx, s.LoopbackClientConfig, secrets, eventRecorder(ctx, core, gitops.ControllerName))
			if err != nil {
				return nil, err
			}
			webhook.serve(h)
			return c, nil
		})
		check.keepStarting(hc, helmops.ControllerName, func(ctx context.Context) (runningController, error) {
			return helmops.Start(ctx, s.LoopbackClientConfig, secrets, eventRecorder(ctx, core, helmops.ControllerName))
		})
		check.keepStarting(hc, bundles.ControllerName, func(ctx context.Context) (runningController, error) {
			return bundles.Start(ctx, s.LoopbackClientConfig, store, o.rolloutDefaults(), eventRecorder(ctx, core, bundles.ControllerName))
		})
		return nil
	})
}
