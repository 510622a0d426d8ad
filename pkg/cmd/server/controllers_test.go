package server

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// staleness is a started controller whose cache error the test sets: the seam between the check
// and controller.Controller.CacheErr (TestCacheErrAfterStart covers that side).
type staleness struct{ err atomic.Pointer[error] }

func (s *staleness) CacheErr() error {
	if e := s.err.Load(); e != nil {
		return *e
	}
	return nil
}

// TestControllersCheckReportsStaleCaches: /readyz's fleet-controllers check keeps watching a
// controller after it started: a cache that can no longer be listed makes it fail with the reason,
// and it passes again once the cache recovers.
func TestControllersCheckReportsStaleCaches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	check := newControllersCheck("gitrepo", "helmop")
	git, helm := &staleness{}, &staleness{}
	check.keepStarting(ctx, "gitrepo", func(context.Context) (runningController, error) { return git, nil })
	check.keepStarting(ctx, "helmop", func(context.Context) (runningController, error) { return helm, nil })
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return check.Check(nil) == nil, nil
	}); err != nil {
		t.Fatalf("the started controllers are not ready: %v", check.Check(nil))
	}

	broken := errors.New("failed to list *v1alpha1.GitRepo: stored object does not decode")
	git.err.Store(&broken)
	err := check.Check(nil)
	if err == nil || !strings.Contains(err.Error(), "controller gitrepo: runs on a stale cache: "+broken.Error()) || strings.Contains(err.Error(), "helmop") {
		t.Fatalf("Check = %v; want gitrepo's stale cache and its reason, only", err)
	}
	git.err.Store(nil)
	if err := check.Check(nil); err != nil {
		t.Fatalf("Check after the cache recovered = %v", err)
	}
}
