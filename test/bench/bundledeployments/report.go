package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the server's SQLite engine, to read the stopped server's file

	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

// storageStats is what the database file holds once the server stopped.
type storageStats struct {
	fileBytes  int64            // fleet.db after a TRUNCATE checkpoint (the WAL is then empty)
	freeBytes  int64            // pages on the freelist, part of fileBytes
	objects    map[string]int64 // bytes of each table and index (dbstat), by name
	tableOf    map[string]string
	pairsBytes int64 // the pairs table and its indexes
	storeBytes int64 // every table of the pair store (pair_*, pairs) and their indexes
}

// measureStorage measures the stopped server's database twice: as the run left it (its history
// since the last periodic compaction, up to two intervals of 5 minutes, included), and after
// compacting that history (sqlstore's own Compact, at the latest revision: what the server's
// compaction leaves once the run is older than two intervals) and a VACUUM.
func measureStorage(ctx context.Context, path string) (asLeft, compacted *storageStats, err error) {
	if asLeft, err = dbStats(ctx, path); err != nil {
		return nil, nil, err
	}
	db, err := sqlstore.Open(ctx, sqlstore.Config{Path: path, Extensions: []sqlstore.Extension{pairs.Extension()}})
	if err != nil {
		return nil, nil, err
	}
	rv, err := db.CurrentResourceVersion(ctx)
	if err == nil {
		err = db.Compact(ctx, int64(rv))
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("compact: %w", err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, nil, err
	}
	_, err = raw.ExecContext(ctx, `VACUUM`)
	if cerr := raw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("vacuum: %w", err)
	}
	compacted, err = dbStats(ctx, path)
	return asLeft, compacted, err
}

// dbStats checkpoints a database nobody else has open and measures it with the dbstat virtual
// table: the bytes of the pages (pgsize) of every table and index.
func dbStats(ctx context.Context, path string) (*storageStats, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	st := &storageStats{objects: map[string]int64{}, tableOf: map[string]string{}}
	var pageSize, free int64
	if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return nil, err
	}
	st.freeBytes = free * pageSize
	rows, err := db.QueryContext(ctx, `SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		st.tableOf[name] = table
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT name, SUM(pgsize) FROM dbstat GROUP BY name`)
	if err != nil {
		return nil, fmt.Errorf("dbstat: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var bytes int64
		if err := rows.Scan(&name, &bytes); err != nil {
			return nil, err
		}
		st.objects[name] = bytes
		table := st.tableOf[name]
		if table == "pairs" {
			st.pairsBytes += bytes
		}
		if table == "pairs" || strings.HasPrefix(table, "pair_") {
			st.storeBytes += bytes
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	st.fileBytes = fi.Size()
	return st, nil
}

// print lists the tables and indexes by size.
func (st *storageStats) print(what string, pairs int) {
	names := make([]string, 0, len(st.objects))
	for n := range st.objects {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return st.objects[names[i]] > st.objects[names[j]] })
	fmt.Printf("database file %s %s (%s free pages), by table and index (dbstat):\n", what, mib(st.fileBytes), mib(st.freeBytes))
	for _, n := range names {
		table := ""
		if t := st.tableOf[n]; t != n && t != "" {
			table = " (index of " + t + ")"
		}
		fmt.Printf("  %-36s %10d B  %7.1f B/pair%s\n", n, st.objects[n], float64(st.objects[n])/float64(pairs), table)
	}
}

// fetchProfile takes a CPU profile of seconds from the server's /debug/pprof/profile and writes
// it to file.
func fetchProfile(ctx context.Context, cs clientset.Interface, seconds int, file string) error {
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/debug/pprof/profile").
		Param("seconds", strconv.Itoa(seconds)).Timeout(time.Duration(seconds+60) * time.Second).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return os.WriteFile(file, body, 0o644)
}

// printProfileTop prints the profile's top functions by flat and by cumulative time (go tool pprof).
func printProfileTop(file string, n int) {
	for _, args := range [][]string{{"-top"}, {"-top", "-cum"}} {
		cmd := exec.Command("go", append([]string{"tool", "pprof", "-nodecount", strconv.Itoa(n)}, append(args, file)...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			fmt.Printf("go tool pprof %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		fmt.Printf("profile %s (%s):\n%s\n", filepath.Base(file), strings.Join(args, " "), out)
	}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
