//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Tests of snapshot.mode always / when_needed / configuration_based,
// snapshot.include.collection.list, snapshot.select.statement.overrides,
// snapshot.fetch.size, snapshot.delay.ms, event.processing.failure.handling.mode
// and slot.drop.on.stop, against the real servers, read back with a
// read_committed consumer.

// ev is a change record reduced to what these tests check.
type ev struct {
	Op       string
	ID       int64
	Snapshot string         // source.snapshot
	After    map[string]any // after (before for a delete)
}

func (e ev) String() string { return fmt.Sprintf("%s%d", e.Op, e.ID) }

// evs decodes the (non-tombstone) records of recs.
func evs(t *testing.T, recs []record) []ev {
	t.Helper()
	var out []ev
	for _, r := range recs {
		if r.Value == nil {
			continue
		}
		var v struct {
			Op     string         `json:"op"`
			Before map[string]any `json:"before"`
			After  map[string]any `json:"after"`
			Source struct {
				Snapshot string `json:"snapshot"`
			} `json:"source"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record %s: %v", r.Value, err)
		}
		img := v.After
		if img == nil {
			img = v.Before
		}
		id, _ := img["id"].(float64)
		out = append(out, ev{Op: v.Op, ID: int64(id), Snapshot: v.Source.Snapshot, After: img})
	}
	return out
}

// seq renders events as "r1 r2 c3".
func seq(es []ev) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, " ")
}

// checkOnce fails the test unless every event of want appears exactly once
// in got and nothing else does.
func checkOnce(t *testing.T, what string, got []ev, want ...string) {
	t.Helper()
	g := strings.Fields(seq(got))
	w := slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: events %v, want each of %v exactly once", what, seq(got), want)
	}
}

// deleteTopicsAtEnd deletes the test's topics when it ends.
func deleteTopicsAtEnd(t *testing.T, topics ...string) {
	t.Cleanup(func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = kadm.NewClient(cl).DeleteTopics(ctx, topics...)
	})
}

// pgTable creates table (public.<name>) with cols and drops it at the end.
func pgTable(t *testing.T, name, cols string) string {
	t.Helper()
	table := "public." + name
	mustExec(t, pgConn(t), "CREATE TABLE "+table+" ("+cols+")")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE IF EXISTS "+table) })
	return table
}

func createConnector(t *testing.T, d *daemon, name string, cfg map[string]string) {
	t.Helper()
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
		t.Fatalf("create %s: %d %s", name, code, b)
	}
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.do(t, "DELETE", "/connectors/"+name, nil)
		}
	})
}

// waitOps waits until the consumer holds n non-tombstone records.
func waitOps(t *testing.T, c *consumer, n int, timeout time.Duration) []ev {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		es := evs(t, c.snapshot())
		if len(es) >= n {
			return es
		}
		if time.Now().After(deadline) {
			t.Fatalf("saw %d change records in %s (%s), want %d", len(es), timeout, seq(es), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func slotExists(t *testing.T, slot string) bool {
	t.Helper()
	var n int
	if err := pgConn(t).QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// dropSlotNow drops a slot no connector holds.
func dropSlotNow(t *testing.T, slot string) {
	t.Helper()
	c := pgConn(t)
	var err error
	for i := 0; i < 50; i++ {
		_, _ = c.Exec(context.Background(), "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL", slot)
		if _, err = c.Exec(context.Background(), "SELECT pg_drop_replication_slot($1)", slot); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("drop slot %s: %v", slot, err)
}

// TestPGSnapshotModeAlways: snapshot.mode=always reads the tables again at
// every start (markers first ... last each time) and streams in between;
// no streamed change is lost or repeated across the restart.
func TestPGSnapshotModeAlways(t *testing.T) {
	name := uniq("snapmodes_always")
	table := pgTable(t, name, "id int PRIMARY KEY, v text")
	pg := pgConn(t)
	mustExec(t, pg, "INSERT INTO "+table+" SELECT g, 'v'||g FROM generate_series(1,3) g")
	dropSlot(t, name)
	topic := name + "." + table
	deleteTopicsAtEnd(t, topic)
	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := pgConfig(t, name, name, table)
	cfg["snapshot.mode"] = "always"
	createConnector(t, d, name, cfg)
	c := newConsumer(t, topic)
	waitOps(t, c, 3, 60*time.Second)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (4, 'v4')")
	waitOps(t, c, 4, 60*time.Second)
	d.term(t)

	mustExec(t, pg, "INSERT INTO "+table+" VALUES (5, 'v5')") // while stopped: read by the new snapshot
	d = startDaemon(t, dir)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	waitOps(t, c, 9, 60*time.Second)
	mustExec(t, pg, "UPDATE "+table+" SET v = 'x' WHERE id = 1")
	es := waitOps(t, c, 10, 60*time.Second)
	time.Sleep(2 * time.Second)
	es = evs(t, c.snapshot())
	t.Logf("events: %s", seq(es))
	checkOnce(t, "first run", es[:4], "r1", "r2", "r3", "c4")
	checkOnce(t, "second run", es[4:], "r1", "r2", "r3", "r4", "r5", "u1")
	if len(es) == 10 {
		marks := []string{es[4].Snapshot, es[8].Snapshot}
		if marks[0] != "first" || marks[1] != "last" {
			t.Errorf("second snapshot markers %v, want first ... last", marks)
		}
	}
}

// TestPGSnapshotModeWhenNeeded: with the slot dropped while the connector
// was stopped, initial fails naming when_needed; when_needed takes a new
// snapshot (with a new slot) and streams on.
func TestPGSnapshotModeWhenNeeded(t *testing.T) {
	name := uniq("snapmodes_needed")
	table := pgTable(t, name, "id int PRIMARY KEY, v text")
	pg := pgConn(t)
	mustExec(t, pg, "INSERT INTO "+table+" SELECT g, 'v'||g FROM generate_series(1,2) g")
	dropSlot(t, name)
	topic := name + "." + table
	deleteTopicsAtEnd(t, topic)
	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := pgConfig(t, name, name, table)
	createConnector(t, d, name, cfg)
	c := newConsumer(t, topic)
	waitOps(t, c, 2, 60*time.Second)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (3, 'v3')")
	waitOps(t, c, 3, 60*time.Second)
	d.term(t)

	dropSlotNow(t, name)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (4, 'v4')") // lost to the stream: only a snapshot has it
	d = startDaemon(t, dir)
	st := d.waitTaskState(t, name, "FAILED", 30*time.Second)
	if _, tr := st.taskState(); !strings.Contains(tr, "snapshot.mode=when_needed") || !strings.Contains(tr, "was lost") {
		t.Errorf("initial with the slot gone: trace %q, want the lost slot and snapshot.mode=when_needed", tr)
	}
	cfg["snapshot.mode"] = "when_needed"
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/config", cfg); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	waitOps(t, c, 7, 60*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (5, 'v5')")
	waitOps(t, c, 8, 60*time.Second)
	time.Sleep(2 * time.Second)
	es := evs(t, c.snapshot())
	t.Logf("events: %s", seq(es))
	checkOnce(t, "first run", es[:3], "r1", "r2", "c3")
	checkOnce(t, "after the slot was lost", es[3:], "r1", "r2", "r3", "r4", "c5")
	if !slotExists(t, name) {
		t.Errorf("when_needed did not make a new slot %s", name)
	}
}

// TestPGSnapshotSelection: snapshot.include.collection.list leaves a
// captured table out of the snapshot (its changes still stream);
// snapshot.select.statement.overrides reads a table through a SELECT (a
// column it leaves out is null), chunked by snapshot.fetch.size, resumable;
// snapshot.delay.ms holds the snapshot back.
func TestPGSnapshotSelection(t *testing.T) {
	name := uniq("snapmodes_sel")
	a := pgTable(t, name+"_a", "id int PRIMARY KEY, v text, note text")
	b := pgTable(t, name+"_b", "id int PRIMARY KEY, v text")
	pg := pgConn(t)
	mustExec(t, pg, "INSERT INTO "+a+" SELECT g, 'v'||g, 'n'||g FROM generate_series(1,7) g")
	mustExec(t, pg, "INSERT INTO "+b+" SELECT g, 'v'||g FROM generate_series(1,3) g")
	dropSlot(t, name)
	ta, tb := name+"."+a, name+"."+b
	deleteTopicsAtEnd(t, ta, tb)
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, name, name, a+","+b)
	cfg["snapshot.include.collection.list"] = a
	cfg["snapshot.select.statement.overrides"] = a
	cfg["snapshot.select.statement.overrides."+a] = "SELECT id, v FROM " + a + " WHERE id > 2 ORDER BY id DESC;"
	cfg["snapshot.fetch.size"] = "2"
	cfg["snapshot.delay.ms"] = "3000"
	start := time.Now()
	createConnector(t, d, name, cfg)
	ca, cb := newConsumer(t, ta), newConsumer(t, tb)
	waitOps(t, ca, 1, 60*time.Second)
	if el := time.Since(start); el < 3*time.Second {
		t.Errorf("first snapshot record %v after the connector was created, want at least snapshot.delay.ms=3000", el)
	}
	waitOps(t, ca, 5, 60*time.Second)
	mustExec(t, pg, "INSERT INTO "+b+" VALUES (4, 'v4')")
	mustExec(t, pg, "INSERT INTO "+a+" VALUES (8, 'v8', 'n8')")
	waitOps(t, cb, 1, 60*time.Second)
	waitOps(t, ca, 6, 60*time.Second)
	time.Sleep(2 * time.Second)
	ea, eb := evs(t, ca.snapshot()), evs(t, cb.snapshot())
	t.Logf("a: %s; b: %s", seq(ea), seq(eb))
	checkOnce(t, "override table", ea, "r3", "r4", "r5", "r6", "r7", "c8")
	checkOnce(t, "table left out of the snapshot", eb, "c4")
	for _, e := range ea {
		if e.Op == "r" && (e.After["note"] != nil || e.After["v"] != fmt.Sprintf("v%d", e.ID)) {
			t.Errorf("snapshot row %d: %v, want v read and note null (the override leaves it out)", e.ID, e.After)
		}
		if e.Op == "c" && e.After["note"] != "n8" {
			t.Errorf("streamed row: %v", e.After)
		}
	}
	if len(ea) >= 5 {
		if got := []string{ea[0].Snapshot, ea[4].Snapshot}; got[0] != "first" || got[1] != "last" {
			t.Errorf("markers %v", got)
		}
	}
}

// TestPGEventProcessingFailureHandlingMode: a row pgoutput sends that sluice
// cannot decode (a two-dimensional array) fails the connector under fail,
// naming its position; under warn and skip it is left out (logged as a
// warning, or at debug) and the other changes arrive exactly once.
func TestPGEventProcessingFailureHandlingMode(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	for _, mode := range []string{"fail", "warn", "skip"} {
		t.Run(mode, func(t *testing.T) {
			name := uniq("snapmodes_epf_" + mode)
			table := pgTable(t, name, "id int PRIMARY KEY, a int[]")
			pg := pgConn(t)
			mustExec(t, pg, "INSERT INTO "+table+" VALUES (1, '{1,2}')")
			if mode != "fail" {
				// A row the snapshot cannot decode: left out too.
				mustExec(t, pg, "INSERT INTO "+table+" VALUES (0, '{{1},{2}}')")
			}
			dropSlot(t, name)
			topic := name + "." + table
			deleteTopicsAtEnd(t, topic)
			cfg := pgConfig(t, name, name, table)
			cfg["event.processing.failure.handling.mode"] = mode
			createConnector(t, d, name, cfg)
			c := newConsumer(t, topic)
			waitOps(t, c, 1, 60*time.Second)
			d.waitTaskState(t, name, "RUNNING", 30*time.Second)
			mustExec(t, pg, "INSERT INTO "+table+" VALUES (2, '{3}')")
			mustExec(t, pg, "INSERT INTO "+table+" VALUES (3, '{{1,2},{3,4}}')") // cannot be decoded
			mustExec(t, pg, "INSERT INTO "+table+" VALUES (4, '{5}')")
			if mode == "fail" {
				st := d.waitTaskState(t, name, "FAILED", 60*time.Second)
				_, tr := st.taskState()
				for _, want := range []string{"multi-dimensional arrays are not supported", "error while processing the change event at lsn", "event.processing.failure.handling.mode=warn"} {
					if !strings.Contains(tr, want) {
						t.Errorf("trace %q lacks %q", tr, want)
					}
				}
				time.Sleep(2 * time.Second)
				checkOnce(t, mode, evs(t, c.snapshot()), "r1", "c2")
				return
			}
			waitOps(t, c, 3, 60*time.Second)
			time.Sleep(2 * time.Second)
			checkOnce(t, mode, evs(t, c.snapshot()), "r1", "c2", "c4")
			if st, _ := d.status(t, name).taskState(); st != "RUNNING" {
				t.Errorf("task %s, want RUNNING", st)
			}
			var mine []string
			for _, l := range strings.Split(d.logs.String(), "\n") {
				if strings.Contains(l, "connector="+name+" ") {
					mine = append(mine, l)
				}
			}
			logs := strings.Join(mine, "\n")
			warned := strings.Contains(logs, "event.processing.failure.handling.mode=warn") && strings.Contains(logs, "multi-dimensional")
			debugged := strings.Contains(logs, "event.processing.failure.handling.mode=skip")
			if mode == "warn" && !warned {
				t.Errorf("warn: no warning with the event's position in the log")
			}
			for _, l := range strings.Split(logs, "\n") {
				if strings.Contains(l, "handling.mode=") && strings.Contains(l, "skipping") {
					t.Logf("log: %s", l)
					if mode == "skip" && !strings.Contains(l, "level=DEBUG") {
						t.Errorf("skip: logged above debug: %s", l)
					}
				}
			}
			if mode == "skip" && !debugged {
				t.Errorf("skip: no debug line")
			}
			if !strings.Contains(logs, "position=\"lsn ") || !strings.Contains(logs, `position="snapshot of `+table+` key [\"0\"]"`) {
				t.Errorf("%s: the log lines lack the positions (lsn ..., snapshot of %s key [\"0\"]): %s", mode, table, logs)
			}
		})
	}
}

// TestPGSnapshotRowFailureFails: under the default fail, a snapshot row
// that cannot be decoded fails the connector, naming the row's key.
func TestPGSnapshotRowFailureFails(t *testing.T) {
	name := uniq("snapmodes_epfsnap")
	table := pgTable(t, name, "id int PRIMARY KEY, a int[]")
	mustExec(t, pgConn(t), "INSERT INTO "+table+" VALUES (1, '{1}'), (2, '{{1},{2}}'), (3, '{3}')")
	dropSlot(t, name)
	deleteTopicsAtEnd(t, name+"."+table)
	d := startDaemon(t, t.TempDir())
	createConnector(t, d, name, pgConfig(t, name, name, table))
	st := d.waitTaskState(t, name, "FAILED", 60*time.Second)
	if _, tr := st.taskState(); !strings.Contains(tr, "at snapshot of "+table+` key ["2"]`) || !strings.Contains(tr, "multi-dimensional") {
		t.Errorf("trace %q, want the snapshot row's key and the reason", tr)
	}
}

// TestPGSlotDropOnStop: with slot.drop.on.stop=true the slot goes when the
// connector stops (DELETE); by default it stays.
func TestPGSlotDropOnStop(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	for _, drop := range []bool{true, false} {
		name := uniq(fmt.Sprintf("snapmodes_drop_%v", drop))
		table := pgTable(t, name, "id int PRIMARY KEY")
		dropSlot(t, name)
		deleteTopicsAtEnd(t, name+"."+table)
		cfg := pgConfig(t, name, name, table)
		if drop {
			cfg["slot.drop.on.stop"] = "true"
		}
		createConnector(t, d, name, cfg)
		d.waitTaskState(t, name, "RUNNING", 30*time.Second)
		if !slotExists(t, name) {
			t.Fatalf("slot %s missing while running", name)
		}
		if code, b := d.do(t, "DELETE", "/connectors/"+name, nil); code != 204 {
			t.Fatalf("DELETE: %d %s", code, b)
		}
		deadline := time.Now().Add(20 * time.Second)
		for slotExists(t, name) == drop && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Second)
		if got := slotExists(t, name); got == drop {
			t.Errorf("slot.drop.on.stop=%v: slot exists after DELETE = %v", drop, got)
		}
	}
}

// TestPGOverrideSnapshotCrashExactlyOnce: a snapshot read through an
// override SELECT that keeps the key is chunked and resumable: killed
// (SIGKILL) in the middle and restarted, it gives every row of the SELECT
// exactly once to a read_committed consumer.
func TestPGOverrideSnapshotCrashExactlyOnce(t *testing.T) {
	name := uniq("snapmodes_crash")
	table := pgTable(t, name, "id int PRIMARY KEY, v text, pad text")
	pg := pgConn(t)
	const rows = 60000
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 'v'||g, repeat('x', 100) FROM generate_series(1,%d) g", table, rows))
	dropSlot(t, name)
	topic := name + "." + table
	deleteTopicsAtEnd(t, topic)
	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := pgConfig(t, name, name, table)
	cfg["snapshot.select.statement.overrides"] = table
	cfg["snapshot.select.statement.overrides."+table] = "SELECT id, v FROM " + table + " WHERE id % 3 <> 0"
	cfg["snapshot.fetch.size"] = "150"
	cfg["sluice.batch.max.events"] = "100"
	killed := make(chan struct{})
	var n int
	c := newConsumerWith(t, func(record) {
		n++
		if n == 2000 {
			close(killed)
		}
	}, topic)
	createConnector(t, d, name, cfg)
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		t.Fatal("no snapshot records in 60s")
	}
	d.kill()
	atKill := c.count()
	d = startDaemon(t, dir)
	want := rows - rows/3
	es := waitOps(t, c, want, 120*time.Second)
	time.Sleep(2 * time.Second)
	es = evs(t, c.snapshot())
	if !strings.Contains(d.logs.String(), "resuming snapshot") {
		t.Fatalf("the restart did not resume the snapshot (it had %d of %d rows when killed)", atKill, want)
	}
	seen := map[int64]int{}
	for _, e := range es {
		if e.Op != "r" || e.ID%3 == 0 || e.After["pad"] != nil {
			t.Errorf("unexpected record %s %v", e, e.After)
		}
		seen[e.ID]++
	}
	dups := 0
	for _, k := range seen {
		if k > 1 {
			dups++
		}
	}
	t.Logf("killed after %d records; %d records, %d distinct rows, %d repeated", atKill, len(es), len(seen), dups)
	if len(seen) != want || dups != 0 || len(es) != want {
		t.Errorf("%d records of %d distinct rows (%d repeated), want each of %d rows once", len(es), len(seen), dups, want)
	}
}

// TestPGSnapshotModeAlwaysCrash: with snapshot.mode=always, a snapshot
// killed in the middle is resumed by the next start, not restarted, so its
// rows reach a read_committed consumer exactly once; the start after a
// clean stop takes a whole new snapshot.
func TestPGSnapshotModeAlwaysCrash(t *testing.T) {
	name := uniq("snapmodes_acrash")
	table := pgTable(t, name, "id int PRIMARY KEY, pad text")
	pg := pgConn(t)
	const rows = 30000
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, repeat('x', 100) FROM generate_series(1,%d) g", table, rows))
	dropSlot(t, name)
	topic := name + "." + table
	deleteTopicsAtEnd(t, topic)
	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := pgConfig(t, name, name, table)
	cfg["snapshot.mode"] = "always"
	cfg["snapshot.fetch.size"] = "150"
	cfg["sluice.batch.max.events"] = "100"
	killed := make(chan struct{})
	var n int
	c := newConsumerWith(t, func(record) {
		n++
		if n == 2000 {
			close(killed)
		}
	}, topic)
	createConnector(t, d, name, cfg)
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		t.Fatal("no snapshot records in 60s")
	}
	d.kill()
	atKill := c.count()
	d = startDaemon(t, dir)
	waitOps(t, c, rows, 120*time.Second)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d, 'new')", table, rows+1))
	waitOps(t, c, rows+1, 60*time.Second)
	if !strings.Contains(d.logs.String(), "resuming snapshot") {
		t.Fatalf("the restart did not resume the snapshot (it had %d of %d rows when killed)", atKill, rows)
	}
	d.term(t)
	d = startDaemon(t, dir)
	waitOps(t, c, 2*rows+2, 120*time.Second)
	time.Sleep(2 * time.Second)
	es := evs(t, c.snapshot())
	count := func(part []ev) (map[int64]int, int) {
		seen := map[int64]int{}
		dups := 0
		for _, e := range part {
			seen[e.ID]++
			if seen[e.ID] == 2 {
				dups++
			}
		}
		return seen, dups
	}
	first, dups1 := count(es[:rows+1])
	second, dups2 := count(es[rows+1:])
	t.Logf("killed after %d; first run %d records (%d repeated), second %d records (%d repeated)", atKill, rows+1, dups1, len(es)-rows-1, dups2)
	if len(first) != rows+1 || dups1 != 0 || es[rows].Op != "c" || es[rows].ID != rows+1 {
		t.Errorf("crashed snapshot and stream: %d distinct of %d, %d repeated, then %s; want each row once, then c%d", len(first), rows+1, dups1, es[rows], rows+1)
	}
	if len(second) != rows+1 || dups2 != 0 || len(es) != 2*rows+2 || es[rows+1].Snapshot != "first" || es[len(es)-1].Snapshot != "last" {
		t.Errorf("second snapshot: %d distinct of %d records, %d repeated; want %d rows once, first ... last", len(second), len(es)-rows-1, dups2, rows+1)
	}
}

// TestPGSnapshotModeConfigurationBased: configuration_based without
// snapshot.data streams only; with snapshot.on.data.error a start whose
// slot is gone starts afresh instead of failing, and (snapshot.data being
// false) streams from a new slot without reading the tables, as Debezium's
// ConfigurationBasedSnapshotter does.
func TestPGSnapshotModeConfigurationBased(t *testing.T) {
	name := uniq("snapmodes_cb")
	table := pgTable(t, name, "id int PRIMARY KEY, v text")
	pg := pgConn(t)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1, 'v1')")
	dropSlot(t, name)
	topic := name + "." + table
	deleteTopicsAtEnd(t, topic)
	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := pgConfig(t, name, name, table)
	cfg["snapshot.mode"] = "configuration_based"
	cfg["snapshot.mode.configuration.based.start.stream"] = "true"
	cfg["snapshot.mode.configuration.based.snapshot.on.data.error"] = "true"
	createConnector(t, d, name, cfg)
	c := newConsumer(t, topic)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (2, 'v2')")
	waitOps(t, c, 1, 60*time.Second)
	d.term(t)
	dropSlotNow(t, name)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (3, 'v3')")
	d = startDaemon(t, dir)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (4, 'v4')")
	waitOps(t, c, 2, 60*time.Second)
	time.Sleep(2 * time.Second)
	es := evs(t, c.snapshot())
	t.Logf("events: %s", seq(es))
	checkOnce(t, "stream only", es, "c2", "c4")
	if st, tr := d.status(t, name).taskState(); st != "RUNNING" || !strings.Contains(d.logs.String(), "the checkpoint's position is no longer available") {
		t.Errorf("task %s %s; want RUNNING after starting afresh", st, tr)
	}

	// With snapshot.data the slot's loss is filled by a new snapshot (and
	// every start reads the tables).
	d.term(t)
	dropSlotNow(t, name)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (5, 'v5')")
	cfg["snapshot.mode.configuration.based.snapshot.data"] = "true"
	d = startDaemon(t, dir)
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/config", cfg); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	waitOps(t, c, 7, 60*time.Second)
	time.Sleep(2 * time.Second)
	es = evs(t, c.snapshot())
	t.Logf("events: %s", seq(es))
	checkOnce(t, "snapshot.data=true", es[2:], "r1", "r2", "r3", "r4", "r5")
}
