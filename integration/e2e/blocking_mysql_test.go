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

// Blocking snapshots on MariaDB (connectors/mysql/blocking.go): an
// execute-snapshot signal of type blocking, through the signal table and
// through REST, stops the stream, reads the table whole (filtered by
// additional-conditions) as op r with Debezium's snapshot markers, and the
// stream goes on; and exactly-once delivery across SIGKILLs in the middle
// of one while a writer changes the rows being read.

func TestMariaDBBlockingSnapshot(t *testing.T) {
	e := newIncEnv(t, "blksig", "(id INT PRIMARY KEY, v VARCHAR(20))", "", map[string]string{"snapshot.fetch.size": "2"})
	e.exec(fmt.Sprintf("INSERT INTO %s VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')", e.table))
	e.data.waitCount(t, 5, 30*time.Second) // streaming: the inserts

	// Through the signal table, in the transaction of a change, with an
	// additional condition.
	e.exec("BEGIN", fmt.Sprintf("UPDATE %s SET v = 'with' WHERE id = 3", e.table),
		fmt.Sprintf(`INSERT INTO %s.debezium_signal (id, type, data) VALUES ('blk-1', 'execute-snapshot',
			'{"data-collections":["%s"],"type":"blocking","additional-conditions":[{"data-collection":"%[2]s","filter":"id > 1"}]}')`, e.db, e.table),
		"COMMIT")
	e.data.waitCount(t, 10, 30*time.Second)
	e.exec(fmt.Sprintf("UPDATE %s SET v = 'after' WHERE id = 2", e.table))
	e.data.waitCount(t, 11, 30*time.Second)
	type want struct {
		op      byte
		id      int64
		v, snap string
	}
	check := func(what string, got []incRecord, ws []want) {
		t.Helper()
		if len(got) != len(ws) {
			t.Fatalf("%s: %d records, want %d: %+v", what, len(got), len(ws), got)
		}
		for i, w := range ws {
			g := got[i]
			if g.op != w.op || g.id != w.id || g.v != w.v || g.snapshot != w.snap {
				t.Errorf("%s record %d: %+v, want %+v", what, i, g, w)
			}
		}
	}
	recs := incRecords(t, e.data.snapshot())
	check("signal table", recs[5:], []want{
		{'u', 3, "with", "false"},
		{'r', 2, "b", "first"}, {'r', 3, "with", "true"}, {'r', 4, "d", "true"}, {'r', 5, "e", "last"},
		{'u', 2, "after", "false"},
	})

	// Through REST: the whole table, then a delete after it.
	e.rest("blk-2", "execute-snapshot", map[string]any{"data-collections": []string{e.table}, "type": "blocking"})
	e.data.waitCount(t, 16, 30*time.Second)
	e.exec(fmt.Sprintf("DELETE FROM %s WHERE id = 5", e.table))
	e.data.waitCount(t, 18, 30*time.Second) // the delete and its tombstone
	check("REST", incRecords(t, e.data.snapshot())[11:], []want{
		{'r', 1, "a", "first"}, {'r', 2, "after", "true"}, {'r', 3, "with", "true"}, {'r', 4, "d", "true"}, {'r', 5, "e", "last"},
		{'d', 5, "", "false"},
	})
	waitLogged(t, e.d, []string{"blocking snapshot done; streaming goes on"})
	e.d.term(t)
}

// TestMariaDBBlockingCrashExactlyOnce: a blocking snapshot of 150k rows
// runs while a writer updates, deletes and inserts keys of the table, and
// sluice is killed (SIGKILL) each time the snapshot has read another
// 5k-12k keys (8 times at most); a read_committed consumer then
// finds every change exactly once and in order per key, and every row read
// once, with the value it had after the changes emitted before its read
// (checkIncremental).
func TestMariaDBBlockingCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	e := newIncEnv(t, "blkcrash", "(id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))",
		"", map[string]string{"sluice.batch.max.events": "2000", "snapshot.fetch.size": "1000"})
	topic := e.prefix + "." + e.table
	const marker = crashNewIDBase - 1
	var reads atomic.Int64
	c := newConsumerWith(t, func(r record) {
		if id, ev, err := parseCrashRecord(r); err == nil && ev.op == 'r' && id <= crashPrepopulated {
			reads.Add(1)
		}
	}, topic)
	e.exec(fmt.Sprintf("INSERT INTO %s VALUES (%d, 0, 'marker')", e.table, marker))
	c.waitCount(t, 1, 30*time.Second)
	h := newHistory()
	h.seqs[marker] = 0
	e.exec(fmt.Sprintf("INSERT INTO %s SELECT seq, 0, REPEAT('x', 60) FROM seq_1_to_%d", e.table, crashPrepopulated))
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
	c.waitCount(t, crashPrepopulated+1, 120*time.Second)

	stop := make(chan struct{})
	var paused atomic.Bool
	wmy := myConn(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); mysqlWriter(t, wmy, e.table, h, stop, &paused) }()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	time.Sleep(500 * time.Millisecond)
	e.signal("blk-crash", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"],"type":"blocking"}`, e.table))

	done := func() bool { return strings.Contains(e.d.logs.String(), "blocking snapshot done") }
	during, moments := killDuringBlocking(t, func() *daemon { return e.d }, func() { e.d = startDaemon(t, e.d.DataDir) }, done)
	kills := during
	for deadline := time.Now().Add(4 * time.Minute); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not finish: %d of %d rows read after %d kills\n%s", reads.Load(), crashPrepopulated, kills, tail(e.d.logs.String(), 30))
		}
	}
	time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
	e.d.kill()
	kills++
	e.d = startDaemon(t, e.d.DataDir)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	e.d.waitTaskState(t, e.prefix, "RUNNING", 30*time.Second)

	var problems []string
	var stats map[string]int
	for end := time.Now().Add(2 * time.Minute); ; {
		recs := c.settle(2 * time.Second)
		problems, stats = checkIncremental(recs, h, crashPrepopulated)
		if len(problems) == 0 || time.Now().After(end) {
			break
		}
	}
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("MariaDB blocking crash test: %d SIGKILLs, %d during the snapshot (at keys %s); writer committed %d changes; %d records: %v",
		kills, during, strings.Join(moments, ", "), ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if during < 4 {
		t.Errorf("only %d kills fell during the snapshot", during)
	}
	e.d.term(t)
}
