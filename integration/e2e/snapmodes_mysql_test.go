//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestMariaDBEventProcessingFailureHandlingMode: an UPDATE written with
// binlog_row_image=MINIMAL (a session may set it) gives a rows event
// without the full row, which sluice cannot turn into a Debezium event.
// fail: the connector fails naming the binlog position; warn and skip: the
// event is left out (logged as a warning, or at debug) and the other
// changes arrive exactly once.
func TestMariaDBEventProcessingFailureHandlingMode(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	for _, mode := range []string{"fail", "warn", "skip"} {
		t.Run(mode, func(t *testing.T) {
			name := uniq("snapmodes_myepf_" + mode)
			myDatabase(t, name)
			c := myConn(t)
			myExec(t, c, "CREATE TABLE "+name+".t (id INT PRIMARY KEY, v VARCHAR(20), w INT)", "INSERT INTO "+name+".t VALUES (1, 'a', 1)")
			topic := name + "." + name + ".t"
			deleteTopicsAtEnd(t, topic, name)
			cfg := myConfig(t, name, name)
			cfg["event.processing.failure.handling.mode"] = mode
			createConnector(t, d, name, cfg)
			cons := newConsumer(t, topic)
			waitOps(t, cons, 1, 60*time.Second)
			d.waitTaskState(t, name, "RUNNING", 30*time.Second)
			myExec(t, c, "INSERT INTO "+name+".t VALUES (2, 'b', 2)")
			myExec(t, c, "SET SESSION binlog_row_image = 'MINIMAL'", "UPDATE "+name+".t SET v = 'x' WHERE id = 1", "SET SESSION binlog_row_image = 'FULL'")
			myExec(t, c, "INSERT INTO "+name+".t VALUES (3, 'c', 3)")
			if mode == "fail" {
				st := d.waitTaskState(t, name, "FAILED", 60*time.Second)
				_, tr := st.taskState()
				for _, want := range []string{"not a full row image", "error while processing the change event at binlog", "event.processing.failure.handling.mode=warn"} {
					if !strings.Contains(tr, want) {
						t.Errorf("trace %q lacks %q", tr, want)
					}
				}
				time.Sleep(2 * time.Second)
				checkOnce(t, mode, evs(t, cons.snapshot()), "r1", "c2")
				return
			}
			waitOps(t, cons, 3, 60*time.Second)
			time.Sleep(2 * time.Second)
			checkOnce(t, mode, evs(t, cons.snapshot()), "r1", "c2", "c3")
			if st, _ := d.status(t, name).taskState(); st != "RUNNING" {
				t.Errorf("task %s, want RUNNING", st)
			}
			var mine []string
			for _, l := range strings.Split(d.logs.String(), "\n") {
				if strings.Contains(l, "connector="+name+" ") && strings.Contains(l, "skipping a change event") {
					mine = append(mine, l)
					t.Logf("log: %s", l)
				}
			}
			want := "level=WARN"
			if mode == "skip" {
				want = "level=DEBUG"
			}
			if len(mine) != 1 || !strings.Contains(mine[0], want) || !strings.Contains(mine[0], `position="binlog `) {
				t.Errorf("%s: log lines %q, want one at %s with the binlog position", mode, mine, want)
			}
		})
	}
}

// TestMariaDBSnapshotModes: snapshot.mode=always reads the tables again at
// every start; snapshot.include.collection.list, an override SELECT
// (chunked by snapshot.fetch.size) and snapshot.delay.ms shape the
// snapshot; recovery refuses to start without offsets.
func TestMariaDBSnapshotModes(t *testing.T) {
	name := uniq("snapmodes_my")
	myDatabase(t, name)
	c := myConn(t)
	myExec(t, c,
		"CREATE TABLE "+name+".a (id INT PRIMARY KEY, v VARCHAR(20), note VARCHAR(20))",
		"CREATE TABLE "+name+".b (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO "+name+".a VALUES (1,'v1','n1'),(2,'v2','n2'),(3,'v3','n3'),(4,'v4','n4'),(5,'v5','n5')",
		"INSERT INTO "+name+".b VALUES (1,'v1'),(2,'v2')")
	ta, tb := name+"."+name+".a", name+"."+name+".b"
	deleteTopicsAtEnd(t, ta, tb, name)
	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := myConfig(t, name, name)
	cfg["snapshot.mode"] = "always"
	cfg["snapshot.include.collection.list"] = name + ".a"
	cfg["snapshot.select.statement.overrides"] = name + ".a"
	cfg["snapshot.select.statement.overrides."+name+".a"] = "SELECT id, v FROM " + name + ".a WHERE id >= 2"
	cfg["snapshot.fetch.size"] = "2"
	cfg["snapshot.delay.ms"] = "2000"
	start := time.Now()
	createConnector(t, d, name, cfg)
	ca, cb := newConsumer(t, ta), newConsumer(t, tb)
	waitOps(t, ca, 1, 60*time.Second)
	if el := time.Since(start); el < 2*time.Second {
		t.Errorf("first snapshot record %v after the connector was created, want at least snapshot.delay.ms=2000", el)
	}
	waitOps(t, ca, 4, 60*time.Second)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	myExec(t, c, "INSERT INTO "+name+".a VALUES (6,'v6','n6')", "INSERT INTO "+name+".b VALUES (3,'v3')")
	waitOps(t, ca, 5, 60*time.Second)
	waitOps(t, cb, 1, 60*time.Second)
	d.term(t)

	myExec(t, c, "INSERT INTO "+name+".a VALUES (7,'v7','n7')")
	d = startDaemon(t, dir)
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
	waitOps(t, ca, 11, 60*time.Second)
	myExec(t, c, "UPDATE "+name+".a SET v = 'x' WHERE id = 1", "UPDATE "+name+".b SET v = 'x' WHERE id = 1")
	waitOps(t, ca, 12, 60*time.Second)
	waitOps(t, cb, 2, 60*time.Second)
	time.Sleep(2 * time.Second)
	ea, eb := evs(t, ca.snapshot()), evs(t, cb.snapshot())
	t.Logf("a: %s; b: %s", seq(ea), seq(eb))
	checkOnce(t, "first run", ea[:5], "r2", "r3", "r4", "r5", "c6")
	checkOnce(t, "second run", ea[5:], "r2", "r3", "r4", "r5", "r6", "r7", "u1")
	checkOnce(t, "table left out of the snapshot", eb, "c3", "u1")
	for _, e := range ea {
		if e.Op == "r" && (e.After["note"] != nil || e.After["v"] != fmt.Sprintf("v%d", e.ID)) {
			t.Errorf("snapshot row %d: %v, want v read and note null (the override leaves it out)", e.ID, e.After)
		}
	}
	if len(ea) >= 11 {
		if got := []string{ea[5].Snapshot, ea[10].Snapshot}; got[0] != "first" || got[1] != "last" {
			t.Errorf("second snapshot's markers %v, want first ... last", got)
		}
	}

	// recovery needs offsets to start from.
	rname := name + "_rec"
	rcfg := myConfig(t, rname, name)
	rcfg["snapshot.mode"] = "recovery"
	createConnector(t, d, rname, rcfg)
	st := d.waitTaskState(t, rname, "FAILED", 30*time.Second)
	if _, tr := st.taskState(); !strings.Contains(tr, "snapshot.mode=recovery needs the connector's offsets") {
		t.Errorf("recovery without offsets: trace %q", tr)
	}
}
