//go:build integration

package postgres

import (
	"context"
	"testing"
	"time"
)

// TestIntegrationHeartbeatStream reads a stream with heartbeats every
// 100 ms and an action query (run it with -race: the heartbeat loop, the
// status loop and the decoder share the due flag): heartbeats arrive while
// the captured table is idle, interleaved with its events in order, each
// after the events before it; acknowledging them confirms the slot past
// WAL written to an uncaptured table; the action query's rows arrive as
// events of their (captured) table.
func TestIntegrationHeartbeatStream(t *testing.T) {
	e := newPGEnv(t, "hb")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY)", "CREATE TABLE $S.hb (id serial PRIMARY KEY)", "CREATE TABLE public.pgsrc_hb_other_"+e.slot+" (id serial, pad text)")
	t.Cleanup(func() { e.exec("DROP TABLE public.pgsrc_hb_other_" + e.slot) })
	cfg := e.config(map[string]string{
		"snapshot.mode":          "no_data",
		"heartbeat.interval.ms":  "100",
		"heartbeat.action.query": "INSERT INTO " + e.schema + ".hb DEFAULT VALUES",
	})
	st := e.open(cfg, nil)
	e.exec("INSERT INTO $S.t VALUES (1)")
	e.exec("INSERT INTO public.pgsrc_hb_other_" + e.slot + " (pad) SELECT repeat('x', 1000) FROM generate_series(1, 5000)")
	var walAfter uint64
	var s string
	if err := e.admin.QueryRow(context.Background(), "SELECT pg_current_wal_lsn()::text").Scan(&s); err != nil {
		t.Fatal(err)
	}
	walAfter, _ = parseLSN(s)
	e.exec("INSERT INTO $S.t VALUES (2)")

	var rows, hbRows, heartbeats int
	var lastTx uint64
	deadline := time.Now().Add(20 * time.Second)
	for (rows < 2 || heartbeats < 10 || hbRows < 5) && time.Now().Before(deadline) {
		ev := next(t, st, 1)[0]
		if ev.Pos.Tx < lastTx {
			t.Fatalf("position %+v before the last one's Tx %X", ev.Pos, lastTx)
		}
		lastTx = ev.Pos.Tx
		switch {
		case ev.Message != nil && ev.Message.FullTopic:
			heartbeats++
			if ev.Message.Topic != "__debezium-heartbeat.itest" || !ev.Pos.Last {
				t.Fatalf("heartbeat %+v at %+v", ev.Message, ev.Pos)
			}
		case ev.Table != nil && ev.Table.ID.Name == "t":
			rows++
		case ev.Table != nil && ev.Table.ID.Name == "hb":
			hbRows++
		}
		if err := st.Ack(ev.Pos); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d rows, %d action query rows, %d heartbeats; confirmed %X, WAL after the uncaptured writes %X", rows, hbRows, heartbeats, st.AckedLSN(), walAfter)
	if rows != 2 || heartbeats < 10 || hbRows < 5 {
		t.Fatalf("%d rows (want 2), %d heartbeats (want 10), %d action query rows (want 5)", rows, heartbeats, hbRows)
	}
	if st.AckedLSN() < walAfter {
		t.Errorf("confirmed %X, before the uncaptured writes' end %X", st.AckedLSN(), walAfter)
	}
	for range 50 {
		if slotFlush(t, e) >= walAfter {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("slot at %X, before the uncaptured writes' end %X", slotFlush(t, e), walAfter)
}
