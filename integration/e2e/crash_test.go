//go:build integration

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	crashPrepopulated = 150_000    // rows present before the connector starts: the snapshot
	crashBigTxFirstID = 10_000_001 // ids of the 100k-row transaction
	crashBigTxRows    = 100_000
	crashNewIDBase    = 1_000_000 // ids the writer inserts
)

// history is what the writer committed, per key: the seq values the row took
// (0 on insert, +1 per update) and whether it was deleted last.
type history struct {
	mu      sync.Mutex
	seqs    map[int64]int // last committed seq
	deleted map[int64]bool
	ops     int
	// prepop: keys 1..prepop exist before the writer starts (default
	// crashPrepopulated); bigTx: the checker expects the 100k-row
	// transaction's keys (the crash tests').
	prepop int64
	bigTx  bool
	// pace is the writer's pause between transactions (3 ms).
	pace time.Duration
}

func newHistory() *history {
	return newHistoryOf(crashPrepopulated, true)
}

// newHistoryOf is the history of a table with keys 1..prepop, every one at
// seq 0 to begin with.
func newHistoryOf(prepop int64, bigTx bool) *history {
	h := &history{seqs: map[int64]int{}, deleted: map[int64]bool{}, prepop: prepop, bigTx: bigTx, pace: 3 * time.Millisecond}
	if prepop != crashPrepopulated {
		for id := int64(1); id <= prepop; id++ {
			h.seqs[id] = 0
		}
	}
	return h
}

// writer makes random inserts, updates and deletes in small transactions
// until stop is closed, recording each committed change in h.
func writer(t *testing.T, pg *pgx.Conn, table string, h *history, stop <-chan struct{}, paused *atomic.Bool) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
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
		tx, err := pg.Begin(ctx)
		if err != nil {
			t.Errorf("writer: begin: %v", err)
			return
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
		for _, o := range ops {
			var err error
			switch o.kind {
			case 'c':
				_, err = tx.Exec(ctx, "INSERT INTO "+table+" (id, seq, pad) VALUES ($1, 0, 'w')", o.id)
			case 'u':
				_, err = tx.Exec(ctx, "UPDATE "+table+" SET seq = $2 WHERE id = $1", o.id, o.seq)
			case 'd':
				_, err = tx.Exec(ctx, "DELETE FROM "+table+" WHERE id = $1", o.id)
			}
			if err != nil {
				t.Errorf("writer: %c %d: %v", o.kind, o.id, err)
				_ = tx.Rollback(ctx)
				return
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Errorf("writer: commit: %v", err)
			return
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

// crashEvent is what the checker needs of a record.
type crashEvent struct {
	op     byte // c u d r, or 'x' for a tombstone
	seq    int
	offset int64
}

func parseCrashRecord(r record) (int64, crashEvent, error) {
	var k struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.Key, &k); err != nil {
		return 0, crashEvent{}, fmt.Errorf("key %q: %w", r.Key, err)
	}
	if r.Value == nil {
		return k.ID, crashEvent{op: 'x', offset: r.Offset}, nil
	}
	var v struct {
		Op    string `json:"op"`
		After *struct {
			Seq int `json:"seq"`
		} `json:"after"`
	}
	if err := json.Unmarshal(r.Value, &v); err != nil {
		return 0, crashEvent{}, fmt.Errorf("value %q: %w", r.Value, err)
	}
	ev := crashEvent{op: v.Op[0], offset: r.Offset}
	if v.After != nil {
		ev.seq = v.After.Seq
	}
	return k.ID, ev, nil
}

// checkExactlyOnce checks each key's events against what was committed:
// an optional snapshot read of some committed state, then every later change
// exactly once and in order, a tombstone right after each delete, and the
// final state last. It returns the problems found (at most a few per kind).
// It lets a key born and deleted before a resumed snapshot region have no
// events (the region filter of snapshots resumed by earlier versions lost
// them); the crash tests of both sources now use checkExactlyOnceStrict.
func checkExactlyOnce(recs []record, h *history) (problems []string, stats map[string]int) {
	return checkHistory(recs, h, false)
}

// checkExactlyOnceStrict is checkExactlyOnce for a writer that starts after
// the snapshot's start, against a source whose resumed snapshot emits every
// change (both sources: connectors/postgres/resume.go,
// connectors/mysql/resume.go): every change the writer committed arrives
// exactly once and in order, so a prepopulated key starts with its read of
// the state before the writer started or with its first update, and a new
// key with its insert; no read comes after a change (a resumed snapshot
// does not read the rows whose changes it streamed).
func checkExactlyOnceStrict(recs []record, h *history) (problems []string, stats map[string]int) {
	return checkHistory(recs, h, true)
}

// eventsByKey parses recs into each key's events in order, counting the
// ops in stats; problems holds the records that do not parse.
func eventsByKey(recs []record) (byKey map[int64][]crashEvent, stats map[string]int, problems []string) {
	byKey, stats = map[int64][]crashEvent{}, map[string]int{}
	for _, r := range recs {
		id, ev, err := parseCrashRecord(r)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		byKey[id] = append(byKey[id], ev)
		stats[string(ev.op)]++
	}
	return byKey, stats, problems
}

// checkedKeys returns, sorted, the keys with events, the keys h knows and
// the keys of the ranges [lo, hi] given (h locked).
func checkedKeys(byKey map[int64][]crashEvent, h *history, ranges ...[2]int64) []int64 {
	keys := map[int64]bool{}
	for id := range byKey {
		keys[id] = true
	}
	for id := range h.seqs {
		keys[id] = true
	}
	for _, r := range ranges {
		for id := r[0]; id <= r[1]; id++ {
			keys[id] = true
		}
	}
	sorted := make([]int64, 0, len(keys))
	for id := range keys {
		sorted = append(sorted, id)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted
}

// reporter returns a func adding a problem to *problems, at most 20.
func reporter(problems *[]string) func(format string, args ...any) {
	return func(format string, args ...any) {
		if len(*problems) < 20 {
			*problems = append(*problems, fmt.Sprintf(format, args...))
		}
	}
}

func checkHistory(recs []record, h *history, strict bool) (problems []string, stats map[string]int) {
	byKey, stats, problems := eventsByKey(recs)
	h.mu.Lock()
	defer h.mu.Unlock()
	report := reporter(&problems)
	ranges := [][2]int64{{1, h.prepop}}
	if h.bigTx {
		ranges = append(ranges, [2]int64{crashBigTxFirstID, crashBigTxFirstID + crashBigTxRows - 1})
	}
	sorted := checkedKeys(byKey, h, ranges...)
	for _, id := range sorted {
		evs := byKey[id]
		final, known := h.seqs[id]
		if id <= h.prepop && !known {
			final, known = 0, true
		}
		if h.bigTx && id >= crashBigTxFirstID {
			final, known = 0, true
		}
		deleted := h.deleted[id]
		if !known {
			report("key %d: %d events but the writer never committed it", id, len(evs))
			continue
		}
		if len(evs) == 0 {
			if deleted && !strict {
				stats["keys born and deleted before a resumed snapshot region"]++
				continue
			}
			report("key %d: no events (lost), final seq %d, deleted %v", id, final, deleted)
			continue
		}
		first := evs[0]
		switch {
		case first.op == 'r' && (!strict || id <= h.prepop && first.seq == 0):
		case first.op == 'c' && first.seq == 0 && id > h.prepop:
		case strict && first.op == 'u' && first.seq == 1 && id <= h.prepop:
		default:
			report("key %d: first event %c seq %d; want a snapshot read or the insert", id, first.op, first.seq)
			continue
		}
		prev := first.seq
		done := false
		for i := 1; i < len(evs); i++ {
			e := evs[i]
			switch {
			case done:
				report("key %d: event %c after its tombstone", id, e.op)
			case e.op == 'u' && e.seq == prev+1:
				prev = e.seq
			case e.op == 'd':
				if i+1 >= len(evs) || evs[i+1].op != 'x' {
					report("key %d: delete not followed by a tombstone", id)
				}
			case e.op == 'x' && evs[i-1].op == 'd':
				done = true
			default:
				report("key %d: event %d is %c seq %d after seq %d (duplicate, gap or disorder); events %v", id, i, e.op, e.seq, prev, evs)
				i = len(evs)
			}
		}
		last := evs[len(evs)-1]
		if deleted && last.op != 'x' {
			report("key %d: deleted, but the last event is %c", id, last.op)
		}
		if !deleted && prev != final {
			report("key %d: last seq %d, want %d", id, prev, final)
		}
		if !deleted && last.op == 'x' {
			report("key %d: tombstone but the row was never deleted", id)
		}
	}
	stats["keys"] = len(sorted)
	return problems, stats
}

// TestPostgresCrashExactlyOnce kills sluice with SIGKILL at random moments
// (during the snapshot, during a 100k-row source transaction, while a writer
// runs) and once with SIGTERM, restarts it each time, and proves with a
// read_committed consumer that every change arrived exactly once and in
// order per key.
func TestPostgresCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	runPostgresCrash(t, crashKafka{prefix: "crash", consumer: []kgo.Opt{kgo.SeedBrokers(brokers...)}})
}

// crashKafka is how the crash test reaches Kafka: the daemon's extra
// environment (a worker config) and the checking consumer's client options.
type crashKafka struct {
	prefix    string
	daemonEnv []string
	consumer  []kgo.Opt
}

func runPostgresCrash(t *testing.T, k crashKafka) {
	prefix := uniq(k.prefix)
	slot := prefix
	table := prefix + ".items"
	dropSlot(t, slot)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	mustExec(t, pg, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, seq int NOT NULL, pad text)")
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, repeat('x', 60) FROM generate_series(1, %d) g", table, crashPrepopulated))

	var bigSeen, snapSeen atomic.Int64
	var snapDone atomic.Bool // the snapshot's last row was read
	topic := prefix + "." + table
	deleteTopicsAfter(t, topic)
	c := newConsumerOpts(t, k.consumer, func(r record) {
		id, ev, err := parseCrashRecord(r)
		if err != nil {
			return
		}
		if id >= crashBigTxFirstID {
			bigSeen.Add(1)
		}
		if ev.op == 'r' {
			snapSeen.Add(1)
			// A resumed snapshot leaves out the rows the writer changed,
			// so the end is its last row, not a count.
			if bytes.Contains(r.Value, []byte(`"snapshot":"last"`)) {
				snapDone.Store(true)
			}
		}
	}, topic)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir, k.daemonEnv...)
	cfg := pgConfig(t, prefix, slot, table)
	cfg["snapshot.fetch.size"] = "4000"
	cfg["sluice.batch.max.events"] = "3000"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}

	h := newHistory()
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
	// The writer starts once the first snapshot row is read: every change
	// it makes is after the snapshot's start, so the strict checker can ask
	// for each of them.
	for deadline := time.Now().Add(90 * time.Second); snapSeen.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot row\n%s", tail(d.logs.String(), 30))
		}
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

	kills := 0
	restart := func(how string) {
		if how == "SIGTERM" {
			d.term(t)
		} else {
			d.kill()
			kills++
		}
		t.Logf("%s #%d at %d records (snapshot reads %d, big-tx rows %d)", how, kills, c.count(), snapSeen.Load(), bigSeen.Load())
		d = startDaemon(t, dataDir, k.daemonEnv...)
	}
	waitFor := func(what string, cond func() bool, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (records %d)\n%s", what, c.count(), tail(d.logs.String(), 30))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	// 1. During the snapshot.
	waitFor("snapshot progress", func() bool { return snapSeen.Load() >= 20_000 }, 90*time.Second)
	if snapDone.Load() {
		t.Fatalf("snapshot finished before the kill could happen; make it larger")
	}
	restart("SIGKILL")
	// 2. Again during the (resumed) snapshot, if it is still running.
	time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
	restart("SIGKILL")
	waitFor("snapshot end", snapDone.Load, 120*time.Second)

	// 3. During a 100k-row source transaction.
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, 'big' FROM generate_series(%d, %d) g",
		table, crashBigTxFirstID, crashBigTxFirstID+crashBigTxRows-1))
	waitFor("part of the big transaction", func() bool { return bigSeen.Load() >= 10_000 }, 120*time.Second)
	if bigSeen.Load() >= crashBigTxRows {
		t.Fatalf("the big transaction was delivered before the kill could happen")
	}
	restart("SIGKILL")

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
	deadline := time.Now().Add(3 * time.Minute)
	var problems []string
	var stats map[string]int
	for {
		recs := c.settle(2 * time.Second)
		problems, stats = checkExactlyOnceStrict(recs, h)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("crash test: %d SIGKILLs + 1 SIGTERM; writer committed %d changes; %d records read: %v", kills, ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if kills < 5 {
		t.Errorf("only %d kills", kills)
	}
}

// TestCrashCheckerCatchesFaults feeds the exactly-once checker records with a
// duplicate, a gap, a lost key and a missing tombstone, so the crash test's
// verdict is known to be able to fail.
// crashRecord is the record of key id with op ("x": a tombstone) and
// after.seq seq, for the checkers' tests.
func crashRecord(id int64, op string, seq int) record {
	key := []byte(fmt.Sprintf(`{"id":%d}`, id))
	if op == "x" {
		return record{Key: key}
	}
	after := fmt.Sprintf(`{"id":%d,"seq":%d}`, id, seq)
	if op == "d" {
		after = "null"
	}
	return record{Key: key, Value: []byte(fmt.Sprintf(`{"before":null,"after":%s,"op":"%s"}`, after, op))}
}

func TestCrashCheckerCatchesFaults(t *testing.T) {
	mk := crashRecord
	good := func() ([]record, *history) {
		h := newHistory()
		var recs []record
		for id := int64(1); id <= crashPrepopulated; id++ {
			h.seqs[id] = 0
			recs = append(recs, mk(id, "r", 0))
		}
		for id := int64(crashBigTxFirstID); id < crashBigTxFirstID+crashBigTxRows; id++ {
			recs = append(recs, mk(id, "c", 0))
		}
		h.seqs[crashNewIDBase+1] = 2
		h.seqs[crashNewIDBase+2] = 0
		h.deleted[crashNewIDBase+2] = true
		recs = append(recs, mk(crashNewIDBase+1, "c", 0), mk(crashNewIDBase+1, "u", 1), mk(crashNewIDBase+1, "u", 2),
			mk(crashNewIDBase+2, "c", 0), mk(crashNewIDBase+2, "d", 0), mk(crashNewIDBase+2, "x", 0))
		return recs, h
	}
	recs, h := good()
	if p, _ := checkExactlyOnce(recs, h); len(p) != 0 {
		t.Fatalf("clean history reported problems: %v", p)
	}
	faults := map[string]func([]record) []record{
		"duplicate update": func(r []record) []record { return append(r, mk(crashNewIDBase+1, "u", 2)) },
		"lost update": func(r []record) []record {
			n := len(r)
			return append(r[:n-5:n-5], r[n-4:]...)
		},
		"lost snapshot row": func(r []record) []record { return r[1:] },
		"missing tombstone": func(r []record) []record { return r[:len(r)-1] },
		"repeated read":     func(r []record) []record { return append(r, mk(5, "r", 0)) },
	}
	for name, f := range faults {
		recs, h := good()
		if p, _ := checkExactlyOnce(f(recs), h); len(p) == 0 {
			t.Errorf("%s: not detected", name)
		}
		if p, _ := checkExactlyOnceStrict(f(recs), h); len(p) == 0 {
			t.Errorf("strict: %s: not detected", name)
		}
	}

	// The strict checker accepts the changes a resumed snapshot streams
	// instead of reading the row, and finds what is lost or repeated there.
	key := func(id int64) string { return fmt.Sprintf(`{"id":%d}`, id) }
	resumed := func() ([]record, *history) {
		recs, h := good()
		h.seqs[7] = 2
		h.seqs[crashNewIDBase+3] = 1
		h.seqs[crashNewIDBase+4] = 0
		h.deleted[crashNewIDBase+4] = true
		recs = slices.DeleteFunc(recs, func(r record) bool { return string(r.Key) == key(7) }) // key 7: no read first
		recs = append(recs, mk(7, "u", 1), mk(7, "u", 2),
			mk(crashNewIDBase+3, "c", 0), mk(crashNewIDBase+3, "u", 1),
			mk(crashNewIDBase+4, "c", 0), mk(crashNewIDBase+4, "d", 0), mk(crashNewIDBase+4, "x", 0))
		return recs, h
	}
	recs, h = resumed()
	if p, _ := checkExactlyOnceStrict(recs, h); len(p) != 0 {
		t.Fatalf("strict: clean resumed history reported problems: %v", p)
	}
	dropFirst := func(id int64, n int) func([]record) []record {
		return func(r []record) []record {
			i := slices.IndexFunc(r, func(x record) bool { return string(x.Key) == key(id) })
			return slices.Delete(slices.Clone(r), i, i+n)
		}
	}
	strictFaults := map[string]func([]record) []record{
		"key born and deleted, no events": func(r []record) []record { return r[:len(r)-3] },
		"read of a stale state":           func(r []record) []record { return append(r, mk(crashNewIDBase+3, "r", 0)) },
		"read repeating a change":         func(r []record) []record { return append(r, mk(crashNewIDBase+3, "r", 1)) },
		"first update lost":               dropFirst(7, 1),
		"new key read, insert lost": func(r []record) []record {
			return append(dropFirst(crashNewIDBase+3, 2)(r), mk(crashNewIDBase+3, "r", 1))
		},
	}
	for name, f := range strictFaults {
		recs, h := resumed()
		if p, _ := checkExactlyOnceStrict(f(recs), h); len(p) == 0 {
			t.Errorf("strict: %s: not detected", name)
		}
	}
	// A key inserted and deleted without any event: tolerated by
	// checkExactlyOnce, a loss to checkExactlyOnceStrict.
	recs, h = good()
	h.seqs[crashNewIDBase+3] = 1
	h.deleted[crashNewIDBase+3] = true
	if p, _ := checkExactlyOnce(recs, h); len(p) != 0 {
		t.Errorf("born and deleted key reported by checkExactlyOnce: %v", p)
	}
	if p, _ := checkExactlyOnceStrict(recs, h); len(p) == 0 {
		t.Error("born and deleted key without events: not detected by checkExactlyOnceStrict")
	}
}
