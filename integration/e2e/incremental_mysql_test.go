//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Incremental snapshots on MariaDB (connectors/mysql/incremental.go),
// triggered by execute-snapshot signals through the signal table and the
// REST route; stop-snapshot, pause-snapshot and resume-snapshot; and
// exactly-once delivery across SIGKILLs while a writer changes the keys
// being read.

// incRecord is what these tests read of a record.
type incRecord struct {
	id       int64
	op       byte
	snapshot string // source.snapshot
	v        string // after.v (the transcript's table)
	seq      int    // after.seq (the crash test's table)
}

func parseIncRecord(t *testing.T, r record) (incRecord, bool) {
	t.Helper()
	var k struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.Key, &k); err != nil || r.Value == nil {
		return incRecord{}, false
	}
	var v struct {
		Op    string `json:"op"`
		After *struct {
			V   string `json:"v"`
			Seq int    `json:"seq"`
		} `json:"after"`
		Source struct {
			Snapshot any `json:"snapshot"`
		} `json:"source"`
	}
	if err := json.Unmarshal(r.Value, &v); err != nil {
		t.Errorf("record %s: %v", r.Value, err)
		return incRecord{}, false
	}
	out := incRecord{id: k.ID, op: v.Op[0], snapshot: fmt.Sprint(v.Source.Snapshot)}
	if v.After != nil {
		out.v, out.seq = v.After.V, v.After.Seq
	}
	return out, true
}

// incRecords parses records, in order.
func incRecords(t *testing.T, recs []record) []incRecord {
	var out []incRecord
	for _, r := range recs {
		if ir, ok := parseIncRecord(t, r); ok {
			out = append(out, ir)
		}
	}
	return out
}

// reads returns the ids of the records after the first from records that
// are incremental snapshot reads, sorted, and fails on any other read.
func reads(t *testing.T, recs []incRecord) []int64 {
	t.Helper()
	var ids []int64
	for _, r := range recs {
		if r.op != 'r' {
			continue
		}
		if r.snapshot != "incremental" {
			t.Errorf("read of %d has source.snapshot %q, want incremental", r.id, r.snapshot)
		}
		ids = append(ids, r.id)
	}
	slices.Sort(ids)
	return ids
}

// incEnv is a MariaDB database with a captured table and a signal table,
// and a connector on it streaming with snapshot.mode=no_data.
type incEnv struct {
	t      *testing.T
	prefix string
	db     string
	table  string // db.items
	exec   func(sqls ...string)
	d      *daemon
	data   *consumer
	kafka  func(key, value string) // writes to the signal topic
}

func newIncEnv(t *testing.T, name, columns, fill string, cfgExtra map[string]string) *incEnv {
	prefix := uniq(name)
	db := prefix
	myDatabase(t, db)
	c := myConn(t)
	e := &incEnv{t: t, prefix: prefix, db: db, table: db + ".items"}
	e.exec = func(sqls ...string) { myExec(t, c, sqls...) }
	e.exec("USE "+db, // the seq_ tables are in every database
		"CREATE TABLE "+e.table+" "+columns,
		"CREATE TABLE "+db+".debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))")
	if fill != "" {
		e.exec(fill)
	}
	deleteHeartbeatTopicsAtEnd(t, prefix)
	sigTopic := prefix + "-sig"
	e.kafka = signalTopic(t, sigTopic)
	cfg := myConfig(t, prefix, db)
	cfg["table.include.list"] = e.table
	cfg["snapshot.mode"] = "no_data"
	cfg["signal.data.collection"] = db + ".debezium_signal"
	cfg["signal.enabled.channels"] = "source,kafka"
	cfg["signal.kafka.topic"] = sigTopic
	for k, v := range cfgExtra {
		cfg[k] = v
	}
	e.data = newConsumer(t, prefix+"."+e.table)
	dataDir := t.TempDir()
	e.d = startDaemon(t, dataDir)
	if code, body := e.d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	e.d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	return e
}

// signal inserts a signal into the signal table.
func (e *incEnv) signal(id, typ, data string) {
	e.exec(fmt.Sprintf("INSERT INTO %s.debezium_signal (id, type, data) VALUES ('%s', '%s', '%s')", e.db, id, typ, data))
}

// rest sends a signal through POST /connectors/{name}/signals.
func (e *incEnv) rest(id, typ string, data map[string]any) {
	code, body := e.d.do(e.t, "POST", "/connectors/"+e.prefix+"/signals", map[string]any{"id": id, "type": typ, "data": data})
	if code != 202 {
		e.t.Fatalf("POST signals: %d %s", code, body)
	}
}

// TestMariaDBIncrementalSignals: an execute-snapshot signal through the
// signal table reads every row once as op r with
// source.snapshot=incremental (in chunks of 2), and later changes stream
// after the reads; through the REST route, with a data-collections regex
// and an additional condition, it reads the rows the condition selects.
func TestMariaDBIncrementalSignals(t *testing.T) {
	e := newIncEnv(t, "incsig", "(id INT PRIMARY KEY, v VARCHAR(20))",
		"", map[string]string{"incremental.snapshot.chunk.size": "2"})
	e.exec(fmt.Sprintf("INSERT INTO %s VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')", e.table))
	e.data.waitCount(t, 5, 30*time.Second) // streaming: the inserts

	e.signal("exec-1", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"],"type":"incremental"}`, e.table))
	e.data.waitCount(t, 10, 30*time.Second)
	e.exec(fmt.Sprintf("UPDATE %s SET v = 'a2' WHERE id = 1", e.table))
	recs := incRecords(t, e.data.waitCount(t, 11, 30*time.Second))
	if got := reads(t, recs); fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Errorf("first snapshot read %v, want [1 2 3 4 5]", got)
	}
	for _, r := range recs[5:10] {
		if r.op != 'r' || r.v != string(rune('a'+r.id-1)) {
			t.Errorf("record %+v, want the read of the row's value", r)
		}
	}
	if last := recs[len(recs)-1]; last.op != 'u' || last.id != 1 || last.v != "a2" {
		t.Errorf("last record %+v, want the update of 1 after the reads", last)
	}

	// Through REST: a regex and an additional condition.
	e.rest("exec-2", "execute-snapshot", map[string]any{
		"data-collections":      []string{strings.ReplaceAll(e.db, "_", ".") + `\.it.*`},
		"additional-conditions": []map[string]string{{"data-collection": e.table, "filter": "id >= 3"}},
	})
	e.data.waitCount(t, 14, 30*time.Second)
	e.exec(fmt.Sprintf("INSERT INTO %s VALUES (6, 'f')", e.table))
	recs = incRecords(t, e.data.waitCount(t, 15, 30*time.Second))
	if got := reads(t, recs[11:14]); fmt.Sprint(got) != "[3 4 5]" {
		t.Errorf("second snapshot read %v, want [3 4 5]", got)
	}
	if last := recs[len(recs)-1]; last.op != 'c' || last.id != 6 {
		t.Errorf("last record %+v, want the insert of 6", last)
	}
	// A condition the server rejects skips the table with a warning; the
	// connector goes on.
	e.signal("bad-1", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"],"additional-conditions":[{"data-collection":"%[1]s","filter":"nosuch > 1"}]}`, e.table))
	waitLogged(t, e.d, []string{"incremental snapshot of a table refused; the table is skipped"})
	if st, trace := e.d.status(t, e.prefix).taskState(); st != "RUNNING" {
		t.Errorf("task %s after a rejected condition: %s", st, trace)
	}
	waitLogged(t, e.d, []string{"incremental snapshot of table done"})
	time.Sleep(time.Second)
	if n := e.data.count(); n != 15 {
		t.Errorf("%d records, want 15: %v", n, incRecords(t, e.data.snapshot()))
	}
	e.d.term(t)
}

// TestMariaDBIncrementalStopPauseResume: pause-snapshot stops the reads
// until resume-snapshot, after which every row is read exactly once;
// stop-snapshot ends a snapshot before its end.
func TestMariaDBIncrementalStopPauseResume(t *testing.T) {
	const rows = 3000
	e := newIncEnv(t, "incpause", "(id INT PRIMARY KEY, v VARCHAR(20))",
		"", map[string]string{"incremental.snapshot.chunk.size": "5"})
	e.exec(fmt.Sprintf("INSERT INTO %s VALUES (0, 'start')", e.table))
	e.data.waitCount(t, 1, 30*time.Second) // streaming
	e.exec(fmt.Sprintf("INSERT INTO %s SELECT seq, 'x' FROM seq_1_to_%d", e.table, rows))
	e.data.waitCount(t, rows+1, 60*time.Second)

	exec := fmt.Sprintf(`{"data-collections":["%s"]}`, e.table)
	e.signal("exec-1", "execute-snapshot", exec)
	e.signal("pause-1", "pause-snapshot", "")
	waitLogged(t, e.d, []string{"incremental snapshot paused"})
	before := len(reads(t, incRecords(t, e.data.settle(time.Second))))
	time.Sleep(1500 * time.Millisecond)
	paused := len(reads(t, incRecords(t, e.data.snapshot())))
	if paused != before || paused >= rows+1 {
		t.Fatalf("paused: %d reads, then %d (of %d rows)", before, paused, rows+1)
	}
	// The checkpoint holds the snapshot in progress, shown with Debezium's
	// offset keys.
	code, body := e.d.do(t, "GET", "/connectors/"+e.prefix+"/offsets", nil)
	var o struct {
		Offsets []struct {
			Offset map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(body, &o); code != 200 || err != nil || len(o.Offsets) != 1 {
		t.Fatalf("offsets: %d %s %v", code, body, err)
	}
	off := o.Offsets[0].Offset
	colls, _ := off["incremental_snapshot_collections"].(string)
	pk, _ := off["incremental_snapshot_primary_key"].(string)
	if !strings.Contains(colls, `"incremental_snapshot_collections_id":"`+e.table+`"`) || !strings.HasPrefix(pk, "aced0005") ||
		off["incremental_snapshot_correlation_id"] != "exec-1" || off["incremental_snapshot_maximum_key"] == nil {
		t.Errorf("offsets while paused: %s", body)
	}
	e.rest("resume-1", "resume-snapshot", nil)
	e.data.waitCount(t, 2*(rows+1), 60*time.Second)
	got := reads(t, incRecords(t, e.data.settle(time.Second)))
	once := len(got) == rows+1
	for i := 0; once && i < len(got); i++ {
		once = got[i] == int64(i)
	}
	if !once {
		t.Fatalf("after resume: %d reads, want each of %d rows once", len(got), rows+1)
	}
	t.Logf("paused at %d of %d rows, then all read once", paused, rows+1)

	e.signal("exec-2", "execute-snapshot", exec)
	e.data.waitCount(t, 2*(rows+1)+1, 30*time.Second) // the second snapshot runs
	e.rest("stop-1", "stop-snapshot", map[string]any{"data-collections": []string{e.table}, "type": "incremental"})
	waitLogged(t, e.d, []string{"incremental snapshot stopped"})
	stopped := len(reads(t, incRecords(t, e.data.settle(2*time.Second)))) - (rows + 1)
	if stopped < 1 || stopped >= rows+1 {
		t.Errorf("stop-snapshot: the second snapshot read all %d rows", stopped)
	}
	t.Logf("the second snapshot stopped after %d rows", stopped)
	e.d.term(t)
}

// TestMariaDBIncrementalCrashExactlyOnce: an incremental snapshot of 150k
// rows runs while a writer updates, deletes and inserts keys of the
// table (chunks of 64 rows), and sluice is killed (SIGKILL) every 1-2 s
// (16 times at most); a read_committed
// consumer then finds every change exactly once and in order per key, and
// every row read once, with the value it had after the changes emitted
// before its read (checkIncremental).
func TestMariaDBIncrementalCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	e := newIncEnv(t, "inccrash", "(id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))",
		"", map[string]string{"sluice.batch.max.events": "3000", "incremental.snapshot.chunk.size": "64"})
	topic := e.prefix + "." + e.table
	// A marker first, so the writer starts once the stream runs; then the
	// rows to read, which the stream sees as inserts before the writer.
	const marker = crashNewIDBase - 1
	var readIDs sync.Map
	var nReads atomic.Int64
	c := newConsumerWith(t, func(r record) {
		if id, ev, err := parseCrashRecord(r); err == nil && ev.op == 'r' && (id <= crashPrepopulated || id == marker) {
			if _, dup := readIDs.LoadOrStore(id, true); !dup {
				nReads.Add(1)
			}
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
	e.signal("exec-crash", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"]}`, e.table))

	kills, during := 0, 0
	var moments []string
	deadline := time.Now().Add(8 * time.Minute)
	// At most 16 kills: on a slow machine (-race) the snapshot then ends
	// in peace.
	for (nReads.Load() < crashPrepopulated+1 || kills < during+2) && kills < 16 {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not end: %d of %d rows read after %d kills\n%s", nReads.Load(), crashPrepopulated+1, kills, tail(e.d.logs.String(), 30))
		}
		// Each daemon lives 1-2 s, and until it has moved the snapshot
		// on (or, once it is done, committed something): a slow start (under
		// -race, on a busy machine) would otherwise never get there.
		// While the snapshot runs, a kill waits for the reads to pass the
		// next tenth of the table (with jitter): a timer alone let a fast
		// machine finish the table between two kills.
		started, startReads := c.count(), nReads.Load()
		at := int64(during+1)*crashPrepopulated/10 + rand.Int64N(crashPrepopulated/40)
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		for time.Now().Before(deadline) && (c.count() == started ||
			startReads < crashPrepopulated+1 && (nReads.Load() == startReads ||
				nReads.Load() < at && nReads.Load() < crashPrepopulated+1)) {
			time.Sleep(5 * time.Millisecond)
		}
		n := nReads.Load()
		e.d.kill()
		kills++
		if n > 0 && n < crashPrepopulated+1 {
			during++
		}
		m := fmt.Sprintf("SIGKILL #%d at %d records, %d rows read", kills, c.count(), n)
		moments = append(moments, m)
		t.Log(m)
		e.d = startDaemon(t, e.d.DataDir)
	}
	for nReads.Load() < crashPrepopulated+1 {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not end: %d of %d rows read after %d kills\n%s", nReads.Load(), crashPrepopulated+1, kills, tail(e.d.logs.String(), 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	e.d.waitTaskState(t, e.prefix, "RUNNING", 30*time.Second)

	var problems []string
	var stats map[string]int
	end := time.Now().Add(2 * time.Minute)
	for {
		recs := c.settle(2 * time.Second)
		problems, stats = checkIncremental(recs, h, crashPrepopulated)
		if len(problems) == 0 || time.Now().After(end) {
			break
		}
	}
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("MariaDB incremental crash test: %d SIGKILLs, %d during the snapshot (%s); writer committed %d changes; %d records: %v",
		kills, during, strings.Join(moments, "; "), ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if during < 3 {
		t.Errorf("only %d kills fell during the snapshot", during)
	}
	e.d.term(t)
}

// checkIncremental checks an incremental snapshot's records against what
// was committed (h, keys 1..prepop inserted before the writer started):
// per key, every change exactly once and in order (an insert
// first for the writer's keys, a tombstone after each delete, the final
// state last), and each key that exists when its chunk is read has exactly
// one read of the value it has after the changes emitted before it (so no
// read older than an earlier change). The writer never deletes keys
// 1..prepop, so each of those has exactly one read; the writer's keys have
// at most one.
func checkIncremental(recs []record, h *history, prepop int64) (problems []string, stats map[string]int) {
	byKey, stats, problems := eventsByKey(recs)
	h.mu.Lock()
	defer h.mu.Unlock()
	report := reporter(&problems)
	sorted := checkedKeys(byKey, h, [2]int64{1, prepop})
	for _, id := range sorted {
		final, known := h.seqs[id]
		if !known {
			report("key %d: %d events but the writer never committed it", id, len(byKey[id]))
			continue
		}
		mustRead := id <= prepop
		exists, seq, reads, tombstoned := false, -1, 0, false
		for i, e := range byKey[id] {
			switch {
			case tombstoned:
				report("key %d: event %c after its tombstone", id, e.op)
			case e.op == 'c' && !exists && e.seq == 0:
				exists, seq = true, 0
			case e.op == 'u' && exists && e.seq == seq+1:
				seq = e.seq
			case e.op == 'd' && exists:
				exists = false
			case e.op == 'x' && i > 0 && byKey[id][i-1].op == 'd':
				tombstoned = true
			case e.op == 'r' && exists && e.seq == seq && reads == 0:
				reads++
			default:
				report("key %d: event %d is %c seq %d after seq %d (exists %v, reads %d): duplicate, gap, disorder or a stale read; events %v",
					id, i, e.op, e.seq, seq, exists, reads, byKey[id])
			}
			if len(problems) >= 20 {
				break
			}
		}
		deleted := h.deleted[id]
		switch {
		case mustRead && reads != 1:
			report("key %d: %d reads, want 1", id, reads)
		case deleted && (exists || !tombstoned):
			report("key %d: deleted, but its events end %v", id, byKey[id])
		case !deleted && (!exists || seq != final):
			report("key %d: final seq %d (exists %v), want %d", id, seq, exists, final)
		}
		if reads == 1 {
			stats["keys read"]++
		}
	}
	stats["keys"] = len(sorted)
	return problems, stats
}

// TestIncrementalCheckerCatchesFaults: checkIncremental accepts a clean
// history and reports each kind of fault.
func TestIncrementalCheckerCatchesFaults(t *testing.T) {
	mk := crashRecord
	good := func() ([]record, *history) {
		h := newHistory()
		h.seqs[1], h.seqs[2], h.seqs[3] = 0, 2, 1
		h.seqs[10], h.seqs[11] = 1, 0
		h.deleted[11] = true
		return []record{
			mk(1, "c", 0), mk(2, "c", 0), mk(3, "c", 0), // the rows, streamed
			mk(2, "u", 1), mk(1, "r", 0), mk(2, "r", 1), mk(2, "u", 2), // read between changes
			mk(10, "c", 0), mk(10, "r", 0), mk(10, "u", 1), mk(3, "u", 1), mk(3, "r", 1),
			mk(11, "c", 0), mk(11, "d", 0), mk(11, "x", 0),
		}, h
	}
	recs, h := good()
	if p, _ := checkIncremental(recs, h, 3); len(p) != 0 {
		t.Fatalf("clean history reported problems: %v", p)
	}
	for name, f := range map[string]func([]record) []record{
		"missing read":     func(r []record) []record { return slices.Delete(r, 4, 5) },
		"repeated read":    func(r []record) []record { return append(r, mk(1, "r", 0)) },
		"stale read":       func(r []record) []record { r[5] = mk(2, "r", 0); return r },
		"read after later": func(r []record) []record { return append(r, mk(10, "r", 0)) },
		"duplicate update": func(r []record) []record { return append(r, mk(2, "u", 2)) },
		"lost update":      func(r []record) []record { return slices.Delete(r, 6, 7) },
		"missing tombstone": func(r []record) []record {
			return r[:len(r)-1]
		},
		"read of a deleted row": func(r []record) []record { return append(r, mk(11, "r", 0)) },
	} {
		recs, h := good()
		if p, _ := checkIncremental(f(recs), h, 3); len(p) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
}
