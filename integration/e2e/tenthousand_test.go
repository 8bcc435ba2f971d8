//go:build integration

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssKB returns the resident set size of process pid, in KiB.
func rssKB(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// metricValue returns the sum of the samples of metric whose labels
// include connector="name", from the daemon's /metrics.
func (d *daemon) metricValue(t *testing.T, metric, name string) float64 {
	t.Helper()
	code, body := d.do(t, "GET", "/metrics", nil)
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	re := regexp.MustCompile(`(?m)^` + metric + `\{[^}]*connector="` + regexp.QuoteMeta(name) + `"[^}]*\} ([0-9.e+]+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(string(body), -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	return sum
}

// TestScaleCapturedTables captures SLUICE_SCALE_TABLES tables (default
// 2,000; issue 19 measures 10,000) in one Postgres connector that takes no
// snapshot: discovery, the publication of every table (filtered mode),
// then one row changed in every table (one RELATION message each), so
// every table's schema is held. Every change must arrive (the records
// committed), and the test logs the time of each step and the daemon's
// memory per captured table; docs/scale.md holds the figures. A step
// quadratic in the number of tables shows here as a time that grows four
// times when the tables double.
func TestScaleCapturedTables(t *testing.T) {
	n := envInt(t, "SLUICE_SCALE_TABLES", 2000)
	db := pgConn(t)
	schemaName := uniq("wide")
	mustExec(t, db, "CREATE SCHEMA "+schemaName)
	t.Cleanup(func() { _, _ = db.Exec(context.Background(), "DROP SCHEMA "+schemaName+" CASCADE") })
	start := time.Now()
	for lo := 0; lo < n; lo += 500 {
		mustExec(t, db, fmt.Sprintf(`DO $$ BEGIN FOR i IN %d..%d LOOP
			EXECUTE format('CREATE TABLE %s.t%%s (id int PRIMARY KEY, v text)', i);
			END LOOP; END $$`, lo, min(lo+500, n)-1, schemaName))
	}
	t.Logf("%d tables created in %v", n, time.Since(start).Round(time.Millisecond))

	d := startDaemon(t, t.TempDir(), "SLUICE_LOG_LEVEL=info")
	pid := d.cmd.Process.Pid
	time.Sleep(time.Second)
	idle := rssKB(t, pid)
	slot := uniq("slot")
	dropSlot(t, slot)
	name := uniq("wide")
	topics := []string{name + "-signals"}
	for i := range n {
		topics = append(topics, fmt.Sprintf("%s.%s.t%d", name, schemaName, i))
	}
	deleteTopicsAfter(t, topics...)
	cfg := pgConfig(t, name, slot, schemaName+`\..*`)
	cfg["snapshot.mode"] = "no_data"
	start = time.Now()
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	for !strings.Contains(d.logs.String(), `msg="streaming started" connector=`+name) {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("the connector did not start streaming in 5 min\n%s", tail(d.logs.String(), 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
	startup := time.Since(start)
	started := rssKB(t, pid)

	// Round one creates each table's topic at its first change; round two
	// is sluice's own cost: a change in every table, whose topics exist.
	var took [2]time.Duration
	var rss [2]int64
	for round, stmt := range []string{"INSERT INTO %s.t%%s VALUES (1, ''x'')", "UPDATE %s.t%%s SET v = ''y''"} {
		start = time.Now()
		for lo := 0; lo < n; lo += 1000 {
			mustExec(t, db, fmt.Sprintf(`DO $$ BEGIN FOR i IN %d..%d LOOP
				EXECUTE format('`+stmt+`', i);
				END LOOP; END $$`, lo, min(lo+1000, n)-1, schemaName))
		}
		want := float64((round + 1) * n)
		for d.metricValue(t, "sluice_records_total", name) < want {
			if time.Since(start) > 5*time.Minute {
				t.Fatalf("round %d: %v records committed in 5 min, want %v", round+1, d.metricValue(t, "sluice_records_total", name), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
		took[round], rss[round] = time.Since(start), rssKB(t, pid)
		if got := d.metricValue(t, "sluice_records_total", name); got != want {
			t.Fatalf("round %d: %v records committed, want %v (one per table and round)", round+1, got, want)
		}
	}
	t.Logf("%d tables: start to streaming %v; a change in each table: %v with its topic's creation, %v after; RSS idle %d MiB, streaming %d MiB, after the changes %d MiB (%.1f KiB per table)",
		n, startup.Round(time.Millisecond), took[0].Round(time.Millisecond), took[1].Round(time.Millisecond), idle>>10, started>>10, rss[1]>>10, float64(rss[1]-idle)/float64(n))
}
