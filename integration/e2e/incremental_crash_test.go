//go:build integration

package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// readOrChanged checks that each of the keys 1..prepop has a snapshot read,
// or, when it has none, a change streamed while its chunk was being read:
// after from (the index of the first record that may follow the snapshot's
// signal; -1: the snapshot's first read) and before the read of the next
// key read. That is how a Visibility watermark (Postgres) drops a row a
// transaction the view did not see changed: the change stands for it. A
// chunk's changes come before its reads (they are streamed while it waits
// for the stream to pass its watermark), so a key of the first chunk may
// have its change before the snapshot's first read.
func readOrChanged(recs []record, prepop int64, from int) (problems []string) {
	readAt := map[int64]int{}    // key -> index of its read
	changes := map[int64][]int{} // key -> indexes of its changes
	first := -1
	for i, r := range recs {
		id, ev, err := parseCrashRecord(r)
		if err != nil || id > prepop {
			continue
		}
		switch ev.op {
		case 'r':
			readAt[id] = i
			if first < 0 {
				first = i
			}
		case 'u', 'd':
			changes[id] = append(changes[id], i)
		}
	}
	if from < 0 {
		from = first
	}
	for id := int64(1); id <= prepop; id++ {
		if _, ok := readAt[id]; ok {
			continue
		}
		next := len(recs)
		for k := id + 1; k <= prepop; k++ {
			if at, ok := readAt[k]; ok {
				next = at
				break
			}
		}
		ok := false
		for _, at := range changes[id] {
			ok = ok || at > from && at < next
		}
		if !ok && len(problems) < 20 {
			problems = append(problems, fmt.Sprintf("key %d: no read, and no change while its chunk was read (changes at %v, reads from %d, next read at %d)", id, changes[id], first, next))
		}
	}
	return problems
}

// TestPostgresIncrementalCrashExactlyOnce kills sluice with SIGKILL every
// tenth of the table while an incremental snapshot of a 150k-row table runs and a writer
// inserts, updates and deletes its keys, restarts it each time, and checks
// what a read_committed consumer got with checkIncremental
// (incremental_mysql_test.go): every change exactly once and in order, a
// row read at most once, never older than a change emitted before its
// read; and with readOrChanged: every row read, or changed while its chunk
// was read.
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

	var reads atomic.Int64 // r records of prepopulated keys the consumer has
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
	signalled := c.count() // records from here on may follow the signal
	mustExec(t, pg, "INSERT INTO "+prefix+".debezium_signal (id, type, data) VALUES ('exec-1', 'execute-snapshot', $1)",
		fmt.Sprintf(`{"data-collections": ["%s"], "type": "incremental"}`, table))

	// Eight kills while the snapshot runs, each when the snapshot reads the
	// daemons have committed (their own count, in /metrics: a consumer,
	// slower under -race, lagged the daemon by most of the table) have
	// passed the next tenth of the table (with jitter) and the restarted
	// daemon has committed reads itself: a time schedule let a fast machine
	// finish the table between two kills.
	done := func() bool { return strings.Contains(d.logs.String(), "incremental snapshot of table done") }
	var earlier int64 // reads committed by the daemons killed so far
	ownReads := func() int64 { return max(int64(d.series(t, "sluice_streaming_events_total", prefix, `,op="r"`)), 0) }
	kills, during := 0, 0
	deadline := time.Now().Add(6 * time.Minute)
	for k := int64(1); k <= 8 && !done(); k++ {
		at := k*crashPrepopulated/10 + rand.Int64N(crashPrepopulated/40)
		for n := ownReads(); !done() && (earlier+n < at || n == 0); n = ownReads() {
			if time.Now().After(deadline) {
				t.Fatalf("the snapshot stalled: %d of %d rows read after %d kills\n%s", earlier+n, crashPrepopulated, kills, tail(d.logs.String(), 30))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if done() {
			break
		}
		earlier += ownReads()
		d.kill()
		kills++
		during++
		t.Logf("SIGKILL #%d at %d committed snapshot reads (%d records and %d reads consumed)", kills, earlier, c.count(), reads.Load())
		d = startDaemon(t, dataDir)
	}
	for deadline := time.Now().Add(4 * time.Minute); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not finish: %d of %d rows read after %d kills\n%s", reads.Load(), crashPrepopulated, kills, tail(d.logs.String(), 30))
		}
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
		problems, stats = checkIncremental(recs, h, 0)
		problems = append(problems, readOrChanged(recs, crashPrepopulated, signalled)...)
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
	if during < 4 {
		t.Errorf("only %d kills fell during the snapshot: it ended too soon to test restarts in it", during)
	}
}

// TestReadOrChangedCatchesFaults: a row without a read passes only with a
// change between the first read and the next key's read.
func TestReadOrChangedCatchesFaults(t *testing.T) {
	mk := func(id int64, op string) record {
		return record{Key: []byte(fmt.Sprintf(`{"id":%d}`, id)), Value: []byte(fmt.Sprintf(`{"after":{"id":%d,"seq":1},"op":"%s"}`, id, op))}
	}
	for _, c := range []struct {
		name string
		recs []record
		ok   bool
	}{
		{"all read", []record{mk(1, "r"), mk(2, "r"), mk(3, "r")}, true},
		{"changed while read", []record{mk(1, "r"), mk(2, "u"), mk(3, "r")}, true},
		{"lost", []record{mk(1, "r"), mk(3, "r")}, false},
		{"changed before the snapshot only", []record{mk(2, "u"), mk(1, "r"), mk(3, "r")}, false},
		{"changed after the next read only", []record{mk(1, "r"), mk(3, "r"), mk(2, "u")}, false},
	} {
		if p := readOrChanged(c.recs, 3, -1); (len(p) == 0) != c.ok {
			t.Errorf("%s: problems %v, want ok %v", c.name, p, c.ok)
		}
	}
}
