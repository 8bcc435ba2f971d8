//go:build integration

package postgres

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestIntegrationSnapshotResumeCrashes interrupts a snapshot, then its
// resumption, while changes are made between the runs. Each run
// acknowledges what it took, as the runtime does after a commit. What the
// runs gave up to their checkpoints must be every change exactly once, in
// order, after every read, with each row read at most once and only if no
// change to it came before.
func TestIntegrationSnapshotResumeCrashes(t *testing.T) {
	e := newPGEnv(t, "resumecrash")
	e.exec(
		"CREATE TABLE $S.t (id int PRIMARY KEY, v text NOT NULL)",
		"INSERT INTO $S.t SELECT g, 'v' || g FROM generate_series(1, 100) g",
	)
	cfg := e.config(map[string]string{"snapshot.fetch.size": "10"})
	var got []*change.Event
	take := func(st *Stream, n int) []*change.Event {
		t.Helper()
		evs := next(t, st, n)
		got = append(got, evs...)
		for _, ev := range evs {
			if err := st.Ack(ev.Pos); err != nil {
				t.Fatal(err)
			}
		}
		return evs
	}
	settle := func() { time.Sleep(300 * time.Millisecond) } // status updates every 100 ms

	// Run 1: the first 25 rows.
	st := e.open(cfg, nil)
	cp1 := take(st, 25)[24].Pos
	st.Close()
	start := slotFlush(t, e)

	// Changes to read rows, to unread rows, and a row born and deleted.
	e.exec(
		"UPDATE $S.t SET v = 'a80' WHERE id = 80",
		"INSERT INTO $S.t VALUES (200, 'a200')",
		"DELETE FROM $S.t WHERE id = 200",
		"UPDATE $S.t SET v = 'a10' WHERE id = 10",
		"INSERT INTO $S.t VALUES (201, 'a201')",
	)
	// Run 2: crash after 10 rows of the resumed snapshot.
	st = e.open(cfg, &cp1)
	evs := take(st, 10)
	cp2 := evs[9].Pos
	if !cp2.Snapshot || string(cp2.Key) != `["35"]` {
		t.Fatalf("resumed snapshot checkpoint %+v", cp2)
	}
	settle()
	if at := slotFlush(t, e); at != start {
		t.Errorf("slot confirmed at %d during the resumed snapshot, want its start %d", at, start)
	}
	st.Close()

	e.exec(
		"UPDATE $S.t SET v = 'b81' WHERE id = 81",
		"UPDATE $S.t SET v = 'b30' WHERE id = 30",
		"DELETE FROM $S.t WHERE id = 201",
	)
	// Run 3: read the rest, stream on.
	st = e.open(cfg, &cp2)
	e.exec("INSERT INTO $S.t VALUES (9999, 'sentinel')")
	for {
		ev := take(st, 1)[0]
		if ev.Op == change.OpCreate && idOf(ev) == 9999 {
			break
		}
		if len(got) > 500 {
			t.Fatal("sentinel never arrived")
		}
	}
	quiet(t, st, 300*time.Millisecond)
	st.Close() // sends the acknowledged position

	hist := map[int32][]string{}
	state := map[int32]string{}
	streamed := false
	for _, ev := range got {
		id := idOf(ev)
		hist[id] = append(hist[id], string(ev.Op))
		switch ev.Op {
		case change.OpDelete:
			delete(state, id)
		case change.OpRead:
			if streamed {
				t.Errorf("id %d read after the stream started", id)
			}
			state[id] = ev.After[1].(string)
		default:
			streamed = true
			state[id] = ev.After[1].(string)
		}
	}
	for id, want := range map[int32]string{
		1: "r", 25: "r", 26: "r", 35: "r", 36: "r", 100: "r",
		10: "r,u", 80: "u", 200: "c,d", 201: "c,d", 81: "u", 30: "r,u", 9999: "c",
	} {
		if got := strings.Join(hist[id], ","); got != want {
			t.Errorf("id %d: events %q, want %q", id, got, want)
		}
	}
	final := map[int32]string{}
	rows, err := e.admin.Query(context.Background(), "SELECT id, v FROM "+e.schema+".t")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int32
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		final[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(state, final) {
		t.Errorf("reconstructed table differs from the final table:\n got %v\nwant %v", state, final)
	}
	// 25 + 10 reads, the other 65 rows but 80 and 81 (changed), 8 changes,
	// the sentinel.
	if want := 25 + 10 + 63 + 8 + 1; len(got) != want {
		t.Errorf("%d events, want %d", len(got), want)
	}
	if at := slotFlush(t, e); at <= start {
		t.Errorf("slot confirmed at %d, not past the snapshot's start %d after the stream", at, start)
	}
}
