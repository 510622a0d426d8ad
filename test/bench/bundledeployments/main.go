// Command bundledeployments is the workload driver of issue 11's benchmark: B Bundles × C
// Clusters served as BundleDeployments by a real fleet-apiserver, every pair then reported
// Ready by a simulated agent, timed and measured.
//
// Run it from the repository root (it builds cmd/fleet-apiserver unless given -server-binary):
//
//	CGO_ENABLED=0 go run ./test/bench/bundledeployments -bundles 50 -clusters 500
//	CGO_ENABLED=0 go run ./test/bench/bundledeployments -bundles 50 -clusters 200 -writers 16 -profile /tmp/serve.pprof
//
// What it does, in order:
//
//  1. starts `fleet-apiserver --standalone` on 127.0.0.1 (a free port) with a fresh temporary
//     data directory, waits for /readyz, and watches Bundles, Clusters and BundleDeployments
//     (all namespaces);
//  2. creates C Clusters in the workspace namespace fleet-bench (labelled
//     bench.fleet.cattle.io/target=yes), then waits until no Cluster changed for 1 s;
//  3. creates B Bundles, each with two small ConfigMaps and one target selecting that label, and
//     times until the watch (metadata only) has delivered all B×C BundleDeployments ("served");
//     should the server end that watch with 410 Gone, until every Bundle's summary counts a
//     BundleDeployment on every cluster (desiredReady − pending; the counters are committed with
//     the pairs). Then it stops that watch, pages through `bundledeployments -A` (500 a page),
//     and checks the count;
//  4. acts as every cluster's agent: one `bundledeployments/status` update per pair (applied =
//     spec.deploymentID, ready, not modified, with the conditions and resources an agent
//     reports), -writers at a time, cluster by cluster;
//  5. times until every Bundle is Ready (summary.ready == desiredReady == C and the Ready
//     condition True) and every Cluster counts B ready Bundles, then until the server is idle:
//     no Bundle or Cluster watch event for 1 s. "Idle after the last write" is the time from the
//     last status write's answer to the last Bundle or Cluster event before that quiet second;
//  6. reads the server's peak RSS (VmHWM) and CPU time (utime+stime) from /proc, stops it, and
//     measures the database: file size after a TRUNCATE checkpoint, and the bytes of every table
//     and index from SQLite's dbstat virtual table; once as the run left it (with the history of
//     every Bundle and Cluster status write since the server's last periodic compaction), once
//     after compacting that history (sqlstore's Compact at the latest revision, as the server does
//     every 5 minutes) and a VACUUM.
//
// With -profile FILE it takes a CPU profile of -profile-seconds from the server's
// /debug/pprof/profile, starting when -profile-phase (serve, agents, or both one after the other)
// starts, and prints the top functions. -max-new N sets the Bundles' rolloutStrategy.maxNew
// (without it the rollout creates 50 BundleDeployments per Bundle per reconcile, 2 s apart).
// Progress goes to stderr every 10 s. The last line printed is a row of the markdown table in
// docs/benchmarks.md (-header prints the header first). The server's log is in the data directory
// (-keep keeps it).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/fleetapi/fleet/test/framework"
)

type options struct {
	bundles, clusters, writers int
	maxNew                     int
	pageSize                   int64
	profile, profilePhase      string
	profileSeconds             int
	serverBinary               string
	quiet, timeout             time.Duration
	keep, header               bool
	driverProfile              string
}

func main() {
	var o options
	flag.IntVar(&o.bundles, "bundles", 50, "Bundles to create")
	flag.IntVar(&o.clusters, "clusters", 50, "Clusters to create")
	flag.IntVar(&o.writers, "writers", 16, "concurrent writers (cluster creates, bundle creates, agent status writes)")
	flag.IntVar(&o.maxNew, "max-new", 0, "the Bundles' rolloutStrategy.maxNew (0: unset, the server's default of 50 per reconcile)")
	flag.Int64Var(&o.pageSize, "page-size", 500, "page size of the list that counts every BundleDeployment")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of the server to this file")
	flag.StringVar(&o.profilePhase, "profile-phase", "serve", "when the profile starts: serve (Bundles created), agents (first status write), "+
		"or both (FILE-serve and FILE-agents, the second once the first is done)")
	flag.IntVar(&o.profileSeconds, "profile-seconds", 30, "length of the CPU profile")
	flag.StringVar(&o.serverBinary, "server-binary", "", "fleet-apiserver binary (default: go build ./cmd/fleet-apiserver)")
	flag.DurationVar(&o.quiet, "quiet", time.Second, "how long no Bundle or Cluster may change for the server to count as idle")
	flag.DurationVar(&o.timeout, "timeout", 45*time.Minute, "give up after this long")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory (database and server log)")
	flag.BoolVar(&o.header, "header", false, "print the header of the result table before the row")
	flag.StringVar(&o.driverProfile, "driver-profile", "", "write a CPU profile of this driver (the client side) to this file")
	flag.Parse()
	if o.profilePhase != "serve" && o.profilePhase != "agents" && o.profilePhase != "both" {
		fmt.Fprintln(os.Stderr, "-profile-phase: want serve, agents or both")
		os.Exit(2)
	}
	if o.driverProfile != "" {
		f, err := os.Create(o.driverProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(o); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM) // the server is stopped on ^C too
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	bin := o.serverBinary
	if bin == "" {
		var err error
		if bin, err = framework.Binary("fleet-apiserver"); err != nil {
			return err
		}
		defer framework.CleanupBinaries()
	}
	dir, err := os.MkdirTemp("", "fleet-bench-bd-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("data directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	srv, err := startServer(ctx, bin, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	res, err := measure(ctx, o, srv)
	if err != nil {
		return err
	}
	srv.stop()
	res.storage, res.compacted, err = measureStorage(context.Background(), filepath.Join(dir, "fleet.db"))
	if err != nil {
		return err
	}
	res.print(o)
	return nil
}

// result is what one run measured.
type result struct {
	pairs                      int
	clustersCreated            time.Duration
	served                     time.Duration // first Bundle create → last BundleDeployment on the watch
	servedBy                   string        // what said so
	listed                     time.Duration // the paged list of every BundleDeployment
	pages                      int
	agents                     agentStats
	bundlesReady, clustersRdy  time.Duration // first status write → every Bundle / Cluster Ready
	idleAfter                  time.Duration // last status write answered → last Bundle/Cluster event
	quietCPU                   time.Duration // server CPU over the quiet window
	serveCPU, agentCPU, allCPU time.Duration
	peakRSS                    int64
	driverCPU                  time.Duration
	storage, compacted         *storageStats
}

func (r *result) print(o options) {
	p := float64(r.pairs)
	fmt.Printf("clusters created in %s; BundleDeployments served %s after the first Bundle create (by %s); paged list of all: %s (%d pages)\n",
		secs(r.clustersCreated), secs(r.served), r.servedBy, secs(r.listed), r.pages)
	fmt.Printf("agents: %d writes in %s (%.0f/s, %d conflicts retried); every Bundle Ready %s after the first write, every Cluster %s; "+
		"idle %s after the last write (server CPU in the quiet %s: %s)\n",
		r.agents.writes, secs(r.agents.last.Sub(r.agents.first)), p/r.agents.last.Sub(r.agents.first).Seconds(), r.agents.conflicts,
		secs(r.bundlesReady), secs(r.clustersRdy), secs(r.idleAfter), o.quiet, secs(r.quietCPU))
	fmt.Printf("server: peak RSS %s, CPU %s serving, %s for the agents, %s in all; driver CPU %s\n",
		mib(r.peakRSS), secs(r.serveCPU), secs(r.agentCPU), secs(r.allCPU), secs(r.driverCPU))
	r.storage.print("as the run left it", r.pairs)
	r.compacted.print("with its history compacted", r.pairs)
	if o.header {
		fmt.Println("| Bundles × clusters | Pairs | All BDs served (from Bundle creation) | Paged list of all BDs | " +
			"All Bundles Ready (from the first agent write) | Agent writes | Idle after the last write | Server peak RSS | " +
			"Server CPU: serve / agents / all | Server CPU per status write | Stored per pair: file as left / file compacted / pair store / pairs table |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	}
	agentSpan := r.agents.last.Sub(r.agents.first)
	size := fmt.Sprintf("%d × %d", o.bundles, o.clusters)
	if o.maxNew > 0 {
		size += fmt.Sprintf(", maxNew %d", o.maxNew)
	}
	fmt.Printf("| %s | %d | %s | %s | %s | %s (%.0f/s, %d writers) | %s | %s | %s / %s / %s | %.2f ms | %.0f / %.0f / %.0f / %.0f B |\n",
		size, r.pairs, secs(r.served), secs(r.listed), secs(r.bundlesReady),
		secs(agentSpan), p/agentSpan.Seconds(), o.writers, secs(r.idleAfter), mib(r.peakRSS),
		secs(r.serveCPU), secs(r.agentCPU), secs(r.allCPU), float64(r.agentCPU.Microseconds())/1000/p,
		float64(r.storage.fileBytes)/p, float64(r.compacted.fileBytes)/p, float64(r.compacted.storeBytes)/p, float64(r.compacted.pairsBytes)/p)
}

func driverCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
