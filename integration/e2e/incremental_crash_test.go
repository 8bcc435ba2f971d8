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

// checkIncremental checks the records of a table an incremental snapshot
// read while a writer changed it (from a connector that took no initial
// snapshot, so every key of the prepopulated rows, 1 to prepopulated
// (at most crashPrepopulated), starts at seq 0 with no event):
//   - the changes: with the snapshot reads left out, every committed change
//     arrives exactly once and in order (checkExactlyOnceStrict, as if each
//     prepopulated key had been read at seq 0 first);
//   - the reads: every prepopulated key has exactly one r, any other key at
//     most one; an r comes while its key exists (after its insert, before
//     its delete) and has the seq of the last change of its key emitted
//     before it (0 when none): never older, which would put a stale row
//     after a newer change, and never newer, which would mean a change
//     missing before it.
func checkIncremental(recs []record, h *history, prepopulated int64) (problems []string, stats map[string]int) {
	// checkExactlyOnceStrict knows the keys of TestPostgresCrashExactlyOnce:
	// its prepopulated keys start with a read of seq 0 and the keys of its
	// big transaction with their insert.
	var changes []record
	for id := int64(1); id <= crashPrepopulated; id++ {
		changes = append(changes, record{Key: []byte(fmt.Sprintf(`{"id":%d}`, id)), Value: []byte(`{"op":"r","after":{"seq":0}}`)})
	}
	for id := int64(crashBigTxFirstID); id < crashBigTxFirstID+crashBigTxRows; id++ {
		changes = append(changes, record{Key: []byte(fmt.Sprintf(`{"id":%d}`, id)), Value: []byte(`{"op":"c","after":{"seq":0}}`)})
	}
	type keyState struct {
		exists bool
		seq    int
		reads  int
	}
	keys := map[int64]*keyState{}
	for id := int64(1); id <= prepopulated; id++ {
		keys[id] = &keyState{exists: true}
	}
	report := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	reads := 0
	for _, r := range recs {
		id, ev, err := parseCrashRecord(r)
		if err != nil {
			report("%v", err)
			continue
		}
		k := keys[id]
		if k == nil {
			k = &keyState{}
			keys[id] = k
		}
		switch ev.op {
		case 'r':
			reads++
			k.reads++
			switch {
			case k.reads > 1:
				report("key %d: read %d times", id, k.reads)
			case !k.exists:
				report("key %d: read while it does not exist (before its insert or after its delete)", id)
			case ev.seq < k.seq:
				report("key %d: read seq %d after the change to seq %d (stale)", id, ev.seq, k.seq)
			case ev.seq > k.seq:
				report("key %d: read seq %d, but the last change emitted before it is seq %d (a change missing)", id, ev.seq, k.seq)
			}
			continue
		case 'c':
			k.exists, k.seq = true, ev.seq
		case 'u':
			k.seq = ev.seq
		case 'd':
			k.exists = false
		}
		changes = append(changes, r)
	}
	for id := int64(1); id <= prepopulated; id++ {
		if n := keys[id].reads; n != 1 {
			report("key %d: %d reads, want 1", id, n)
		}
	}
	more, stats := checkExactlyOnceStrict(changes, h)
	for _, p := range more {
		report("%s", p)
	}
	stats["r"] = reads
	return problems, stats
}

// TestPostgresIncrementalCrashExactlyOnce kills sluice with SIGKILL every
// ~2 s while an incremental snapshot of a 150k-row table runs and a writer
// inserts, updates and deletes its keys, restarts it each time, and
// checks with checkIncremental what a read_committed consumer got.
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
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, repeat('x', 60) FROM generate_series(1, %d) g", table, crashPrepopulated))
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

// TestIncrementalCheckerCatchesFaults feeds checkIncremental a clean
// history and the faults it must find: a stale read after a change, a
// second read, a lost read, a read of a deleted key, a lost change.
func TestIncrementalCheckerCatchesFaults(t *testing.T) {
	mk := crashRecord
	const pre, n1, n2 = 3, crashNewIDBase + 1, crashNewIDBase + 2
	good := func() ([]record, *history) {
		h := newHistory()
		for id := int64(1); id <= pre; id++ {
			h.seqs[id] = 0
		}
		h.seqs[2], h.seqs[n1] = 2, 1
		h.seqs[n2] = 0
		h.deleted[n2] = true
		return []record{
			mk(1, "r", 0), mk(2, "u", 1), mk(n1, "c", 0), mk(2, "r", 1), mk(3, "r", 0),
			mk(n1, "r", 0), mk(2, "u", 2), mk(n1, "u", 1), mk(n2, "c", 0), mk(n2, "d", 0), mk(n2, "x", 0),
		}, h
	}
	recs, h := good()
	if p, _ := checkIncremental(recs, h, pre); len(p) != 0 {
		t.Fatalf("clean history reported problems: %v", p)
	}
	faults := map[string]func([]record) []record{
		"stale read after a change": func(r []record) []record {
			return append(append(r[:1:1], mk(2, "u", 1), mk(2, "r", 0)), r[4:]...)
		},
		"read twice":              func(r []record) []record { return append(r, mk(3, "r", 0)) },
		"read lost":               func(r []record) []record { return append(r[:4:4], r[5:]...) },
		"read of a deleted key":   func(r []record) []record { return append(r, mk(n2, "r", 0)) },
		"change lost before read": func(r []record) []record { return append(r[:1:1], r[2:]...) },
		"duplicate change":        func(r []record) []record { return append(r, mk(n1, "u", 1)) },
	}
	for name, f := range faults {
		recs, h := good()
		if p, _ := checkIncremental(f(recs), h, pre); len(p) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
}
