//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Incremental snapshots on Postgres, asked for with execute-snapshot
// signals through the signal table and through POST
// /connectors/{name}/signals, on a connector that took no initial
// snapshot: the rows arrive as op r with source.snapshot "incremental",
// a later change after them; pause-snapshot stops the reads until
// resume-snapshot, and stop-snapshot ends them.

// incRec is what the incremental tests read of a record.
type incRec struct {
	op   string
	id   int
	v    string
	snap string // source.snapshot
}

func parseIncRec(t *testing.T, r record) incRec {
	t.Helper()
	var v struct {
		Op    string `json:"op"`
		After *struct {
			ID int    `json:"id"`
			V  string `json:"v"`
		} `json:"after"`
		Before *struct {
			ID int `json:"id"`
		} `json:"before"`
		Source struct {
			Snapshot any `json:"snapshot"`
		} `json:"source"`
	}
	if err := json.Unmarshal(r.Value, &v); err != nil {
		t.Fatalf("record %s: %v", r.Value, err)
	}
	out := incRec{op: v.Op, snap: fmt.Sprint(v.Source.Snapshot)}
	if v.After != nil {
		out.id, out.v = v.After.ID, v.After.V
	} else if v.Before != nil {
		out.id = v.Before.ID
	}
	return out
}

func TestPostgresIncrementalSignals(t *testing.T) {
	prefix := uniq("incsig")
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	deleteHeartbeatTopicsAtEnd(t, prefix)
	mustExec(t, pg, "CREATE TABLE public.a (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.a SELECT g, 'a' || g FROM generate_series(1, 5) g")
	mustExec(t, pg, "CREATE TABLE public.b (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.b SELECT g, 'b' || g FROM generate_series(1, 3) g")
	mustExec(t, pg, "CREATE TABLE public.c (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO public.c SELECT g, 'c' || g FROM generate_series(1, 3000) g")
	mustExec(t, pg, "CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	root := pgConn(t)
	sigTopic := prefix + "-sig"
	signalTopic(t, sigTopic)
	cfg := pgConfig(t, prefix, slot, "public.a,public.b,public.c")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["signal.data.collection"] = "public.debezium_signal"
	cfg["signal.enabled.channels"] = "source,kafka"
	cfg["signal.kafka.topic"] = sigTopic
	cfg["incremental.snapshot.chunk.size"] = "2"
	topic := func(tb string) string { return prefix + ".public." + tb }
	deleteTopicsAfter(t, topic("a"), topic("b"), topic("c"))
	ca, cb, cc := newConsumer(t, topic("a")), newConsumer(t, topic("b")), newConsumer(t, topic("c"))

	d := startDaemon(t, t.TempDir())
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, root, slot)
	tableSignal := func(id, typ, data string) {
		mustExec(t, pg, "INSERT INTO public.debezium_signal (id, type, data) VALUES ($1, $2, $3)", id, typ, data)
	}
	restSignal := func(id, typ string, data any) {
		code, body := d.do(t, "POST", "/connectors/"+prefix+"/signals", map[string]any{"id": id, "type": typ, "data": data})
		if code != 202 {
			t.Fatalf("POST signals: %d %s", code, body)
		}
	}
	recs := func(c *consumer) []incRec {
		var out []incRec
		for _, r := range c.snapshot() {
			if r.Value != nil {
				out = append(out, parseIncRec(t, r))
			}
		}
		return out
	}
	wantRows := func(got []incRec, tb string, n int) {
		t.Helper()
		for i, r := range got[:n] {
			want := incRec{op: "r", id: i + 1, v: fmt.Sprintf("%s%d", tb, i+1), snap: "incremental"}
			if r != want {
				t.Fatalf("%s record %d: %+v, want %+v", tb, i, r, want)
			}
		}
	}

	// 1. Through the signal table: table a, in three chunks, then a
	// change after the snapshot.
	tableSignal("exec-a", "execute-snapshot", `{"data-collections": ["public\\.a"], "type": "incremental"}`)
	ca.waitCount(t, 5, 60*time.Second)
	mustExec(t, pg, "UPDATE public.a SET v = 'changed' WHERE id = 2")
	ca.waitCount(t, 6, 30*time.Second)
	got := recs(ca)
	wantRows(got, "a", 5)
	transcript(t, "postgres_incremental.golden", prefix, ca.snapshot())
	if got[5] != (incRec{op: "u", id: 2, v: "changed", snap: "<nil>"}) && got[5] != (incRec{op: "u", id: 2, v: "changed", snap: "false"}) {
		t.Fatalf("a record 5: %+v, want the update of 2", got[5])
	}

	// 2. Through REST: table b.
	restSignal("exec-b", "execute-snapshot", map[string]any{"data-collections": []string{"public.b"}, "type": "INCREMENTAL"})
	cb.waitCount(t, 3, 60*time.Second)
	wantRows(recs(cb), "b", 3)

	// 3. Pause, resume and stop, on table c (1500 chunks).
	restSignal("exec-c", "execute-snapshot", map[string]any{"data-collections": []string{"public.c"}})
	cc.waitCount(t, 10, 60*time.Second)
	restSignal("pause", "pause-snapshot", nil)
	waitLogged(t, d, []string{"incremental snapshot paused"})
	time.Sleep(time.Second) // a chunk read before the pause may still arrive
	paused := cc.count()
	time.Sleep(2 * time.Second)
	if n := cc.count(); n != paused {
		t.Fatalf("%d rows of c while paused, then %d", paused, n)
	}
	// The checkpoint holds the snapshot in progress, shown with Debezium's
	// offset keys: table c, its last key read, its maximum key (3000, a
	// Java Integer), the signal's id.
	code, body := d.do(t, "GET", "/connectors/"+prefix+"/offsets", nil)
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
	const maxKey = "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c020000787000000001" +
		"737200116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b020000787000000bb8"
	if colls != `[{"incremental_snapshot_collections_id":"public.c","incremental_snapshot_collections_additional_condition":null,"incremental_snapshot_collections_surrogate_key":null,"incremental_snapshot_collections_correlation_id":"exec-c"}]` ||
		!strings.HasPrefix(pk, "aced0005") || off["incremental_snapshot_maximum_key"] != maxKey || off["incremental_snapshot_correlation_id"] != "exec-c" {
		t.Errorf("offsets while paused: %s", body)
	}
	tableSignal("resume", "resume-snapshot", "{}")
	cc.waitCount(t, paused+10, 60*time.Second)
	tableSignal("stop", "stop-snapshot", `{"data-collections": ["public.c"], "type": "incremental"}`)
	waitLogged(t, d, []string{"incremental snapshot stopped"})
	time.Sleep(time.Second)
	stopped := cc.count()
	time.Sleep(2 * time.Second)
	if n := cc.count(); n != stopped || n >= 3000 {
		t.Fatalf("%d rows of c after the stop, then %d (of 3000)", stopped, n)
	}
	wantRows(recs(cc), "c", stopped)
	// The stream goes on after a stopped snapshot.
	mustExec(t, pg, "DELETE FROM public.c WHERE id = 3000")
	cc.waitCount(t, stopped+1, 30*time.Second)
	if last := recs(cc)[stopped]; last.op != "d" || last.id != 3000 {
		t.Fatalf("after the stop: %+v, want the delete of 3000", last)
	}
	if !strings.Contains(d.logs.String(), "incremental snapshot of table done") {
		t.Errorf("no log line of a finished table")
	}
	d.term(t)
}

// transcript compares the records with testdata/<golden> once their
// run-to-run values are replaced (normalize, and the test's prefix).
func transcript(t *testing.T, golden, prefix string, recs []record) {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "%s\n%s\n\n", r.Key, r.Value)
	}
	got := strings.ReplaceAll(normalize([]byte(b.String())), prefix, "<prefix>")
	path := filepath.Join("testdata", golden)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("records differ from %s (run with -update to rewrite it):\n%s", path, got)
	}
}
