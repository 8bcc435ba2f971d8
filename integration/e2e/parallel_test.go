//go:build integration

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// parTables makes the tables of the parallel snapshot tests in schema s:
// big and multi are split into ranges at snapshot.fetch.size 1000 and four
// threads (an integer key, and a key of text and integer, whose ranges
// must follow the chunk query's byte order), the others are read whole
// (keyless), are small or empty.
func parTables(t *testing.T, s string) []string {
	pg := pgConn(t)
	for _, q := range []string{
		"CREATE TABLE " + s + ".big (id bigint PRIMARY KEY, seq int NOT NULL, pad text)",
		"INSERT INTO " + s + ".big SELECT g, 0, repeat('x', 40) FROM generate_series(1, 60000) g",
		"CREATE TABLE " + s + ".multi (k text, n int, v text, PRIMARY KEY (k, n))",
		"INSERT INTO " + s + ".multi SELECT chr(65 + g % 26) || CASE WHEN g % 3 = 0 THEN 'é' ELSE 'b' END || (g % 7), g, md5(g::text) FROM generate_series(1, 40000) g",
		"CREATE TABLE " + s + ".keyless (a int, b text)",
		"ALTER TABLE " + s + ".keyless REPLICA IDENTITY FULL",
		"INSERT INTO " + s + ".keyless SELECT g, 'r' || g FROM generate_series(1, 2500) g",
		"CREATE TABLE " + s + ".small (id int PRIMARY KEY, v text)",
		"INSERT INTO " + s + ".small VALUES (1, 'one'), (2, 'two'), (3, 'three')",
		"CREATE TABLE " + s + ".empty (id int PRIMARY KEY)",
	} {
		mustExec(t, pg, q)
	}
	return []string{"big", "empty", "keyless", "multi", "small"}
}

// parRow is a snapshot record as the parallel tests compare them.
type parRow struct {
	key, after, marker string
}

func parseParRow(t *testing.T, r record) parRow {
	var v struct {
		Op     string          `json:"op"`
		After  json.RawMessage `json:"after"`
		Source struct {
			Snapshot string `json:"snapshot"`
		} `json:"source"`
	}
	if err := json.Unmarshal(r.Value, &v); err != nil || v.Op != "r" {
		t.Fatalf("record %s: %v (op %q)", r.Value, err, v.Op)
	}
	return parRow{key: string(r.Key), after: string(v.After), marker: v.Source.Snapshot}
}

// TestPostgresParallelSnapshotSameRows snapshots the same tables with
// snapshot.max.threads=1 and =4: each table's records are the same rows,
// and the markers are on the same rows (first_in_data_collection on a
// table's first key, last_in_data_collection on its last; first and last
// once each, first on the same row).
func TestPostgresParallelSnapshotSameRows(t *testing.T) {
	s := uniq("parsame")
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+s)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+s+" CASCADE") })
	tables := parTables(t, s)

	d := startDaemon(t, t.TempDir())
	got := map[int]map[string][]parRow{}
	for _, threads := range []int{1, 4} {
		prefix := fmt.Sprintf("%s_t%d", s, threads)
		dropSlot(t, prefix)
		var topics []string
		for _, tb := range tables {
			topics = append(topics, prefix+"."+s+"."+tb)
		}
		deleteTopicsAfter(t, topics...)
		c := newConsumer(t, topics...)
		cfg := pgConfig(t, prefix, prefix, s+"\\..*")
		cfg["snapshot.mode"] = "initial_only"
		cfg["snapshot.fetch.size"] = "1000"
		cfg["snapshot.max.threads"] = fmt.Sprint(threads)
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
			t.Fatalf("create connector: %d %s", code, body)
		}
		c.waitCount(t, 60000+40000+2500+3, 3*time.Minute)
		recs := c.settle(2 * time.Second)
		byTable := map[string][]parRow{}
		for _, r := range recs {
			tb := strings.TrimPrefix(r.Topic, prefix+"."+s+".")
			byTable[tb] = append(byTable[tb], parseParRow(t, r))
		}
		got[threads] = byTable
		if threads == 4 && !strings.Contains(d.logs.String(), "ranges=4") {
			t.Errorf("no table was split into 4 ranges\n%s", tail(d.logs.String(), 40))
		}
	}
	marked := func(rows []parRow) []string {
		var out []string
		for _, r := range rows {
			m := strings.TrimSuffix(r.marker, "_in_data_collection") // first and last stand for their table's too
			if m != "true" {
				out = append(out, m+" "+r.key)
			}
		}
		slices.Sort(out)
		return out
	}
	overall := map[int]map[string]int{}
	for _, threads := range []int{1, 4} {
		overall[threads] = map[string]int{}
		for _, rows := range got[threads] {
			for _, r := range rows {
				overall[threads][r.marker]++
			}
		}
		if overall[threads]["first"] != 1 || overall[threads]["last"] != 1 {
			t.Errorf("threads=%d: markers %v, want first and last once", threads, overall[threads])
		}
	}
	for _, tb := range tables {
		one, four := got[1][tb], got[4][tb]
		if len(one) != len(four) {
			t.Errorf("%s: %d rows with 1 thread, %d with 4", tb, len(one), len(four))
			continue
		}
		a, b := slices.Clone(one), slices.Clone(four)
		cmp := func(x, y parRow) int { return strings.Compare(x.key+x.after, y.key+y.after) }
		slices.SortFunc(a, cmp)
		slices.SortFunc(b, cmp)
		for i := range a {
			if a[i].key != b[i].key || a[i].after != b[i].after {
				t.Errorf("%s: row %d differs: %s %s / %s %s", tb, i, a[i].key, a[i].after, b[i].key, b[i].after)
				break
			}
		}
		if tb == "keyless" {
			continue // read whole: its first and last rows are the heap's
		}
		if ma, mb := marked(one), marked(four); !slices.Equal(ma, mb) {
			t.Errorf("%s: marked rows differ: 1 thread %v, 4 threads %v", tb, ma, mb)
		}
		if len(four) > 0 && !strings.HasPrefix(four[0].marker, "first") {
			t.Errorf("%s: the first record with 4 threads is %+v", tb, four[0])
		}
		if len(four) > 0 && four[len(four)-1].marker != "last_in_data_collection" && four[len(four)-1].marker != "last" {
			t.Errorf("%s: the last record with 4 threads is %+v", tb, four[len(four)-1])
		}
	}
}

// TestPostgresParallelCrashExactlyOnce kills a daemon running a parallel
// snapshot (snapshot.max.threads=4) with SIGKILL at thresholds of the rows
// read (counted by the consumer), while a writer changes the rows of the
// largest table, and checks with the strict checker that every row arrived
// exactly once as a read or through its changes, and that the other
// tables' rows arrived exactly once.
func TestPostgresParallelCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("parcrash")
	slot := prefix
	table := prefix + ".items"
	dropSlot(t, slot)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	mustExec(t, pg, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, seq int NOT NULL, pad text)")
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, repeat('x', 60) FROM generate_series(1, %d) g", table, crashPrepopulated))
	others := map[string]int{"extra": 50000, "small": 40, "tiny": 1, "none": 0}
	for name, n := range others {
		mustExec(t, pg, "CREATE TABLE "+prefix+"."+name+" (id bigint PRIMARY KEY, v text)")
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s.%s SELECT g, md5(g::text) FROM generate_series(1, %d) g", prefix, name, n))
	}

	var snapSeen, bigSeen atomic.Int64
	var snapDone atomic.Bool
	topic := prefix + "." + table
	topics := []string{topic}
	for name := range others {
		topics = append(topics, prefix+"."+prefix+"."+name)
	}
	deleteTopicsAfter(t, topics...)
	c := newConsumerOpts(t, []kgo.Opt{kgo.SeedBrokers(brokers...)}, func(r record) {
		if bytes.Contains(r.Value, []byte(`"pad":"big"`)) {
			bigSeen.Add(1)
		}
		if bytes.Contains(r.Value, []byte(`"op":"r"`)) {
			snapSeen.Add(1)
			if bytes.Contains(r.Value, []byte(`"snapshot":"last"`)) {
				snapDone.Store(true)
			}
		}
	}, topics...)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, slot, prefix+"\\..*")
	cfg["snapshot.fetch.size"] = "1000"
	cfg["snapshot.max.threads"] = "4"
	cfg["sluice.batch.max.events"] = "1000"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	h := newHistory()
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
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

	kills, during := 0, 0
	for _, at := range []int64{15_000, 45_000, 80_000, 120_000, 160_000, 190_000} {
		for snapSeen.Load() < at && !snapDone.Load() {
			time.Sleep(2 * time.Millisecond)
		}
		if snapDone.Load() {
			break
		}
		d.kill()
		kills++
		during++
		t.Logf("SIGKILL #%d at %d reads", kills, snapSeen.Load())
		d = startDaemon(t, dataDir)
	}
	for deadline := time.Now().Add(3 * time.Minute); !snapDone.Load(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not end\n%s", tail(d.logs.String(), 40))
		}
	}
	// One more kill during a 100k-row source transaction (the checker
	// expects its rows), and one while the writer's changes stream.
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, 'big' FROM generate_series(%d, %d) g",
		table, crashBigTxFirstID, crashBigTxFirstID+crashBigTxRows-1))
	for deadline := time.Now().Add(2 * time.Minute); bigSeen.Load() < 10_000; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the big transaction did not arrive\n%s", tail(d.logs.String(), 40))
		}
	}
	for _, pause := range []time.Duration{0, 700 * time.Millisecond} {
		time.Sleep(pause)
		d.kill()
		kills++
		t.Logf("SIGKILL #%d after the snapshot (big-tx rows %d)", kills, bigSeen.Load())
		d = startDaemon(t, dataDir)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	deadline := time.Now().Add(3 * time.Minute)
	var problems []string
	var stats map[string]int
	for {
		recs := c.settle(2 * time.Second)
		var items []record
		counts := map[string]map[string]int{}
		for _, r := range recs {
			if r.Topic == topic {
				items = append(items, r)
				continue
			}
			if counts[r.Topic] == nil {
				counts[r.Topic] = map[string]int{}
			}
			counts[r.Topic][string(r.Key)]++
		}
		problems, stats = checkExactlyOnceStrict(items, h)
		for name, n := range others {
			got := counts[prefix+"."+prefix+"."+name]
			if len(got) != n {
				problems = append(problems, fmt.Sprintf("%s: %d keys, want %d", name, len(got), n))
			}
			for k, c := range got {
				if c != 1 {
					problems = append(problems, fmt.Sprintf("%s: key %s read %d times", name, k, c))
					break
				}
			}
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	h.mu.Lock()
	ops := h.ops
	h.mu.Unlock()
	t.Logf("parallel crash test: %d SIGKILLs (%d during the snapshot); writer committed %d changes; %d records: %v", kills, during, ops, c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if during < 3 {
		t.Errorf("only %d kills during the snapshot", during)
	}
}
