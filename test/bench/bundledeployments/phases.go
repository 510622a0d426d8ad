package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/test/framework"
)

// measure runs the phases against a started server and returns what they took.
func measure(ctx context.Context, o options, srv *server) (*result, error) {
	ctx, cancel := context.WithCancel(ctx) // the watches and the sampler end with the measurement
	defer cancel()
	cs, err := clientset.NewForConfig(srv.cfg)
	if err != nil {
		return nil, err
	}
	fleet := cs.FleetV1alpha1()
	res := &result{pairs: o.bundles * o.clusters}
	t := newTracker(o.bundles, o.clusters)
	samples := sampleProc(ctx, srv.pid())
	proc := func() framework.ProcStat { s, _ := framework.ReadProc(srv.pid()); return s }
	progress := func(what string) func(snapshot) {
		return func(s snapshot) {
			p := proc()
			fmt.Fprintf(os.Stderr, "%s: %d/%d BundleDeployments seen, %d/%d Bundles and %d/%d Clusters ready; server CPU %s, RSS %s\n",
				what, s.pairs, res.pairs, s.bundlesReady, o.bundles, s.clustersReady, o.clusters, secs(p.CPU), mib(p.RSS))
		}
	}

	// The watches, from the (empty) start.
	bundles, err := fleet.Bundles(workspace).List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	if err := watchFrom(ctx, bundles.ResourceVersion, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		return fleet.Bundles(workspace).Watch(ctx, opts)
	}, t.bundle); err != nil {
		return nil, err
	}
	if err := watchFrom(ctx, bundles.ResourceVersion, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		return fleet.Clusters(workspace).Watch(ctx, opts)
	}, t.cluster); err != nil {
		return nil, err
	}
	// BundleDeployments of all namespaces, metadata only, until all are served.
	bds, err := fleet.BundleDeployments("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(srv.cfg)
	if err != nil {
		return nil, err
	}
	bdCtx, stopBDWatch := context.WithCancel(ctx)
	defer stopBDWatch()
	if err := watchFrom(bdCtx, bds.ResourceVersion, func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		return meta.Resource(v1alpha1.SchemeGroupVersion.WithResource("bundledeployments")).Watch(ctx, opts)
	}, t.bundleDeployment); err != nil {
		return nil, err
	}

	// Clusters, then quiet.
	start := time.Now()
	if err := createClusters(ctx, cs, o.clusters, o.writers); err != nil {
		return nil, err
	}
	res.clustersCreated = time.Since(start)
	if _, err := t.waitFor(ctx, func(s snapshot) bool { return time.Since(s.lastChange) >= o.quiet }, srv.exited, nil); err != nil {
		return nil, err
	}

	// Bundles, until every BundleDeployment is on the watch.
	prof := &profiler{o: o, cs: cs}
	startProfile := func(phase string) { prof.start(ctx, phase) }
	before := proc()
	start = time.Now()
	startProfile("serve")
	if err := createBundles(ctx, cs, o.bundles, o.writers, o.maxNew); err != nil {
		return nil, err
	}
	// Served: every BundleDeployment on the watch; if the server ended the watch (410 Gone), every
	// Bundle's summary counting one on every cluster (the counters commit with the pairs), which
	// the paged list below then checks.
	s, err := t.waitFor(ctx, func(s snapshot) bool { return !s.served.IsZero() || (s.watchLost && !s.bundlesServed.IsZero()) },
		srv.exited, progress("serving"))
	if err != nil {
		return nil, fmt.Errorf("waiting for %d BundleDeployments (%d seen after %s): %w", res.pairs, s.pairs, secs(time.Since(start)), err)
	}
	if s.served.IsZero() {
		res.served, res.servedBy = s.bundlesServed.Sub(start), "Bundle summaries (the BundleDeployment watch was ended with 410 Gone)"
	} else {
		res.served, res.servedBy = s.served.Sub(start), "the watch"
	}
	served := proc()
	res.serveCPU = served.CPU - before.CPU
	stopBDWatch() // the agents' writes are followed through the Bundles and Clusters
	listStart := time.Now()
	refs, pages, err := listAll(ctx, cs, o.pageSize)
	if err != nil {
		return nil, err
	}
	res.listed, res.pages = time.Since(listStart), pages
	if len(refs) != res.pairs {
		return nil, fmt.Errorf("the paged list has %d BundleDeployments, want %d", len(refs), res.pairs)
	}

	// The agents, until every Bundle and Cluster is Ready and nothing changes any more.
	before = proc()
	startProfile("agents")
	res.agents, err = report(ctx, cs, refs, o.writers)
	if err != nil {
		return nil, err
	}
	s, err = t.waitFor(ctx, func(s snapshot) bool {
		return !s.bundlesReadyAt.IsZero() && !s.clustersReadyAt.IsZero() &&
			time.Since(s.lastChange) >= o.quiet && time.Since(res.agents.last) >= o.quiet
	}, srv.exited, progress("agents"))
	if err != nil {
		return nil, fmt.Errorf("waiting for every Bundle and Cluster to be Ready and the server idle: %w", err)
	}
	idle := proc()
	res.bundlesReady = s.bundlesReadyAt.Sub(res.agents.first)
	res.clustersRdy = s.clustersReadyAt.Sub(res.agents.first)
	if s.lastChange.After(res.agents.last) {
		res.idleAfter = s.lastChange.Sub(res.agents.last)
	}
	res.agentCPU = idle.CPU - before.CPU
	res.quietCPU = idle.CPU - samples.cpuAt(time.Now().Add(-o.quiet))

	if err := prof.wait(); err != nil {
		return nil, err
	}
	final := proc()
	res.allCPU, res.peakRSS = final.CPU, final.Peak
	res.driverCPU = driverCPU()
	return res, nil
}

// procSamples are the server's CPU times, sampled every 100 ms.
type procSamples struct {
	mu    sync.Mutex
	times []time.Time
	cpu   []time.Duration
}

func sampleProc(ctx context.Context, pid int) *procSamples {
	s := &procSamples{}
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if p, err := framework.ReadProc(pid); err == nil {
				s.mu.Lock()
				s.times, s.cpu = append(s.times, time.Now()), append(s.cpu, p.CPU)
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// cpuAt is the CPU time of the last sample at or before at.
func (s *procSamples) cpuAt(at time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cpu time.Duration
	for i, t := range s.times {
		if t.After(at) {
			break
		}
		cpu = s.cpu[i]
	}
	return cpu
}

// profiler takes the CPU profiles -profile asks for, one at a time (the server takes one at a
// time): with -profile-phase both, the agents' profile starts when the serving one ends.
type profiler struct {
	o       options
	cs      clientset.Interface
	running sync.Mutex
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
	files   []string
}

func (p *profiler) start(ctx context.Context, phase string) {
	if p.o.profile == "" || (p.o.profilePhase != phase && p.o.profilePhase != "both") {
		return
	}
	file := p.o.profile
	if p.o.profilePhase == "both" {
		ext := filepath.Ext(file)
		file = strings.TrimSuffix(file, ext) + "-" + phase + ext
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.running.Lock()
		defer p.running.Unlock()
		err := fetchProfile(ctx, p.cs, p.o.profileSeconds, file)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil && p.err == nil {
			p.err = err
		}
		p.files = append(p.files, file)
	}()
}

// wait waits for the profiles and prints their top functions.
func (p *profiler) wait() error {
	p.wg.Wait()
	if p.err != nil {
		return p.err
	}
	for _, f := range p.files {
		printProfileTop(f, 25)
	}
	return nil
}
