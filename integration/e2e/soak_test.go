//go:build integration

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSoak runs a steady write load for SOAK_DURATION (skipped when it is
// unset; make soak sets it to an hour) at SOAK_RATE rows a second (default
// 5000), half on Postgres and half on MariaDB, and records every
// SOAK_INTERVAL (default 1m) sluice's RSS, its CPU, each connector's
// milliseconds behind the source and how many changes the consumer still
// waits for. RSS and lag must stay flat: the last third's highest RSS at
// most 1.5 times the first third's (after a warm-up minute), and no lag
// sample above SOAK_MAX_LAG (default 10s). Every change must arrive (a
// count; per-key order is the crash tests' and the nemesis's job). The
// samples go to the log and to bin/soak-<time>.csv.
func TestSoak(t *testing.T) {
	durS := os.Getenv("SOAK_DURATION")
	if durS == "" {
		t.Skip("set SOAK_DURATION (make soak)")
	}
	dur, err := time.ParseDuration(durS)
	if err != nil {
		t.Fatalf("SOAK_DURATION=%q: %v", durS, err)
	}
	rate := 5000
	if v := os.Getenv("SOAK_RATE"); v != "" {
		if rate, err = strconv.Atoi(v); err != nil || rate < 100 {
			t.Fatalf("SOAK_RATE=%q: give rows a second, 100 or more", v)
		}
	}
	interval := envDuration(t, "SOAK_INTERVAL", time.Minute)
	maxLag := envDuration(t, "SOAK_MAX_LAG", 10*time.Second)

	prefix := uniq("soak")
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	pgTable := prefix + ".items"
	mustExec(t, pg, "CREATE TABLE "+pgTable+" (id bigint PRIMARY KEY, n int NOT NULL, pad text)")
	dropSlot(t, prefix)
	t.Cleanup(func() { dropSlot(t, prefix) })
	myDB := prefix
	myDatabase(t, myDB)
	my := myConn(t)
	myExec(t, my, "USE "+myDB, "CREATE TABLE items (id BIGINT PRIMARY KEY, n INT NOT NULL, pad VARCHAR(100))")

	pgTopic, myTopic := prefix+"_pg."+pgTable, prefix+"_my."+myDB+".items"
	deleteTopicsAfter(t, pgTopic, myTopic)
	var received atomic.Int64
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(pgTopic, myTopic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	cctx, cstop := context.WithCancel(context.Background())
	cdone := make(chan struct{})
	go func() {
		defer close(cdone)
		for cctx.Err() == nil {
			fs := cl.PollFetches(cctx)
			fs.EachRecord(func(r *kgo.Record) {
				if r.Value != nil { // tombstones are not changes
					received.Add(1)
				}
			})
		}
	}()
	t.Cleanup(func() { cstop(); <-cdone; cl.Close() })

	d := startDaemon(t, t.TempDir(), "SLUICE_LOG_LEVEL=info")
	pgCfg := pgConfig(t, prefix+"_pg", prefix, pgTable)
	myCfg := myConfig(t, prefix+"_my", myDB)
	for name, cfg := range map[string]map[string]string{prefix + "_pg": pgCfg, prefix + "_my": myCfg} {
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
			t.Fatalf("create %s: %d %s", name, code, body)
		}
		d.waitTaskState(t, name, "RUNNING", 60*time.Second)
	}

	// The writers: every 10 ms a transaction of rate/200 rows on each
	// database, three inserts to one update.
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	per := max(1, rate/200)
	write := func(name string, tx func(stmts []string) error) {
		defer wg.Done()
		next := int64(0)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			stmts := make([]string, 0, per)
			for i := 0; i < per; i++ {
				if i%4 == 3 && next > 0 {
					stmts = append(stmts, fmt.Sprintf("UPDATE %%s SET n = n + 1 WHERE id = %d", 1+(int64(i)*7919+next*31)%next))
					continue
				}
				next++
				stmts = append(stmts, fmt.Sprintf("INSERT INTO %%s (id, n, pad) VALUES (%d, 0, 'soak-row-padding-0123456789')", next))
			}
			if err := tx(stmts); err != nil {
				t.Errorf("%s writer: %v", name, err)
				return
			}
			written.Add(int64(len(stmts)))
		}
	}
	wpg := pgConn(t)
	wmy := myConn(t)
	myExec(t, wmy, "USE "+myDB)
	wg.Add(2)
	go write("postgres", func(stmts []string) error {
		ctx := context.Background()
		tx, err := wpg.Begin(ctx)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, fmt.Sprintf(s, pgTable)); err != nil {
				_ = tx.Rollback(ctx)
				return err
			}
		}
		return tx.Commit(ctx)
	})
	go write("mariadb", func(stmts []string) error {
		if err := wmy.Begin(); err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := wmy.Execute(fmt.Sprintf(s, "items")); err != nil {
				_ = wmy.Rollback()
				return err
			}
		}
		return wmy.Commit()
	})
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopWriters()

	// The samples.
	type sample struct {
		at              time.Duration
		rss             int64
		cpu             float64 // cores used over the interval
		lagPG, lagMy    float64 // ms behind the source
		written, behind int64
	}
	var samples []sample
	pid := d.cmd.Process.Pid
	start := time.Now()
	lastCPU, lastAt := procCPU(t, pid), start
	for time.Since(start) < dur {
		time.Sleep(interval)
		now := time.Now()
		cpu := procCPU(t, pid)
		rss, _ := procRSS(pid)
		lags := scrapeGauge(t, d.URL, "sluice_streaming_milliseconds_behind_source")
		s := sample{at: now.Sub(start).Round(time.Second), rss: rss, cpu: (cpu - lastCPU).Seconds() / now.Sub(lastAt).Seconds(),
			lagPG: lags[prefix+"_pg"], lagMy: lags[prefix+"_my"], written: written.Load()}
		s.behind = s.written - received.Load()
		lastCPU, lastAt = cpu, now
		samples = append(samples, s)
		t.Logf("soak %v: RSS %.1f MiB, CPU %.2f cores, behind the source PG %.0f ms, MariaDB %.0f ms; %d changes written, %d not yet read",
			s.at, float64(s.rss)/(1<<20), s.cpu, s.lagPG, s.lagMy, s.written, s.behind)
	}
	stopWriters()
	total := written.Load()
	deadline := time.Now().Add(5 * time.Minute)
	for received.Load() < total && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	if got := received.Load(); got != total {
		t.Errorf("%d changes written, %d read", total, got)
	}

	// The CSV, then the flatness checks.
	if err := os.MkdirAll(filepath.Join("..", "..", "bin"), 0o755); err == nil {
		path := filepath.Join("..", "..", "bin", "soak-"+start.UTC().Format("20060102T150405")+".csv")
		f, err := os.Create(path)
		if err == nil {
			w := bufio.NewWriter(f)
			fmt.Fprintln(w, "seconds,rss_bytes,cpu_cores,lag_pg_ms,lag_mariadb_ms,written,not_yet_read")
			for _, s := range samples {
				fmt.Fprintf(w, "%d,%d,%.3f,%.0f,%.0f,%d,%d\n", int(s.at.Seconds()), s.rss, s.cpu, s.lagPG, s.lagMy, s.written, s.behind)
			}
			w.Flush()
			f.Close()
			t.Logf("samples in %s", path)
		}
	}
	if len(samples) >= 6 {
		third := len(samples) / 3
		peak := func(ss []sample) int64 {
			var m int64
			for _, s := range ss {
				m = max(m, s.rss)
			}
			return m
		}
		first, last := peak(samples[1:third+1]), peak(samples[len(samples)-third:])
		t.Logf("RSS peak: first third %.1f MiB, last third %.1f MiB", float64(first)/(1<<20), float64(last)/(1<<20))
		if float64(last) > 1.5*float64(first) {
			t.Errorf("RSS grew: last third's peak %.1f MiB, first third's %.1f MiB", float64(last)/(1<<20), float64(first)/(1<<20))
		}
	}
	for _, s := range samples {
		if s.lagPG > float64(maxLag.Milliseconds()) || s.lagMy > float64(maxLag.Milliseconds()) {
			t.Errorf("at %v the lag was PG %.0f ms, MariaDB %.0f ms (limit %v)", s.at, s.lagPG, s.lagMy, maxLag)
		}
	}
}

// procCPU returns the CPU time (user and system) process pid has used.
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read /proc/%d/stat: %v", pid, err)
	}
	// The fields after the command name (which may hold spaces) start
	// after the last ')'; utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks
}

// scrapeGauge reads a gauge of sluice's /metrics by its connector label.
func scrapeGauge(t *testing.T, url, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		labels, val, ok := strings.Cut(line[len(name)+1:], "} ")
		if !ok {
			continue
		}
		for _, l := range strings.Split(labels, ",") {
			if k, v, ok := strings.Cut(l, "="); ok && k == "connector" {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err == nil {
					out[strings.Trim(v, `"`)] = f
				}
			}
		}
	}
	return out
}
