package integration

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	fleetv1 "github.com/fleetapi/fleet/pkg/generated/clientset/versioned/typed/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// agentWorkers is how many status writes the fake agents have in flight at once.
const agentWorkers = 16

// unthrottled returns the admin clientset without client-go's default rate limit (5 requests per
// second), as many agents together would write.
func unthrottled(t *testing.T, s *framework.Server) fleetv1.FleetV1alpha1Interface {
	t.Helper()
	cfg := s.RESTConfig()
	cfg.QPS, cfg.Burst = -1, 0
	cs, err := clientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs.FleetV1alpha1()
}

// parallel runs fn(0) … fn(n-1) on at most workers goroutines and returns the first error.
func parallel(n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// agentStatus is what an agent reports once it deployed a BundleDeployment: its deploymentID
// applied, ready, not modified.
func agentStatus(bd *v1alpha1.BundleDeployment) v1alpha1.BundleDeploymentStatus {
	return v1alpha1.BundleDeploymentStatus{AppliedDeploymentID: bd.Spec.DeploymentID, Ready: true, NonModified: true}
}

// needsReport tells whether an agent has something new to report for bd.
func needsReport(bd *v1alpha1.BundleDeployment) bool {
	return bd.Spec.DeploymentID != "" && (bd.Status.AppliedDeploymentID != bd.Spec.DeploymentID || !bd.Status.Ready || !bd.Status.NonModified)
}

// reportReady acts as the agents of the clusters of bds, through the real API
// (bundledeployments/status, a bounded pool of writers): each BundleDeployment that needs it gets
// agentStatus. A conflict (the server changed it since it was read) is retried on a fresh read. It
// returns the BundleDeployments as the server stored them, in the order of bds.
func reportReady(ctx context.Context, fleet fleetv1.FleetV1alpha1Interface, bds []v1alpha1.BundleDeployment) ([]v1alpha1.BundleDeployment, error) {
	out := make([]v1alpha1.BundleDeployment, len(bds))
	err := parallel(len(bds), agentWorkers, func(i int) error {
		bd := bds[i].DeepCopy()
		for attempt := 0; ; attempt++ {
			if !needsReport(bd) {
				out[i] = *bd
				return nil
			}
			bd.Status = agentStatus(bd)
			stored, err := fleet.BundleDeployments(bd.Namespace).UpdateStatus(ctx, bd, metav1.UpdateOptions{})
			if err == nil {
				out[i] = *stored
				return nil
			}
			if !apierrors.IsConflict(err) || attempt == 5 {
				return fmt.Errorf("status of %s/%s: %w", bd.Namespace, bd.Name, err)
			}
			if bd, err = fleet.BundleDeployments(bd.Namespace).Get(ctx, bd.Name, metav1.GetOptions{}); err != nil {
				return err
			}
		}
	})
	return out, err
}

// listBDs lists BundleDeployments of every cluster namespace with a label selector ("" for all),
// in pages, and returns them with the resourceVersion of the list.
func listBDs(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface, selector string) ([]v1alpha1.BundleDeployment, string) {
	t.Helper()
	var items []v1alpha1.BundleDeployment
	opts := metav1.ListOptions{LabelSelector: selector, Limit: 5000}
	rv := ""
	for {
		page, err := fleet.BundleDeployments("").List(ctx, opts)
		if err != nil {
			t.Fatalf("list bundledeployments -l %q: %v", selector, err)
		}
		if rv == "" {
			rv = page.ResourceVersion
		}
		items = append(items, page.Items...)
		if page.Continue == "" {
			return items, rv
		}
		opts.Continue = page.Continue
	}
}

// collect reads a watch's events until stop says the last one read completes what the test waits
// for, and fails the test after a minute or when the watch ends first.
func collect(t *testing.T, w watch.Interface, stop func(ev watch.Event) bool) []watch.Event {
	t.Helper()
	var evs []watch.Event
	timeout := time.After(time.Minute)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("the watch ended after %d events, before what the test waits for", len(evs))
			}
			if ev.Type == watch.Error {
				t.Fatalf("watch error: %#v", ev.Object)
			}
			evs = append(evs, ev)
			if stop(ev) {
				return evs
			}
		case <-timeout:
			t.Fatalf("what the test waits for did not arrive within a minute; %d events so far", len(evs))
		}
	}
}

// eventBD is the BundleDeployment of a watch event (the test fails on another kind).
func eventBD(t *testing.T, ev watch.Event) *v1alpha1.BundleDeployment {
	t.Helper()
	bd, ok := ev.Object.(*v1alpha1.BundleDeployment)
	if !ok {
		t.Fatalf("%s event of a %T, want a BundleDeployment", ev.Type, ev.Object)
	}
	return bd
}

// waitUntil polls check until it returns nil, and fails the test with its last error after a
// minute.
func waitUntil(t *testing.T, check func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within a minute: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
