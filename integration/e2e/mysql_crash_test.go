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

	"github.com/go-mysql-org/go-mysql/client"
)

// mysqlWriter is crash_test.go's writer for MariaDB: random inserts, updates
// and deletes in transactions of 10 statements until stop is closed,
// recording each committed change in h.
func mysqlWriter(t *testing.T, c *client.Conn, table string, h *history, stop <-chan struct{}, paused *atomic.Bool) {
	rng := rand.New(rand.NewPCG(3, 4))
	nextID := int64(crashNewIDBase)
	var live []int64 // keys the writer may update or delete
	for id := int64(1); id <= h.prepop; id += 97 {
		live = append(live, id)
	}
	type op struct {
		kind byte
		id   int64
		seq  int
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		if paused.Load() {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var ops []op
		h.mu.Lock()
		for i := 0; i < 10; i++ {
			switch r := rng.IntN(10); {
			case r < 4 || len(live) == 0: // insert
				nextID++
				ops = append(ops, op{'c', nextID, 0})
				live = append(live, nextID)
			case r < 9: // update
				id := live[rng.IntN(len(live))]
				seq := h.seqs[id] + 1
				for _, o := range ops {
					if o.id == id && o.kind != 'd' {
						seq = o.seq + 1
					}
				}
				ops = append(ops, op{'u', id, seq})
			default: // delete a key the writer inserted
				j := rng.IntN(len(live))
				id := live[j]
				if id <= h.prepop {
					continue
				}
				live = append(live[:j], live[j+1:]...)
				ops = append(ops, op{'d', id, 0})
			}
		}
		h.mu.Unlock()
		stmts := []string{"BEGIN"}
		for _, o := range ops {
			switch o.kind {
			case 'c':
				stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (id, seq, pad) VALUES (%d, 0, 'w')", table, o.id))
			case 'u':
				stmts = append(stmts, fmt.Sprintf("UPDATE %s SET seq = %d WHERE id = %d", table, o.seq, o.id))
			case 'd':
				stmts = append(stmts, fmt.Sprintf("DELETE FROM %s WHERE id = %d", table, o.id))
			}
		}
		stmts = append(stmts, "COMMIT")
		for _, s := range stmts {
			if _, err := c.Execute(s); err != nil {
				t.Errorf("writer: %s: %v", s, err)
				_, _ = c.Execute("ROLLBACK")
				return
			}
		}
		h.mu.Lock()
		for _, o := range ops {
			h.ops++
			switch o.kind {
			case 'c', 'u':
				h.seqs[o.id] = o.seq
			case 'd':
				h.deleted[o.id] = true
			}
		}
		h.mu.Unlock()
		time.Sleep(h.pace)
	}
}

// TestMySQLCrashExactlyOnce is TestPostgresCrashExactlyOnce against
// MariaDB: it kills sluice with SIGKILL during the snapshot (twice), during
// a 100k-row source transaction, and at random moments while a writer
// runs, stops it once with SIGTERM, and proves with a read_committed
// consumer that every change arrived exactly once and in order per key
// (checkExactlyOnceStrict: also the changes of rows inserted and deleted
// while the snapshot was interrupted).
func TestMySQLCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("mcrash")
	db := prefix
	table := db + ".items"
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "USE "+db,
		"CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))",
		fmt.Sprintf("INSERT INTO %s SELECT seq, 0, REPEAT('x', 60) FROM seq_1_to_%d", table, crashPrepopulated))

	var bigSeen, snapSeen atomic.Int64
	topic := prefix + "." + table
	c := newConsumerWith(t, func(r record) {
		if r.Topic != topic {
			return
		}
		id, ev, err := parseCrashRecord(r)
		if err != nil {
			return
		}
		if id >= crashBigTxFirstID {
			bigSeen.Add(1)
		}
		if ev.op == 'r' {
			snapSeen.Add(1)
		}
	}, topic)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := myConfig(t, prefix, db)
	cfg["snapshot.fetch.size"] = "4000"
	cfg["sluice.batch.max.events"] = "3000"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}

	h := newHistory()
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
	// The writer starts once the first snapshot row is read: the snapshot's
	// binlog coordinate is fixed by then. A row inserted and deleted before
	// it is in no capture (checkExactlyOnceStrict would call it lost).
	deadline := time.Now().Add(90 * time.Second)
	for snapSeen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop := make(chan struct{})
	var paused atomic.Bool
	wmy := myConn(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); mysqlWriter(t, wmy, table, h, stop, &paused) }()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	kills := 0
	var moments []string
	restart := func(how string) {
		if how == "SIGTERM" {
			d.term(t)
		} else {
			d.kill()
			kills++
		}
		m := fmt.Sprintf("%s #%d at %d records (snapshot reads %d, big-tx rows %d)", how, kills, c.count(), snapSeen.Load(), bigSeen.Load())
		moments = append(moments, m)
		t.Log(m)
		d = startDaemon(t, dataDir)
	}
	waitFor := func(what string, cond func() bool, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (records %d)\n%s", what, c.count(), tail(d.logs.String(), 30))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}

	// 1. During the snapshot: some but not all rows read.
	waitFor("snapshot progress", func() bool { return snapSeen.Load() >= 10_000 }, 90*time.Second)
	restart("SIGKILL")
	if n := snapSeen.Load(); n >= crashPrepopulated {
		t.Fatalf("snapshot finished (%d rows) before the kill could happen; make it larger", n)
	}
	// 2. Again during the (resumed) snapshot, if it is still running.
	time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
	restart("SIGKILL")
	waitFor("snapshot end", func() bool { return snapSeen.Load() >= crashPrepopulated }, 120*time.Second)

	// 3. During a 100k-row source transaction: part of it arrived.
	myExec(t, my, fmt.Sprintf("INSERT INTO %s SELECT seq, 0, 'big' FROM seq_%d_to_%d",
		table, crashBigTxFirstID, crashBigTxFirstID+crashBigTxRows-1))
	waitFor("part of the big transaction", func() bool { return bigSeen.Load() >= 5_000 }, 120*time.Second)
	restart("SIGKILL")
	if n := bigSeen.Load(); n >= crashBigTxRows {
		t.Fatalf("the big transaction was delivered (%d rows) before the kill could happen", n)
	}

	// 4-6. At random moments while the writer runs; one clean stop.
	for i := 0; i < 3; i++ {
		time.Sleep(time.Duration(500+rand.IntN(2000)) * time.Millisecond)
		restart("SIGKILL")
	}
	time.Sleep(time.Second)
	restart("SIGTERM")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	// Wait until the consumer has everything, then check.
	deadline = time.Now().Add(3 * time.Minute)
	var problems []string
	var stats map[string]int
	for {
		recs := c.settle(2 * time.Second)
		problems, stats = checkExactlyOnceStrict(recs, h)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
		t.Errorf("connector task %s at the end: %s", st, trace)
	}
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("MySQL crash test: %d SIGKILLs + 1 SIGTERM (%s); writer committed %d changes; %d records read: %v",
		kills, strings.Join(moments, "; "), ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if kills < 5 {
		t.Errorf("only %d kills", kills)
	}
}
