//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// parSideTables are the tables a parallel snapshot reads beside the large
// one, with their row counts: one below the size a split pays for (read
// whole, in chunks, beside the large table's ranges), small ones and an
// empty one. The writer leaves them alone.
var parSideTables = []struct {
	name string
	rows int64
}{{"more", 50_000}, {"s1", 1_000}, {"s2", 7}, {"s3", 0}}

// TestMariaDBParallelSnapshotCrashExactlyOnce is TestMySQLCrashExactlyOnce
// with snapshot.max.threads=4: a 150k-row table split into key ranges and
// read beside a 50k-row table and small ones, sluice killed with SIGKILL
// four times during the snapshot (each when the running daemon has
// committed 20-30k records) while a writer changes rows, then during
// a 100k-row transaction, at random moments while the writer runs and
// once stopped with SIGTERM. A
// read_committed consumer must see every change exactly once and in order
// per key (checkExactlyOnceStrict), and every row of the other tables
// exactly once.
func TestMariaDBParallelSnapshotCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("mpar")
	db := prefix
	table := db + ".items"
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "USE "+db,
		"CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))",
		fmt.Sprintf("INSERT INTO %s SELECT seq, 0, REPEAT('x', 60) FROM seq_1_to_%d", table, crashPrepopulated),
		"ANALYZE TABLE "+table)
	var snapTotal int64 = crashPrepopulated
	topics := []string{prefix + "." + table}
	for _, s := range parSideTables {
		myExec(t, my, "CREATE TABLE "+db+"."+s.name+" (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))")
		if s.rows > 0 {
			myExec(t, my, fmt.Sprintf("INSERT INTO %s.%s SELECT seq, seq, 'side' FROM seq_1_to_%d", db, s.name, s.rows))
		}
		snapTotal += s.rows
		topics = append(topics, prefix+"."+db+"."+s.name)
	}

	var snapSeen, bigSeen atomic.Int64
	var readsMu sync.Mutex
	reads := map[string]map[int64]int{} // topic -> id -> reads ("r" records), for a timeout's message
	c := newConsumerWith(t, func(r record) {
		id, ev, err := parseCrashRecord(r)
		switch {
		case err != nil:
		case ev.op == 'r':
			snapSeen.Add(1)
			readsMu.Lock()
			if reads[r.Topic] == nil {
				reads[r.Topic] = map[int64]int{}
			}
			reads[r.Topic][id]++
			readsMu.Unlock()
		case id >= crashBigTxFirstID && r.Topic == topics[0]:
			bigSeen.Add(1)
		}
	}, topics...)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := myConfig(t, prefix, db)
	cfg["snapshot.fetch.size"] = "4000" // 4 workers: a table is split from 64k rows
	cfg["snapshot.max.threads"] = "4"
	cfg["sluice.batch.max.events"] = "3000"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}

	h := newHistory()
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
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
	parRuns := 0 // daemons whose snapshot read in parallel
	restart := func(how string) {
		if strings.Contains(d.logs.String(), "snapshot reads in parallel") {
			parRuns++
		}
		if how == "SIGTERM" {
			d.term(t)
		} else {
			d.kill()
			kills++
		}
		m := fmt.Sprintf("%s #%d at %d records (snapshot reads %d)", how, kills, c.count(), snapSeen.Load())
		moments = append(moments, m)
		t.Log(m)
		d = startDaemon(t, dataDir)
	}
	waitFor := func(what string, cond func() bool, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				readsMu.Lock()
				var per []string // each table's reads: distinct rows, and the first rows of the table not read
				for i, topic := range topics {
					want := int64(crashPrepopulated)
					if i > 0 {
						want = parSideTables[i-1].rows
					}
					var unread []int64
					for id := int64(1); id <= want && len(unread) < 10; id++ {
						if reads[topic][id] == 0 {
							unread = append(unread, id)
						}
					}
					per = append(per, fmt.Sprintf("%s: %d of %d rows read, first unread %v", topic, len(reads[topic]), want, unread))
				}
				readsMu.Unlock()
				t.Fatalf("timed out waiting for %s (records %d, snapshot reads %d of %d)\n%s\n%s\nlast lines:\n%s", what, c.count(), snapSeen.Load(), snapTotal,
					strings.Join(per, "\n"), tailWithout(d.logs.String(), "level=DEBUG", 40), tail(d.logs.String(), 10))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}

	// 1-4. During the snapshot, each time the running daemon has itself
	// committed 20-30k records (its /metrics): the consumer's count lags
	// what is committed, and on a loaded machine a schedule on it let the
	// first daemon finish the snapshot before the first kill. Four runs of
	// at most 30k leave the large table unfinished for the fifth.
	for i := 0; i < 4; i++ {
		at := float64(20_000 + rand.IntN(10_000))
		waitFor(fmt.Sprintf("kill %d: %v records committed by this run", i+1, at), func() bool {
			return d.metricValue(t, "sluice_records_total", prefix) >= at
		}, 120*time.Second)
		restart("SIGKILL")
		if n := snapSeen.Load(); n >= snapTotal {
			t.Fatalf("snapshot finished (%d rows) before the kill could happen; make it larger", n)
		}
	}
	waitFor("snapshot end", func() bool { return snapSeen.Load() >= snapTotal }, 180*time.Second)
	// The first run and one resumed run at least must have read in
	// parallel (a resumed run splits only a table with enough rows left).
	runs := parRuns // the daemons stopped so far
	if strings.Contains(d.logs.String(), "snapshot reads in parallel") {
		runs++ // and this one (counted again when it is stopped)
	}
	if runs < 2 {
		t.Errorf("%d runs read in parallel, want the first and a resumed one:\n%s", runs, tail(d.logs.String(), 30))
	}

	// 5. During a 100k-row source transaction: part of it arrived.
	myExec(t, my, fmt.Sprintf("INSERT INTO %s SELECT seq, 0, 'big' FROM seq_%d_to_%d",
		table, crashBigTxFirstID, crashBigTxFirstID+crashBigTxRows-1))
	waitFor("part of the big transaction", func() bool { return bigSeen.Load() >= 5_000 }, 120*time.Second)
	restart("SIGKILL")
	if n := bigSeen.Load(); n >= crashBigTxRows {
		t.Fatalf("the big transaction was delivered (%d rows) before the kill could happen", n)
	}

	// 6-7. At random moments while the writer runs; one clean stop.
	for i := 0; i < 2; i++ {
		time.Sleep(time.Duration(500+rand.IntN(2000)) * time.Millisecond)
		restart("SIGKILL")
	}
	time.Sleep(time.Second)
	restart("SIGTERM")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	deadline = time.Now().Add(3 * time.Minute)
	var problems []string
	var stats map[string]int
	for {
		recs := c.settle(2 * time.Second)
		var items []record
		side := map[string][]record{}
		for _, r := range recs {
			if r.Topic == topics[0] {
				items = append(items, r)
			} else {
				side[r.Topic] = append(side[r.Topic], r)
			}
		}
		problems, stats = checkExactlyOnceStrict(items, h)
		for i, s := range parSideTables {
			problems = append(problems, checkReadOnce(side[topics[i+1]], s.rows)...)
		}
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
	t.Logf("MariaDB parallel snapshot crash test: %d SIGKILLs + 1 SIGTERM (%s); %d runs read in parallel; writer committed %d changes; %d records read: %v",
		kills, strings.Join(moments, "; "), parRuns, ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
}

// checkReadOnce checks the records of a table nothing writes to while it
// is captured: one snapshot read of each of the rows 1..rows (seq = id),
// and nothing else.
func checkReadOnce(recs []record, rows int64) (problems []string) {
	report := reporter(&problems)
	seen := map[int64]int{}
	for _, r := range recs {
		id, ev, err := parseCrashRecord(r)
		if err != nil {
			report("%s: %v", r.Topic, err)
			continue
		}
		if ev.op != 'r' || int64(ev.seq) != id {
			report("%s key %d: %c seq %d, want a read of seq %d", r.Topic, id, ev.op, ev.seq, id)
		}
		seen[id]++
	}
	for id := int64(1); id <= rows; id++ {
		if seen[id] != 1 {
			report("table of %d rows: key %d read %d times", rows, id, seen[id])
		}
	}
	if int64(len(seen)) != rows {
		report("table of %d rows: %d keys read", rows, len(seen))
	}
	return problems
}

// TestMariaDBParallelSnapshotSameRows: a snapshot with
// snapshot.max.threads=4 gives the same records as one with 1, table by
// table (a split table with a numeric key, one with a two-column key, one
// with a string key in byte order, a keyless table, an empty one), each row
// once, with one "first" and one "last" marker.
func TestMariaDBParallelSnapshotSameRows(t *testing.T) {
	db := uniq("mpsame")
	myDatabase(t, db)
	my := myConn(t)
	tables := map[string]int{"n": 20_000, "m": 12_000, "s": 9_000, "k": 300, "e": 0}
	myExec(t, my, "USE "+db,
		"CREATE TABLE n (id INT PRIMARY KEY, v VARCHAR(20), d DECIMAL(10,2), ts DATETIME(3))",
		"INSERT INTO n SELECT seq, CONCAT('v', seq), seq / 7, '2024-01-02 03:04:05.678' + INTERVAL seq SECOND FROM seq_1_to_20000",
		"CREATE TABLE m (a INT, b VARCHAR(8), v INT, PRIMARY KEY (a, b))",
		"INSERT INTO m SELECT seq DIV 12, CONCAT(CHAR(65 + seq % 12 * 2), seq % 5), seq FROM seq_0_to_11999",
		"CREATE TABLE s (k VARCHAR(12) PRIMARY KEY, v INT)",
		"INSERT INTO s SELECT CONCAT(IF(seq % 2, CHAR(97 + seq % 26), CHAR(65 + seq % 26)), seq), seq FROM seq_1_to_9000",
		"CREATE TABLE k (a INT, b INT)",
		"INSERT INTO k SELECT seq % 10, seq FROM seq_1_to_300",
		"CREATE TABLE e (id INT PRIMARY KEY)",
		"ANALYZE TABLE n, m, s")
	run := func(threads string) map[string]map[string]string {
		prefix := uniq("mps" + threads)
		var topics []string
		for name := range tables {
			topics = append(topics, prefix+"."+db+"."+name)
		}
		c := newConsumer(t, topics...)
		d := startDaemon(t, t.TempDir())
		cfg := myConfig(t, prefix, db)
		cfg["snapshot.mode"] = "initial_only"
		cfg["snapshot.fetch.size"] = "500"
		cfg["snapshot.max.threads"] = threads
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
			t.Fatalf("create connector: %d %s", code, body)
		}
		total := 0
		for _, n := range tables {
			total += n
		}
		recs := c.waitCount(t, total, 120*time.Second)
		recs = append(recs, c.settle(time.Second)[len(recs):]...)
		got := map[string]map[string]string{}
		markers := map[string]int{}
		for _, r := range recs {
			name := r.Topic[strings.LastIndex(r.Topic, ".")+1:]
			var v struct {
				Op     string          `json:"op"`
				After  json.RawMessage `json:"after"`
				Source struct {
					Snapshot string `json:"snapshot"`
				} `json:"source"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil || v.Op != "r" {
				t.Fatalf("threads=%s: %s record %s: %v", threads, r.Topic, r.Value, err)
			}
			markers[v.Source.Snapshot]++
			if got[name] == nil {
				got[name] = map[string]string{}
			}
			k := string(r.Key) + string(v.After) // the keyless table's rows by their values
			if _, dup := got[name][k]; dup {
				t.Errorf("threads=%s: %s row %s read twice", threads, name, k)
			}
			got[name][k] = string(v.After)
		}
		if markers["first"] != 1 || markers["last"] != 1 {
			t.Errorf("threads=%s: markers %v, want one first and one last", threads, markers)
		}
		if len(recs) != total {
			t.Errorf("threads=%s: %d records, want %d", threads, len(recs), total)
		}
		if threads != "1" && !strings.Contains(d.logs.String(), "ranges=4") {
			t.Errorf("threads=%s: no table was split into 4 ranges:\n%s", threads, tail(d.logs.String(), 20))
		}
		return got
	}
	one, four := run("1"), run("4")
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(one[name]) != tables[name] || len(four[name]) != len(one[name]) {
			t.Errorf("%s: %d rows with 1 thread, %d with 4, want %d", name, len(one[name]), len(four[name]), tables[name])
		}
		for k, v := range one[name] {
			if four[name][k] != v {
				t.Errorf("%s row %s: %s with 4 threads, %s with 1", name, k, four[name][k], v)
				break
			}
		}
	}
}
