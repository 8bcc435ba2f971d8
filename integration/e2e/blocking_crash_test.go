//go:build integration

package e2e

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// blockReadOrChanged checks that each of the keys 1..prepop has a snapshot
// read, or, when it has none, a change before the read of the next key
// read. That is how a Visibility watermark (Postgres) leaves out a row that
// a transaction the view did not see changed: that change was streamed
// just before the rows read through the view (before the reads of smaller
// keys of the same view, so no lower bound holds), and stands for the row;
// checkIncremental checks that the values agree.
func blockReadOrChanged(recs []record, prepop int64) (problems []string) {
	readAt := map[int64]int{}
	changes := map[int64][]int{}
	for i, r := range recs {
		id, ev, err := parseCrashRecord(r)
		if err != nil || id > prepop {
			continue
		}
		switch ev.op {
		case 'r':
			readAt[id] = i
		case 'u', 'd':
			changes[id] = append(changes[id], i)
		}
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
			ok = ok || at < next
		}
		if !ok && len(problems) < 20 {
			problems = append(problems, fmt.Sprintf("key %d: no read, and no change before the next read (changes at %v, next read at %d)", id, changes[id], next))
		}
	}
	return problems
}

// chunkKey matches the engine's Debug line of each chunk it read.
var chunkKey = regexp.MustCompile(`msg="blocking snapshot chunk read".* after_key=\[(\d+)\]`)

// blockingKey returns the last key of the last chunk the daemon's blocking
// snapshot has read (its Debug log), or -1 before the first: the progress
// the crash tests kill on. The consumer's count lags far behind a fast
// producer (under -race), and the checkpoint's key (GET .../offsets) takes
// long to read, so kills on either fell after the snapshot's end.
func blockingKey(d *daemon) int64 {
	logs := d.logs.String()
	if len(logs) > 1<<16 {
		logs = logs[len(logs)-1<<16:] // the last chunks' lines are enough
	}
	m := chunkKey.FindAllStringSubmatch(logs, -1)
	if len(m) == 0 {
		return -1
	}
	n, err := strconv.ParseInt(m[len(m)-1][1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// killDuringBlocking kills the daemon (restarting it each time) whenever
// the blocking snapshot has read another 5k-12k keys, up
// to 8 times, and returns the kills and the keys they fell at. done
// reports the snapshot's end; daemon gives and restart replaces the
// current daemon.
func killDuringBlocking(t *testing.T, daemon func() *daemon, restart func(), done func() bool) (kills int, at []string) {
	last := int64(0)
	for kills < 8 && !done() {
		target := last + int64(5000+rand.IntN(7000))
		if target >= crashPrepopulated-2000 {
			break
		}
		for deadline := time.Now().Add(2 * time.Minute); !done(); time.Sleep(10 * time.Millisecond) {
			if k := blockingKey(daemon()); k >= target {
				last = k
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the snapshot stalled before key %d\n%s", target, tail(daemon().logs.String(), 30))
			}
		}
		if done() {
			break
		}
		daemon().kill()
		kills++
		at = append(at, fmt.Sprint(last))
		restart()
	}
	return kills, at
}

// TestBlockReadOrChangedCatchesFaults: a row without a read passes only
// with a change before the next read.
func TestBlockReadOrChangedCatchesFaults(t *testing.T) {
	mk := func(id int64, op string) record {
		return record{Key: []byte(fmt.Sprintf(`{"id":%d}`, id)), Value: []byte(fmt.Sprintf(`{"after":{"id":%d,"seq":1},"op":"%s"}`, id, op))}
	}
	for _, c := range []struct {
		name string
		recs []record
		ok   bool
	}{
		{"all read", []record{mk(1, "r"), mk(2, "r"), mk(3, "r")}, true},
		{"changed just before the rows", []record{mk(2, "u"), mk(1, "r"), mk(3, "r")}, true},
		{"changed after the previous read", []record{mk(1, "r"), mk(2, "u"), mk(3, "r")}, true},
		{"lost", []record{mk(1, "r"), mk(3, "r")}, false},
		{"changed after the next read only", []record{mk(1, "r"), mk(3, "r"), mk(2, "u")}, false},
	} {
		if p := blockReadOrChanged(c.recs, 3); (len(p) == 0) != c.ok {
			t.Errorf("%s: problems %v, want ok %v", c.name, p, c.ok)
		}
	}
}

// TestPostgresBlockingCrashExactlyOnce kills sluice with SIGKILL several
// times while a blocking snapshot of a 150k-row table runs and a writer
// inserts, updates and deletes its keys, each time after the snapshot has
// read on (so that a fast machine cannot finish the snapshot between
// kills), restarts it, and checks what a
// read_committed consumer got with checkIncremental: every change exactly
// once and in order, a row read at most once, never older than a change
// emitted before it; and with blockReadOrChanged: every row read, or
// changed right before the rows.
func TestPostgresBlockingCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("blkcrash")
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
	cfg["sluice.batch.max.events"] = "2000"
	cfg["snapshot.fetch.size"] = "1000" // the chunks' log lines tell the test the snapshot's progress
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
	time.Sleep(500 * time.Millisecond) // the writer's changes start before the snapshot
	mustExec(t, pg, "INSERT INTO "+prefix+".debezium_signal (id, type, data) VALUES ('blk-1', 'execute-snapshot', $1)",
		fmt.Sprintf(`{"data-collections": ["%s"], "type": "blocking"}`, table))

	// Kill whenever the snapshot has read another 5k-12k keys, up to 8
	// times, then let it finish.
	done := func() bool { return strings.Contains(d.logs.String(), "blocking snapshot done") }
	during, moments := killDuringBlocking(t, func() *daemon { return d }, func() { d = startDaemon(t, dataDir) }, done)
	kills := during
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
		problems = append(problems, blockReadOrChanged(recs, crashPrepopulated)...)
		if len(problems) == 0 || time.Now().After(end) {
			break
		}
	}
	d.term(t)
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("blocking crash test: %d SIGKILLs, %d during the snapshot (at keys %s); writer committed %d changes; %d records read: %v",
		kills, during, strings.Join(moments, ", "), ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if during < 4 {
		t.Errorf("only %d kills fell during the snapshot", during)
	}
}
