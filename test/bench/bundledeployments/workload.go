package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

// workspace is the namespace of every Cluster and Bundle; selectorLabel is on every Cluster and
// in every Bundle's target.
const (
	workspace     = "fleet-bench"
	selectorLabel = "bench.fleet.cattle.io/target"
)

func clusterName(i int) string { return fmt.Sprintf("c-%05d", i) }
func bundleName(i int) string  { return fmt.Sprintf("b-%03d", i) }

// parallel runs do(i) for i in [0, n) on at most workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, do func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := do(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// createClusters creates the Clusters, each with the label every Bundle targets.
func createClusters(ctx context.Context, cs clientset.Interface, n, workers int) error {
	return parallel(ctx, n, workers, func(ctx context.Context, i int) error {
		c := &v1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: clusterName(i), Namespace: workspace,
			Labels: map[string]string{selectorLabel: "yes", "region": fmt.Sprintf("r%d", i%4)}}}
		_, err := cs.FleetV1alpha1().Clusters(workspace).Create(ctx, c, metav1.CreateOptions{})
		return err
	})
}

// createBundles creates the Bundles: two small ConfigMaps each, targeting every Cluster.
// maxNew, when positive, is the Bundles' rolloutStrategy.maxNew.
func createBundles(ctx context.Context, cs clientset.Interface, n, workers, maxNew int) error {
	return parallel(ctx, n, workers, func(ctx context.Context, i int) error {
		name := bundleName(i)
		b := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: workspace}, Spec: v1alpha1.BundleSpec{
			BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{DefaultNamespace: "bench"},
			Resources: []v1alpha1.BundleResource{
				{Name: "config-a.yaml", Content: configMap(name+"-a", "a")},
				{Name: "config-b.yaml", Content: configMap(name+"-b", "b")},
			},
			Targets: []v1alpha1.BundleTarget{{Name: "all", ClusterSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{selectorLabel: "yes"}}}},
		}}
		if maxNew > 0 {
			b.Spec.RolloutStrategy = &v1alpha1.RolloutStrategy{MaxNew: &maxNew}
		}
		_, err := cs.FleetV1alpha1().Bundles(workspace).Create(ctx, b, metav1.CreateOptions{})
		return err
	})
}

func configMap(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  key: %q\n", name, value)
}

// listAll lists every BundleDeployment of all namespaces in pages of pageSize and returns what
// the agents need of each, and the number of pages.
func listAll(ctx context.Context, cs clientset.Interface, pageSize int64) (map[pairKey]pairRef, int, error) {
	refs := map[pairKey]pairRef{}
	interned := map[string]string{}
	intern := func(s string) string {
		if v, ok := interned[s]; ok {
			return v
		}
		interned[s] = s
		return s
	}
	pages := 0
	opts := metav1.ListOptions{Limit: pageSize}
	for {
		list, err := cs.FleetV1alpha1().BundleDeployments("").List(ctx, opts)
		if err != nil {
			return refs, pages, err
		}
		for i := range list.Items {
			bd := &list.Items[i]
			refs[pairKey{intern(bd.Namespace), bd.Name}] = refOf(bd, intern(bd.Spec.DeploymentID))
		}
		pages++
		if list.Continue == "" {
			return refs, pages, nil
		}
		opts.Continue = list.Continue
	}
}

// agentStats is what the agents' status writes took.
type agentStats struct {
	first, last time.Time // the first write sent, the last write answered
	writes      int
	conflicts   int // writes retried after a Conflict (the BundleDeployment changed meanwhile)
}

// report writes, as every cluster's agent would, one status per BundleDeployment: the deployment
// applied, ready, not modified, with the conditions and resources an agent reports. writers
// bounds the writes in flight; they go cluster by cluster.
func report(ctx context.Context, cs clientset.Interface, refs map[pairKey]pairRef, writers int) (agentStats, error) {
	keys := make([]pairKey, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].namespace != keys[j].namespace {
			return keys[i].namespace < keys[j].namespace
		}
		return keys[i].name < keys[j].name
	})
	var conflicts, done atomic.Int64
	st := agentStats{first: time.Now(), writes: len(keys)}
	stopProgress := make(chan struct{})
	defer close(stopProgress)
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				n := done.Load()
				fmt.Fprintf(os.Stderr, "agents: %d/%d status writes after %s (%.0f/s)\n", n, len(keys),
					secs(time.Since(st.first)), float64(n)/time.Since(st.first).Seconds())
			}
		}
	}()
	err := parallel(ctx, len(keys), writers, func(ctx context.Context, i int) error {
		defer done.Add(1)
		k := keys[i]
		ref := refs[k]
		client := cs.FleetV1alpha1().BundleDeployments(k.namespace)
		for {
			bd := &v1alpha1.BundleDeployment{
				ObjectMeta: metav1.ObjectMeta{Name: k.name, Namespace: k.namespace, ResourceVersion: ref.resourceVersion,
					UID: ref.uid, Generation: ref.generation, CreationTimestamp: ref.created},
				Status: agentStatus(k, ref.deploymentID, time.Now()),
			}
			_, err := client.UpdateStatus(ctx, bd, metav1.UpdateOptions{})
			if !apierrors.IsConflict(err) {
				if err != nil {
					return fmt.Errorf("status of %s/%s: %w", k.namespace, k.name, err)
				}
				return nil
			}
			conflicts.Add(1)
			cur, err := client.Get(ctx, k.name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			ref = refOf(cur, cur.Spec.DeploymentID)
		}
	})
	st.last = time.Now()
	st.conflicts = int(conflicts.Load())
	return st, err
}

// agentStatus is the status a Fleet agent writes once a bundle's two ConfigMaps are applied
// and ready: its timestamps differ from cluster to cluster, the rest is the same for every
// cluster of the Bundle.
func agentStatus(k pairKey, deploymentID string, now time.Time) v1alpha1.BundleDeploymentStatus {
	ts := now.UTC().Format(time.RFC3339)
	created := metav1.NewTime(now.Truncate(time.Second))
	var conds []v1alpha1.GenericCondition
	for _, t := range []string{"Installed", "Deployed", "Ready", "Monitored"} {
		conds = append(conds, v1alpha1.GenericCondition{Type: t, Status: "True", LastUpdateTime: ts, LastTransitionTime: ts})
	}
	return v1alpha1.BundleDeploymentStatus{
		Conditions:          conds,
		AppliedDeploymentID: deploymentID,
		Release:             "bench/" + k.name + ":1",
		Ready:               true,
		NonModified:         true,
		Resources: []v1alpha1.BundleDeploymentResource{
			{Kind: "ConfigMap", APIVersion: "v1", Namespace: "bench", Name: k.name + "-a", CreatedAt: created},
			{Kind: "ConfigMap", APIVersion: "v1", Namespace: "bench", Name: k.name + "-b", CreatedAt: created},
		},
		ResourceCounts: v1alpha1.ResourceCounts{Ready: 2, DesiredReady: 2},
	}
}
