//go:build integration

package e2e

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPostgresIncrementalCrashExactlyOnce kills sluice with SIGKILL every
// ~2 s while an incremental snapshot of a 150k-row table runs and a writer
// inserts, updates and deletes its keys, restarts it each time, and checks
// what a read_committed consumer got with checkIncremental
// (incremental_mysql_test.go): every change exactly once and in order,
// every row read once, never older than a change emitted before its read.
func TestPostgresIncrementalCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("inccrash")
	slot := prefix
	table := prefix + ".items"
	dropSlot(t, slot)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	mustExec(t, pg, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, seq int NOT NULL, pad text)")
	mustExec(t, pg, "CREATE TABLE "+prefix+".debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")

	var reads atomic.Int64 // r records of prepopulated keys
	topic := prefix + "." + table
	deleteTopicsAfter(t, topic)
	c := newConsumerWith(t, func(r record) {
		if id, ev, err := parseCrashRecord(r); err == nil && ev.op == 'r' && id <= crashPrepopulated {
			reads.Add(1)
		}
	}, topic)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, slot, table)
	cfg["snapshot.mode"] = "no_data"
	cfg["signal.data.collection"] = prefix + ".debezium_signal"
	cfg["sluice.batch.max.events"] = "3000"
	cfg["status.update.interval.ms"] = "500"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, pgConn(t), slot)
	// The rows are inserted while the connector streams, so that every key
	// starts with its insert (checkIncremental).
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, repeat('x', 60) FROM generate_series(1, %d) g", table, crashPrepopulated))
	c.waitCount(t, crashPrepopulated, 2*time.Minute)

	h := newHistory()
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
	stop := make(chan struct{})
	var paused atomic.Bool
	wpg := pgConn(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); writer(t, wpg, table, h, stop, &paused) }()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	// The writer's changes start before the snapshot's first read.
	time.Sleep(500 * time.Millisecond)
	mustExec(t, pg, "INSERT INTO "+prefix+".debezium_signal (id, type, data) VALUES ('exec-1', 'execute-snapshot', $1)",
		fmt.Sprintf(`{"data-collections": ["%s"], "type": "incremental"}`, table))

	kills := 0
	deadline := time.Now().Add(4 * time.Minute)
	for reads.Load() < crashPrepopulated {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not finish: %d of %d rows read after %d kills\n%s", reads.Load(), crashPrepopulated, kills, tail(d.logs.String(), 30))
		}
		time.Sleep(time.Duration(1500+rand.IntN(1000)) * time.Millisecond)
		if reads.Load() >= crashPrepopulated {
			break
		}
		d.kill()
		kills++
		t.Logf("SIGKILL #%d at %d records (%d snapshot reads)", kills, c.count(), reads.Load())
		d = startDaemon(t, dataDir)
	}
	// Once more with the writer alone, then a clean stop.
	time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
	d.kill()
	kills++
	d = startDaemon(t, dataDir)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	var problems []string
	var stats map[string]int
	for end := time.Now().Add(2 * time.Minute); ; {
		recs := c.settle(2 * time.Second)
		problems, stats = checkIncremental(recs, h, crashPrepopulated)
		if len(problems) == 0 || time.Now().After(end) {
			break
		}
	}
	d.term(t)
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("incremental crash test: %d SIGKILLs; writer committed %d changes; %d records read: %v", kills, ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if kills < 4 {
		t.Errorf("only %d kills: the snapshot ended too soon to test restarts in it", kills)
	}
}
