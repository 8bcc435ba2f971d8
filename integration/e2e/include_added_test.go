//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A table newly in table.include.list (docs/capture-core.md section 3.4):
// a PUT of the connector's config that adds a table restarts the connector,
// which snapshots the new table incrementally (its existing rows as op r,
// source.snapshot "incremental", each once) and streams it from then on,
// while the table it captured before streams on without a repeat.

func TestPostgresIncludeListAddsTable(t *testing.T) {
	prefix := uniq("incadd")
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	deleteHeartbeatTopicsAtEnd(t, prefix)
	mustExec(t, pg, "CREATE TABLE public.a (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.a SELECT g, 'a' || g FROM generate_series(1, 3) g")
	mustExec(t, pg, "CREATE TABLE public.b (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.b SELECT g, 'b' || g FROM generate_series(1, 5) g")
	root := pgConn(t)
	cfg := pgConfig(t, prefix, slot, "public.a")
	cfg["database.dbname"] = prefix
	cfg["incremental.snapshot.chunk.size"] = "2"
	topic := func(tb string) string { return prefix + ".public." + tb }
	deleteTopicsAfter(t, topic("a"), topic("b"))
	ca, cb := newConsumer(t, topic("a")), newConsumer(t, topic("b"))

	d := startDaemon(t, t.TempDir())
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	ca.waitCount(t, 3, 60*time.Second) // the initial snapshot of a
	hbWaitSlot(t, root, slot)
	mustExec(t, pg, "INSERT INTO public.a VALUES (4, 'a4')")
	mustExec(t, pg, "UPDATE public.b SET v = 'uncaptured' WHERE id = 5") // not captured yet
	ca.waitCount(t, 4, 30*time.Second)

	cfg["table.include.list"] = "public.a,public.b"
	if code, body := d.do(t, "PUT", "/connectors/"+prefix+"/config", cfg); code != 200 && code != 201 {
		t.Fatalf("PUT config: %d %s", code, body)
	}
	waitLogged(t, d, []string{"tables added to the capture; snapshotting them incrementally"})
	if !strings.Contains(d.logs.String(), "public.b") {
		t.Errorf("the log does not name public.b")
	}
	cb.waitCount(t, 5, 60*time.Second)
	mustExec(t, pg, "INSERT INTO public.a VALUES (5, 'a5')")
	mustExec(t, pg, "UPDATE public.b SET v = 'changed' WHERE id = 2")
	ca.waitCount(t, 5, 30*time.Second)
	cb.waitCount(t, 6, 30*time.Second)
	time.Sleep(2 * time.Second) // a repeat would come now

	var a, b []incRec
	for _, r := range ca.snapshot() {
		if r.Value != nil {
			a = append(a, parseIncRec(t, r))
		}
	}
	for _, r := range cb.snapshot() {
		if r.Value != nil {
			b = append(b, parseIncRec(t, r))
		}
	}
	if len(a) != 5 {
		t.Fatalf("a: %d records, want 5 (3 read, 2 inserts, no repeat): %+v", len(a), a)
	}
	for i, r := range a {
		if r.id != i+1 || (i < 3) != (r.op == "r") || (i >= 3 && r.op != "c") {
			t.Errorf("a record %d: %+v", i, r)
		}
	}
	if len(b) != 6 {
		t.Fatalf("b: %d records, want 6 (5 incremental reads, 1 update): %+v", len(b), b)
	}
	for i, r := range b[:5] {
		v := fmt.Sprintf("b%d", i+1)
		if i == 4 {
			v = "uncaptured" // the row as it is now
		}
		if want := (incRec{op: "r", id: i + 1, v: v, snap: "incremental"}); r != want {
			t.Errorf("b record %d: %+v, want %+v", i, r, want)
		}
	}
	if r := b[5]; r.op != "u" || r.id != 2 || r.v != "changed" {
		t.Errorf("b record 5: %+v, want the update of 2", r)
	}
	d.term(t)
}

// On MariaDB, with snapshot.mode=no_data and a captured table c that no
// change touches before the PUT: only b, the table the PUT adds, is
// snapshotted.
func TestMariaDBIncludeListAddsTable(t *testing.T) {
	prefix := uniq("myincadd")
	db := prefix
	myDatabase(t, db)
	c := myConn(t)
	myExec(t, c, "USE "+db,
		"CREATE TABLE "+db+".a (id INT PRIMARY KEY, v VARCHAR(20))",
		"CREATE TABLE "+db+".b (id INT PRIMARY KEY, v VARCHAR(20))",
		"CREATE TABLE "+db+".c (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO "+db+".b VALUES (1,'b1'),(2,'b2'),(3,'b3'),(4,'b4'),(5,'b5')",
		"INSERT INTO "+db+".c VALUES (1,'c1')")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	cfg := myConfig(t, prefix, db)
	cfg["table.include.list"] = db + ".a," + db + ".c"
	cfg["snapshot.mode"] = "no_data"
	cfg["incremental.snapshot.chunk.size"] = "2"
	topic := func(tb string) string { return prefix + "." + db + "." + tb }
	ca, cb, cc := newConsumer(t, topic("a")), newConsumer(t, topic("b")), newConsumer(t, topic("c"))
	d := startDaemon(t, t.TempDir())
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	// The change to b comes before a's checkpoint: a change of b after it
	// would be read again from the binlog at the restart, and streamed.
	myExec(t, c, "UPDATE "+db+".b SET v = 'uncaptured' WHERE id = 5",
		"INSERT INTO "+db+".a VALUES (1,'a1'),(2,'a2'),(3,'a3')")
	ca.waitCount(t, 3, 30*time.Second)

	cfg["table.include.list"] = db + ".a," + db + ".b," + db + ".c"
	if code, body := d.do(t, "PUT", "/connectors/"+prefix+"/config", cfg); code != 200 && code != 201 {
		t.Fatalf("PUT config: %d %s", code, body)
	}
	waitLogged(t, d, []string{"tables added to the capture; snapshotting them incrementally"})
	cb.waitCount(t, 5, 60*time.Second)
	myExec(t, c, "INSERT INTO "+db+".a VALUES (4,'a4')", "UPDATE "+db+".b SET v = 'changed' WHERE id = 2")
	ca.waitCount(t, 4, 30*time.Second)
	cb.waitCount(t, 6, 30*time.Second)
	time.Sleep(2 * time.Second) // a repeat would come now

	a, b := incRecords(t, ca.snapshot()), incRecords(t, cb.snapshot())
	if len(a) != 4 {
		t.Fatalf("a: %d records, want 4 inserts and no repeat: %+v", len(a), a)
	}
	for i, r := range a {
		if r.op != 'c' || r.id != int64(i+1) {
			t.Errorf("a record %d: %+v, want the insert of %d", i, r, i+1)
		}
	}
	if len(b) != 6 {
		t.Fatalf("b: %d records, want 5 incremental reads and 1 update: %+v", len(b), b)
	}
	if got := reads(t, b[:5]); fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Errorf("b read %v, want [1 2 3 4 5]", got)
	}
	for _, r := range b[:5] {
		if want := fmt.Sprintf("b%d", r.id); r.id == 5 && r.v != "uncaptured" || r.id != 5 && r.v != want {
			t.Errorf("b read %+v: not the row as it is", r)
		}
	}
	if r := b[5]; r.op != 'u' || r.id != 2 || r.v != "changed" {
		t.Errorf("b record 5: %+v, want the update of 2", r)
	}
	if n := cc.count(); n != 0 {
		t.Errorf("c, captured from the start and not changed: %d records, want none", n)
	}
	d.term(t)
}
