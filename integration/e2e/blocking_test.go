//go:build integration

package e2e

import (
	"testing"
	"time"
)

// Blocking snapshots on Postgres, asked for with execute-snapshot signals of
// type blocking through the signal table and through POST
// /connectors/{name}/signals, on a connector that took no initial snapshot:
// the stream stops, the tables' rows arrive as op r with Debezium's
// snapshot markers (first, true, last_in_data_collection, first_in_data_collection,
// last), filtered by additional-conditions, and the stream goes on; a change
// made before the signal comes before the rows, one made after after them.

// blockWant is one expected record of a blocking transcript.
type blockWant struct {
	op, v, snap string
	id          int
}

func checkBlockRecs(t *testing.T, what string, got []incRec, want []blockWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d: %+v", what, len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		snap := g.snap
		if snap == "<nil>" {
			snap = "false"
		}
		if g.op != w.op || g.id != w.id || g.v != w.v || snap != w.snap {
			t.Errorf("%s record %d: %+v, want %+v", what, i, g, w)
		}
	}
}

func TestPostgresBlockingSnapshot(t *testing.T) {
	prefix := uniq("blksig")
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	deleteHeartbeatTopicsAtEnd(t, prefix)
	mustExec(t, pg, "CREATE TABLE public.a (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.a SELECT g, 'a' || g FROM generate_series(1, 5) g")
	mustExec(t, pg, "CREATE TABLE public.b (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.b SELECT g, 'b' || g FROM generate_series(1, 3) g")
	mustExec(t, pg, "CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	root := pgConn(t)
	cfg := pgConfig(t, prefix, slot, "public.a,public.b")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["signal.data.collection"] = "public.debezium_signal"
	cfg["snapshot.fetch.size"] = "2" // several chunks per table
	topic := func(tb string) string { return prefix + ".public." + tb }
	deleteTopicsAfter(t, topic("a"), topic("b"), prefix+"-signals")
	ca, cb := newConsumer(t, topic("a")), newConsumer(t, topic("b"))

	d := startDaemon(t, t.TempDir())
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, root, slot)
	recs := func(c *consumer) []incRec {
		var out []incRec
		for _, r := range c.snapshot() {
			if r.Value != nil {
				out = append(out, parseIncRec(t, r))
			}
		}
		return out
	}

	// 1. Through the signal table, in the transaction of a change: tables
	// a and b, b filtered by an additional condition.
	mustExec(t, pg, "UPDATE public.a SET v = 'before' WHERE id = 1")
	tx, err := pg.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE public.a SET v = 'with' WHERE id = 3",
		`INSERT INTO public.debezium_signal (id, type, data) VALUES ('blk-1', 'execute-snapshot',
			'{"data-collections": ["public\\.a", "public.b"], "type": "blocking",
			  "additional-conditions": [{"data-collection": "public.b", "filter": "id > 1"}]}')`,
	} {
		if _, err := tx.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	ca.waitCount(t, 7, 60*time.Second)
	cb.waitCount(t, 2, 30*time.Second)
	mustExec(t, pg, "UPDATE public.a SET v = 'after' WHERE id = 2")
	ca.waitCount(t, 8, 30*time.Second)
	checkBlockRecs(t, "a", recs(ca), []blockWant{
		{"u", "before", "false", 1}, {"u", "with", "false", 3},
		{"r", "before", "first", 1}, {"r", "a2", "true", 2}, {"r", "with", "true", 3}, {"r", "a4", "true", 4},
		{"r", "a5", "last_in_data_collection", 5},
		{"u", "after", "false", 2},
	})
	checkBlockRecs(t, "b", recs(cb), []blockWant{{"r", "b2", "first_in_data_collection", 2}, {"r", "b3", "last", 3}})
	transcript(t, "postgres_blocking.golden", prefix, append(ca.snapshot(), cb.snapshot()...))

	// 2. Through REST: table a again, then a delete after it.
	code, body := d.do(t, "POST", "/connectors/"+prefix+"/signals", map[string]any{"id": "blk-2", "type": "execute-snapshot",
		"data": map[string]any{"data-collections": []string{"public.a"}, "type": "BLOCKING"}})
	if code != 202 {
		t.Fatalf("POST signals: %d %s", code, body)
	}
	ca.waitCount(t, 13, 60*time.Second)
	mustExec(t, pg, "DELETE FROM public.a WHERE id = 5")
	ca.waitCount(t, 14, 30*time.Second)
	got := recs(ca)[8:]
	checkBlockRecs(t, "a after REST", got, []blockWant{
		{"r", "before", "first", 1}, {"r", "after", "true", 2}, {"r", "with", "true", 3}, {"r", "a4", "true", 4},
		{"r", "a5", "last", 5}, {"d", "", "false", 5},
	})
	waitLogged(t, d, []string{"blocking snapshot done; streaming goes on"})
	if n := len(recs(cb)); n != 2 {
		t.Errorf("b got %d records, want the 2 of the first snapshot", n)
	}

	// 3. A condition Postgres rejects skips its table with a warning; the
	// next table is still read, in the same transaction.
	mustExec(t, pg, `INSERT INTO public.debezium_signal (id, type, data) VALUES ('blk-3', 'execute-snapshot',
		'{"data-collections": ["public.a", "public.b"], "type": "blocking",
		  "additional-conditions": [{"data-collection": "public.a", "filter": "nosuch > 1"}]}')`)
	cb.waitCount(t, 5, 30*time.Second)
	checkBlockRecs(t, "b after a rejected condition of a", recs(cb)[2:], []blockWant{
		{"r", "b1", "first", 1}, {"r", "b2", "true", 2}, {"r", "b3", "last", 3},
	})
	waitLogged(t, d, []string{"blocking snapshot: table cannot be read; skipped"})
	if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
		t.Errorf("task %s after a rejected condition: %s", st, trace)
	}
	d.term(t)
}
