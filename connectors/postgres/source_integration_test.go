//go:build integration

package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/change"
)

func testDSN() string {
	if d := os.Getenv("SLUICE_PG_DSN"); d != "" {
		return d
	}
	return "postgres://postgres:postgres@127.0.0.1:55432/sluice_test"
}

// pgEnv is one test's private schema, slot and publication.
type pgEnv struct {
	t      *testing.T
	admin  *pgx.Conn
	schema string
	slot   string
	pub    string
}

func newPGEnv(t *testing.T, name string) *pgEnv {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		t.Skipf("no Postgres at %s (run integration/env/up): %v", testDSN(), err)
	}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	e := &pgEnv{t: t, admin: admin, schema: "pgsrc_" + name + "_" + suffix, slot: "pgsrc_" + name + "_" + suffix, pub: "pgsrc_" + name + "_" + suffix}
	e.exec("CREATE SCHEMA " + e.schema)
	t.Cleanup(func() {
		ctx := context.Background()
		for range 50 { // the slot is released when the stream's connection closes
			var active bool
			err := admin.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", e.slot).Scan(&active)
			if err != nil || !active {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		admin.Exec(ctx, "SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1", e.slot)
		admin.Exec(ctx, "DROP PUBLICATION IF EXISTS "+e.pub)
		admin.Exec(ctx, "DROP SCHEMA "+e.schema+" CASCADE")
		admin.Close(ctx)
	})
	return e
}

func (e *pgEnv) exec(sqls ...string) {
	e.t.Helper()
	for _, s := range sqls {
		s = strings.ReplaceAll(s, "$S", e.schema)
		if _, err := e.admin.Exec(context.Background(), s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func (e *pgEnv) config(extra map[string]string) Config {
	e.t.Helper()
	pc, err := pgconn.ParseConfig(testDSN())
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]string{
		"database.hostname":           pc.Host,
		"database.port":               strconv.Itoa(int(pc.Port)),
		"database.user":               pc.User,
		"database.password":           pc.Password,
		"database.dbname":             pc.Database,
		"topic.prefix":                "itest",
		"table.include.list":          e.schema + `\..*`,
		"slot.name":                   e.slot,
		"publication.name":            e.pub,
		"publication.autocreate.mode": "filtered",
		"status.update.interval.ms":   "100",
	}
	for k, v := range extra {
		m[k] = v
	}
	c, err := ParseConfig("itest", m)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *pgEnv) open(cfg Config, cp *change.Position) *Stream {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := NewSource(cfg, log).Open(ctx, cp)
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// next reads n events.
func next(t *testing.T, st *Stream, n int) []*change.Event {
	t.Helper()
	var out []*change.Event
	for len(out) < n {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		ev, err := st.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, ev)
	}
	return out
}

// quiet checks that no event arrives within d.
func quiet(t *testing.T, st *Stream, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if ev, err := st.Next(ctx); err == nil {
		t.Fatalf("unexpected event %c %s %v pos %+v", ev.Op, ev.Table.ID, ev.After, ev.Pos)
	}
}

func idOf(ev *change.Event) int32 {
	img := ev.After
	if img == nil {
		img = ev.Before
	}
	return img[0].(int32)
}

func TestIntegrationSnapshotThenStream(t *testing.T) {
	e := newPGEnv(t, "snap")
	e.exec(
		"CREATE TABLE $S.a (id int PRIMARY KEY, name text NOT NULL, note text)",
		"CREATE TABLE $S.b (id int PRIMARY KEY, v int)",
		"CREATE TABLE $S.empty (id int PRIMARY KEY)",
		"INSERT INTO $S.a SELECT g, 'n' || g, NULL FROM generate_series(1, 25) g",
		"INSERT INTO $S.b SELECT g, g FROM generate_series(1, 3) g",
	)
	st := e.open(e.config(map[string]string{"snapshot.fetch.size": "10", "skipped.operations": "none"}), nil)

	evs := next(t, st, 28)
	for i, ev := range evs {
		table := e.schema + ".a"
		idx := i + 1
		if i >= 25 {
			table, idx = e.schema+".b", i-24
		}
		if ev.Op != change.OpRead || ev.Pos.Table != table || ev.Pos.Index != int64(idx) || !ev.Pos.Snapshot || idOf(ev) != int32(idx) {
			t.Fatalf("event %d: op %c table %s pos %+v", i, ev.Op, ev.Table.ID, ev.Pos)
		}
		wantLast := idx%10 == 0 || (table == e.schema+".a" && idx == 25) || (table == e.schema+".b" && idx == 3)
		if ev.Pos.Last != wantLast {
			t.Errorf("event %d: Last=%v", i, ev.Pos.Last)
		}
		if string(ev.Pos.Key) != fmt.Sprintf(`["%d"]`, idx) {
			t.Errorf("event %d: key %s", i, ev.Pos.Key)
		}
	}
	markers := map[int]string{0: "first", 1: "true", 24: "last_in_data_collection", 25: "first_in_data_collection", 26: "true", 27: "last"}
	for i, want := range markers {
		if got := evs[i].Source[4]; got != want {
			t.Errorf("event %d: snapshot marker %v, want %s", i, got, want)
		}
	}
	if !reflect.DeepEqual(evs[0].After, change.Row{int32(1), "n1", nil}) {
		t.Errorf("first row %v", evs[0].After)
	}

	e.exec(
		"BEGIN",
		"INSERT INTO $S.a VALUES (100, 'hundred', 'x')",
		"UPDATE $S.a SET name = 'one' WHERE id = 1",
		"DELETE FROM $S.a WHERE id = 2",
		"UPDATE $S.a SET id = 200 WHERE id = 3",
		"COMMIT",
		"ALTER TABLE $S.b REPLICA IDENTITY FULL",
		"UPDATE $S.b SET v = 10 WHERE id = 1",
		"TRUNCATE $S.b",
	)
	evs = next(t, st, 7)
	type want struct {
		op     change.Op
		id     int32
		before bool
		index  int64
		last   bool
	}
	wants := []want{
		{change.OpCreate, 100, false, 0, false},
		{change.OpUpdate, 1, false, 1, false},
		{change.OpDelete, 2, true, 2, false},
		{change.OpDelete, 3, true, 3, false},
		{change.OpCreate, 200, false, 4, true},
		{change.OpUpdate, 1, true, 0, true},
		{change.OpTruncate, 0, false, 0, true},
	}
	for i, w := range wants {
		ev := evs[i]
		if ev.Op != w.op || (w.op != change.OpTruncate && idOf(ev) != w.id) || (ev.Before != nil) != w.before || ev.Pos.Index != w.index || ev.Pos.Last != w.last || ev.Pos.Snapshot {
			t.Errorf("stream event %d: op %c before %v after %v pos %+v; want %+v", i, ev.Op, ev.Before, ev.After, ev.Pos, w)
		}
		if ev.Source[4] != "false" || ev.Source[12].(int64) == 0 || ev.Source[11] == nil {
			t.Errorf("stream event %d source %v", i, ev.Source)
		}
	}
	if evs[0].Pos.Tx != evs[4].Pos.Tx || evs[5].Pos.Tx <= evs[4].Pos.Tx || evs[6].Pos.Tx <= evs[5].Pos.Tx {
		t.Errorf("commit LSNs: %d %d %d %d", evs[0].Pos.Tx, evs[4].Pos.Tx, evs[5].Pos.Tx, evs[6].Pos.Tx)
	}
	// delete under REPLICA IDENTITY DEFAULT: key, NOT NULL fallback, nullable null
	if !reflect.DeepEqual(evs[2].Before, change.Row{int32(2), "", nil}) {
		t.Errorf("delete before %#v", evs[2].Before)
	}
	if !reflect.DeepEqual(evs[5].Before, change.Row{int32(1), int32(1)}) || !reflect.DeepEqual(evs[5].After, change.Row{int32(1), int32(10)}) {
		t.Errorf("FULL update %v -> %v", evs[5].Before, evs[5].After)
	}
	if len(evs[3].Headers) != 1 || string(evs[3].Headers[0].Value) != `{"id":200}` {
		t.Errorf("key change headers %v", evs[3].Headers)
	}
	if evs[6].Table.ID.Name != "b" {
		t.Errorf("truncate of %v", evs[6].Table.ID)
	}
	quiet(t, st, 300*time.Millisecond)
}
