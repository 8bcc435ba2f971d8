//go:build integration

package postgres

import (
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// rowEvents reads events until n of them are row events (position-only
// events, which carry a signal into the checkpoint, are left out).
func rowEvents(t *testing.T, st *Stream, n int) []*change.Event {
	t.Helper()
	var out []*change.Event
	for len(out) < n {
		for _, ev := range next(t, st, 1) {
			if ev.Table != nil {
				out = append(out, ev)
			}
		}
	}
	return out
}

// TestIntegrationIncrementalStream: an execute-snapshot signal inserted
// into the signal table makes the stream read the table in chunks as op r
// with source.snapshot incremental, on an otherwise idle database, with a
// change after them; a stream reopened at the checkpoint of a row in the
// middle reads the rows after it only.
func TestIntegrationIncrementalStream(t *testing.T) {
	e := newPGEnv(t, "incstream")
	e.exec("CREATE TABLE $S.a (id int PRIMARY KEY, v text)",
		"INSERT INTO $S.a SELECT g, 'v' || g FROM generate_series(1, 7) g",
		"CREATE TABLE $S.sig (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	cfg := e.config(map[string]string{
		"table.include.list":              e.schema + `\.a`,
		"snapshot.mode":                   "no_data",
		"signal.data.collection":          e.schema + ".sig",
		"incremental.snapshot.chunk.size": "3",
	})
	st := e.open(cfg, nil)
	e.exec(`INSERT INTO $S.sig VALUES ('s1', 'execute-snapshot', '{"data-collections": ["$S.a"]}')`)
	evs := rowEvents(t, st, 7)
	for i, ev := range evs {
		if ev.Op != change.OpRead || idOf(ev) != int32(i+1) || ev.Source[4] != "incremental" {
			t.Fatalf("event %d: %c id %d source.snapshot %v; want r %d incremental", i, ev.Op, idOf(ev), ev.Source[4], i+1)
		}
		if err := st.Ack(ev.Pos); err != nil {
			t.Fatal(err)
		}
	}
	e.exec("UPDATE $S.a SET v = 'x' WHERE id = 2")
	if ev := rowEvents(t, st, 1)[0]; ev.Op != change.OpUpdate || idOf(ev) != 2 {
		t.Fatalf("after the snapshot: %c %d, want the update of 2", ev.Op, idOf(ev))
	}
	st.Close()

	// Reopen at the fourth row's checkpoint: the update, not acknowledged,
	// comes again, then rows 5 to 7, read after it.
	cp := evs[3].Pos
	st = e.open(cfg, &cp)
	again := rowEvents(t, st, 4)
	if ev := again[0]; ev.Op != change.OpUpdate || idOf(ev) != 2 {
		t.Fatalf("after the restart: %c %d, want the update of 2 first", ev.Op, idOf(ev))
	}
	for i, ev := range again[1:] {
		if ev.Op != change.OpRead || idOf(ev) != int32(i+5) || ev.After[1] != "v"+string(rune('5'+i)) {
			t.Fatalf("after the restart, event %d: %c %v; want r %d", i+1, ev.Op, ev.After, i+5)
		}
	}
	quiet(t, st, time.Second)
}
