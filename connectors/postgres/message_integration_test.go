//go:build integration

package postgres

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/change"
)

// newMessageEnv is a pgEnv in a database of its own: logical decoding
// messages are seen by every slot of their database, so emitting them in the
// shared test database would show them to other tests' streams.
func newMessageEnv(t *testing.T) (*pgEnv, string) {
	t.Helper()
	ctx := context.Background()
	root, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		t.Skipf("no Postgres at %s (run integration/env/up): %v", testDSN(), err)
	}
	name := "pgmsg_" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	if _, err := root.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	cc, err := pgx.ParseConfig(testDSN())
	if err != nil {
		t.Fatal(err)
	}
	cc.Database = name
	admin, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	e := &pgEnv{t: t, admin: admin, schema: name, slot: name, pub: name}
	e.exec("CREATE SCHEMA " + e.schema)
	t.Cleanup(func() {
		for range 50 { // the slot is released when the stream's connection closes
			var active bool
			if err := admin.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", e.slot).Scan(&active); err != nil || !active {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := admin.Exec(ctx, "SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1", e.slot); err != nil {
			t.Errorf("drop slot: %v", err)
		}
		admin.Close(ctx)
		if _, err := root.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
		root.Close(ctx)
	})
	return e, name
}

// TestIntegrationLogicalDecodingMessages emits logical decoding messages on
// the real server, in a transaction and outside one (also directly before a
// commit, where the message's LSN is the commit's), and checks the events,
// their order and positions, the prefix filter, a resume at each position
// without acknowledging (so the server replays everything), and what Ack
// confirms.
func TestIntegrationLogicalDecodingMessages(t *testing.T) {
	e, db := newMessageEnv(t)
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY)")
	cfg := e.config(map[string]string{
		"database.dbname":             db,
		"snapshot.mode":               "no_data",
		"message.prefix.exclude.list": "skip.*",
		"binary.handling.mode":        "hex",
	})
	st := e.open(cfg, nil)

	e.exec(
		"BEGIN",
		"SELECT pg_logical_emit_message(true, 'app', 'in tx')",
		"INSERT INTO $S.t VALUES (1)",
		"SELECT pg_logical_emit_message(true, 'skip_me', 'filtered')",
		"COMMIT",
		"SELECT pg_logical_emit_message(false, 'app', 'outside')",
		"SELECT pg_logical_emit_message(false, 'skipped', 'filtered')",
		"BEGIN",
		"INSERT INTO $S.t VALUES (2)",
		"SELECT pg_logical_emit_message(false, 'app', 'adjacent')",
		"COMMIT",
		`SELECT pg_logical_emit_message(false, 'bin', '\x00ff10'::bytea)`,
		// A rolled-back transaction's transactional message is never decoded.
		"BEGIN",
		"SELECT pg_logical_emit_message(true, 'app', 'rolled back')",
		"ROLLBACK",
		"INSERT INTO $S.t VALUES (3)",
	)
	evs := next(t, st, 7)
	desc := func(ev *change.Event) string {
		if ev.Message != nil {
			return "m:" + ev.Message.Key[0].(string) + ":" + ev.Message.Value[4].(change.StructValue)[1].(string)
		}
		return "row:" + strconv.Itoa(int(idOf(ev)))
	}
	var got []string
	for _, ev := range evs {
		got = append(got, desc(ev))
	}
	// hex content: binary.handling.mode=hex
	want := []string{"m:app:696e207478", "row:1", "m:app:6f757473696465", "m:app:61646a6163656e74", "row:2", "m:bin:00ff10", "row:3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
	quietMsg(t, st, 300*time.Millisecond)

	for i := 1; i < len(evs); i++ {
		a, b := evs[i-1].Pos, evs[i].Pos
		if !(a.Tx < b.Tx || a.Tx == b.Tx && a.Index < b.Index) {
			t.Errorf("position %d %+v does not follow %+v", i, b, a)
		}
	}
	tm, out, adj, row2 := evs[0], evs[2], evs[3], evs[4]
	if tm.Pos.Tx != evs[1].Pos.Tx || tm.Pos.Index != 0 || tm.Pos.Last || !evs[1].Pos.Last || evs[1].Pos.Index != 1 {
		t.Errorf("transactional message %+v and row %+v: want indexes 0 and 1 of one transaction", tm.Pos, evs[1].Pos)
	}
	src := tm.Message.Value[2].(change.StructValue)
	if src[11] != evs[1].Source[11] || src[3] != evs[1].Source[3] || src[9] != "" || src[10] != "" || src[2] != "itest" || src[5] != db {
		t.Errorf("transactional message source %v, row source %v", src, evs[1].Source)
	}
	for _, m := range []*change.Event{out, adj} {
		src := m.Message.Value[2].(change.StructValue)
		lsn := src[12].(int64)
		if !m.Pos.Last || m.Pos.Index != 0 || m.Pos.Tx != uint64(lsn)-1 || src[11] != nil || src[6] != `["`+strconv.FormatInt(lsn, 10)+`","`+strconv.FormatInt(lsn, 10)+`"]` {
			t.Errorf("non-transactional message pos %+v source %v", m.Pos, src)
		}
		if m.Message.ValueSchema.Fields[4].Fields[1].Type != change.String {
			t.Errorf("hex mode content schema %v", m.Message.ValueSchema.Fields[4].Fields[1])
		}
	}
	adjLSN := uint64(adj.Message.Value[2].(change.StructValue)[12].(int64))
	t.Logf("message before a commit: message LSN %d, commit LSN %d", adjLSN, row2.Pos.Tx)
	if adjLSN > row2.Pos.Tx {
		t.Errorf("message LSN %d after the commit LSN %d of the transaction decoded after it", adjLSN, row2.Pos.Tx)
	}

	// Resume at every position: the server replays from the slot's start
	// (nothing was acknowledged) and exactly the later events come out.
	st.Close()
	for i := range evs {
		cp := evs[i].Pos
		rs := e.open(cfg, &cp)
		rest := next(t, rs, len(evs)-i-1)
		for j, ev := range rest {
			if desc(ev) != want[i+1+j] || ev.Pos.Tx != evs[i+1+j].Pos.Tx || ev.Pos.Index != evs[i+1+j].Pos.Index {
				t.Errorf("resume at %d %+v: event %d is %s at %+v, want %s at %+v", i, cp, j, desc(ev), ev.Pos, want[i+1+j], evs[i+1+j].Pos)
			}
		}
		quietMsg(t, rs, 200*time.Millisecond)
		rs.Close()
	}

	// Ack: acknowledging a message directly followed by a commit confirms
	// up to the message's LSN, never into the transaction after it. (The
	// resumed streams above confirmed what they skipped, so these are new
	// changes.)
	cp := evs[len(evs)-1].Pos
	rs := e.open(cfg, &cp)
	e.exec(
		"BEGIN",
		"INSERT INTO $S.t VALUES (4)",
		"SELECT pg_logical_emit_message(false, 'app', 'adjacent2')",
		"COMMIT",
		"INSERT INTO $S.t VALUES (5)",
	)
	more := next(t, rs, 3)
	if got := desc(more[0]) + " " + desc(more[1]) + " " + desc(more[2]); got != "m:app:61646a6163656e7432 row:4 row:5" {
		t.Fatalf("events %s", got)
	}
	msgLSN := uint64(more[0].Message.Value[2].(change.StructValue)[12].(int64))
	if err := rs.Ack(more[0].Pos); err != nil {
		t.Fatal(err)
	}
	if got := rs.AckedLSN(); got != msgLSN || got > more[1].Pos.Tx {
		t.Errorf("confirmed %d after the message at %d (next commit %d)", got, msgLSN, more[1].Pos.Tx)
	}
	last := more[2].Pos
	if err := rs.Ack(last); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var flushed string
		if err := e.admin.QueryRow(context.Background(), "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1", e.slot).Scan(&flushed); err != nil {
			t.Fatal(err)
		}
		if lsn, err := parseLSNText(flushed); err == nil && lsn > last.Tx {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot confirmed_flush_lsn %s, want past %d", flushed, last.Tx)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rs.Close()
	// Nothing is replayed after everything was confirmed.
	quietMsg(t, e.open(cfg, &last), 500*time.Millisecond)
}

func parseLSNText(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, err
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, err
	}
	return h<<32 | l, nil
}

// quietMsg checks that no event (row or message) arrives within d.
func quietMsg(t *testing.T, st *Stream, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if ev, err := st.Next(ctx); err == nil {
		t.Fatalf("unexpected event %c message %+v after %v pos %+v", ev.Op, ev.Message, ev.After, ev.Pos)
	}
}
