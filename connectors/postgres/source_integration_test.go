//go:build integration

package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
		for _, q := range []string{
			"SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1",
			"DROP PUBLICATION IF EXISTS " + e.pub,
			"DROP SCHEMA " + e.schema + " CASCADE",
		} {
			var args []any
			if strings.Contains(q, "$1") {
				args = []any{e.slot}
			}
			if _, err := admin.Exec(ctx, q, args...); err != nil {
				t.Errorf("cleanup %q: %v", q, err)
			}
		}
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
		if ev.Source[4] != nil || ev.Source[12].(int64) == 0 || ev.Source[11] == nil {
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

func TestIntegrationPrerequisites(t *testing.T) {
	e := newPGEnv(t, "prereq")
	e.exec(
		"CREATE TABLE $S.nokey (v int)",
		"CREATE TABLE $S.nothing (id int PRIMARY KEY)",
		"ALTER TABLE $S.nothing REPLICA IDENTITY NOTHING",
		"CREATE TABLE $S.full_nokey (v int)",
		"ALTER TABLE $S.full_nokey REPLICA IDENTITY FULL",
		"CREATE TABLE $S.ok (id int PRIMARY KEY)",
	)
	cfg := e.config(map[string]string{
		"table.include.list":          e.schema + `\..*,` + e.schema + ".missing",
		"publication.autocreate.mode": "disabled",
	})
	_, err := NewSource(cfg, nil).Open(context.Background(), nil)
	var pe *PrerequisiteError
	if !errors.As(err, &pe) || !errors.Is(err, ErrPrerequisites) || IsRetryable(err) {
		t.Fatalf("want a terminal PrerequisiteError, got %T %v", err, err)
	}
	msg := err.Error()
	for _, want := range []string{
		e.schema + ".nokey has no primary key", "REPLICA IDENTITY FULL",
		e.schema + ".nothing has REPLICA IDENTITY NOTHING",
		e.schema + ".missing but database",
		"publication \"" + e.pub + "\" does not exist",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "full_nokey") || strings.Contains(msg, ".ok ") {
		t.Errorf("complains about a good table:\n%s", msg)
	}
	if len(pe.Problems) != 4 {
		t.Errorf("%d problems:\n%s", len(pe.Problems), msg)
	}
	var n int
	if err := e.admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", e.slot).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("a slot was created although the prerequisites failed")
	}

	// A role without REPLICATION.
	role := e.schema + "_user"
	e.exec("CREATE ROLE "+role+" LOGIN PASSWORD 'pw'", "GRANT USAGE ON SCHEMA $S TO "+role, "GRANT SELECT ON ALL TABLES IN SCHEMA $S TO "+role)
	t.Cleanup(func() {
		for _, q := range []string{"DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := e.admin.Exec(context.Background(), q); err != nil {
				t.Errorf("cleanup %q: %v", q, err)
			}
		}
	})
	cfg = e.config(map[string]string{"table.include.list": e.schema + ".ok", "database.user": role, "database.password": "pw"})
	_, err = NewSource(cfg, nil).Open(context.Background(), nil)
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || !strings.Contains(err.Error(), "lacks the REPLICATION attribute") ||
		!strings.Contains(err.Error(), "ALTER ROLE") {
		t.Fatalf("no-replication role: %v", err)
	}
}

func TestIntegrationResumeInsideLargeTransaction(t *testing.T) {
	e := newPGEnv(t, "bigtx")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY, v text)")
	cfg := e.config(map[string]string{"snapshot.mode": "no_data"})
	st := e.open(cfg, nil)
	e.exec("INSERT INTO $S.t SELECT g, 'v' || g FROM generate_series(1, 10000) g")
	evs := next(t, st, 5000)
	cp := evs[4999].Pos
	if cp.Index != 4999 || cp.Last || idOf(evs[4999]) != 5000 {
		t.Fatalf("checkpoint %+v id %d", cp, idOf(evs[4999]))
	}
	_ = st.Ack(cp) // inside the transaction: must not move the slot
	st.Close()

	st = e.open(cfg, &cp)
	rest := next(t, st, 5000)
	for i, ev := range rest {
		if idOf(ev) != int32(5001+i) || ev.Pos.Tx != cp.Tx || ev.Pos.Index != int64(5000+i) {
			t.Fatalf("resumed event %d: id %d pos %+v", i, idOf(ev), ev.Pos)
		}
	}
	if !rest[4999].Pos.Last {
		t.Error("last event not marked Last")
	}
	quiet(t, st, 300*time.Millisecond)

	// A later transaction still flows after the resumed one.
	e.exec("INSERT INTO $S.t VALUES (10001, 'x')")
	if ev := next(t, st, 1)[0]; idOf(ev) != 10001 || ev.Pos.Index != 0 || !ev.Pos.Last || ev.Pos.Tx <= cp.Tx {
		t.Errorf("next transaction %+v", ev.Pos)
	}
}

func slotFlush(t *testing.T, e *pgEnv) uint64 {
	t.Helper()
	var s string
	if err := e.admin.QueryRow(context.Background(), "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1", e.slot).Scan(&s); err != nil {
		t.Fatal(err)
	}
	v, err := parseLSN(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestIntegrationAckMovesSlotToCommitEnds(t *testing.T) {
	e := newPGEnv(t, "ack")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY)")
	st := e.open(e.config(map[string]string{"snapshot.mode": "no_data"}), nil)
	start := slotFlush(t, e)
	e.exec("INSERT INTO $S.t SELECT generate_series(1, 3)", "INSERT INTO $S.t SELECT generate_series(4, 5)")
	evs := next(t, st, 5)
	tx1, tx2 := evs[0].Pos.Tx, evs[3].Pos.Tx

	// Keepalives between transactions may move the slot while nothing is
	// outstanding, but never past the start of a transaction not yet acked.
	_ = st.Ack(evs[1].Pos) // inside tx1
	time.Sleep(400 * time.Millisecond)
	if got := slotFlush(t, e); got > tx1 || got < start {
		t.Fatalf("slot at %X after acking inside a transaction (start %X, tx1 commit %X)", got, start, tx1)
	}
	_ = st.Ack(evs[2].Pos) // end of tx1
	var got uint64
	for range 50 {
		if got = slotFlush(t, e); got > tx1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got <= tx1 || got > tx2 || got != st.AckedLSN() {
		t.Fatalf("after tx1: slot at %X, tx1 commit %X, tx2 commit %X, acked %X", got, tx1, tx2, st.AckedLSN())
	}
	_ = st.Ack(evs[3].Pos) // inside tx2
	time.Sleep(400 * time.Millisecond)
	if now := slotFlush(t, e); now != got {
		t.Fatalf("slot moved inside tx2: %X", now)
	}
	_ = st.Ack(evs[4].Pos)
	st.Close() // sends the last status update; the server applies it asynchronously
	now := slotFlush(t, e)
	for i := 0; i < 50 && now <= tx2; i++ {
		time.Sleep(50 * time.Millisecond)
		now = slotFlush(t, e)
	}
	if now <= tx2 {
		t.Fatalf("after tx2 and close: slot at %X, tx2 commit %X", now, tx2)
	}
}

// TestIntegrationSnapshotResume stops a snapshot half way, changes rows in
// both the read and the unread halves, resumes from the checkpoint and
// checks that the events reconstruct the final table with every change
// exactly once.
func TestIntegrationSnapshotResume(t *testing.T) {
	e := newPGEnv(t, "resume")
	e.exec(
		"CREATE TABLE $S.t (id int PRIMARY KEY, v text NOT NULL)",
		"INSERT INTO $S.t SELECT g, 'v' || g FROM generate_series(1, 100) g",
		"CREATE TABLE $S.u (k text PRIMARY KEY, v int)",
		"INSERT INTO $S.u VALUES ('a', 1), ('B', 2), ('c', 3)",
	)
	cfg := e.config(map[string]string{"snapshot.fetch.size": "10"})
	st := e.open(cfg, nil)
	first := next(t, st, 45)
	cp := first[44].Pos
	if !cp.Snapshot || cp.Table != e.schema+".t" || string(cp.Key) != `["45"]` || cp.Index != 45 || cp.Last {
		t.Fatalf("checkpoint %+v", cp)
	}
	st.Close()

	e.exec(
		"UPDATE $S.t SET v = 'upd10' WHERE id = 10", // read half
		"UPDATE $S.t SET v = 'upd80' WHERE id = 80", // unread half
		"DELETE FROM $S.t WHERE id = 20",
		"DELETE FROM $S.t WHERE id = 90",
		"INSERT INTO $S.t VALUES (0, 'new0'), (150, 'new150')",
		"UPDATE $S.t SET id = 140 WHERE id = 40", // key moves from the read half to the unread one
		"UPDATE $S.t SET id = -1 WHERE id = 60",  // and back
		"UPDATE $S.u SET v = 20 WHERE k = 'B'",
	)
	st = e.open(cfg, &cp)
	// Changes after the resumed snapshot began.
	e.exec(
		"UPDATE $S.t SET v = 'late99' WHERE id = 99",
		"INSERT INTO $S.t VALUES (9999, 'sentinel')",
	)
	var second []*change.Event
	for {
		ev := next(t, st, 1)[0]
		second = append(second, ev)
		if ev.Table.ID.Name == "t" && ev.Op == change.OpCreate && idOf(ev) == 9999 {
			break
		}
		if len(second) > 500 {
			t.Fatal("sentinel never arrived")
		}
	}
	quiet(t, st, 300*time.Millisecond)

	// Event history per id of table t.
	hist := map[int32][]string{}
	state := map[int32]string{}
	for _, ev := range append(first, second...) {
		if ev.Table.ID.Name != "t" {
			continue
		}
		id := idOf(ev)
		hist[id] = append(hist[id], string(ev.Op))
		switch ev.Op {
		case change.OpDelete:
			delete(state, id)
		default:
			state[id] = ev.After[1].(string)
		}
	}
	// Rows not read before the crash that changed before the resumed
	// snapshot get those changes, streamed, and no read (resume.go).
	for id, want := range map[int32]string{
		10: "r,u", 80: "u", 20: "r,d", 90: "d", 0: "c", 150: "c",
		40: "r,d", 140: "c", -1: "c", 60: "d", 99: "r,u", 9999: "c", 50: "r", 1: "r",
	} {
		if got := strings.Join(hist[id], ","); got != want {
			t.Errorf("id %d: events %q, want %q", id, got, want)
		}
	}
	for id, h := range hist {
		seen := map[string]bool{}
		for _, op := range h {
			if op == "r" && seen[op] {
				t.Errorf("id %d read twice: %v", id, h)
			}
			seen[op] = true
		}
	}

	rows, err := e.admin.Query(context.Background(), "SELECT id, v FROM "+e.schema+".t")
	if err != nil {
		t.Fatal(err)
	}
	final := map[int32]string{}
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

	// Table u was read entirely after the resume: the rows its update did
	// not change, then the update.
	var u []string
	for _, ev := range second {
		if ev.Table.ID.Name == "u" {
			u = append(u, fmt.Sprintf("%c:%v=%v", ev.Op, ev.After[0], ev.After[1]))
		}
	}
	if want := []string{"r:a=1", "r:c=3", "u:B=20"}; !reflect.DeepEqual(u, want) { // COLLATE "C" order
		t.Errorf("table u events %v, want %v", u, want)
	}
	// Streaming positions carry the regions until the stream passes them.
	last := second[len(second)-1]
	if last.Pos.Snapshot || bytes.Contains(last.Pos.State, []byte(`"regions"`)) || !bytes.Contains(last.Pos.State, []byte(`"schemas"`)) {
		t.Errorf("sentinel position %s: regions should be dropped by now, the schema versions kept", last.Pos.State)
	}
}

func TestIntegrationExistingSlotSnapshotAndSchemaChange(t *testing.T) {
	e := newPGEnv(t, "oldslot")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY, v text)")
	// The publication must be older than the slot, or pgoutput cannot decode.
	e.exec("CREATE PUBLICATION "+e.pub+" FOR TABLE $S.t", "SELECT pg_create_logical_replication_slot('"+e.slot+"', 'pgoutput')")
	// Committed after the slot's start: in the stream and in the snapshot.
	e.exec("INSERT INTO $S.t SELECT g, 'v' FROM generate_series(1, 5) g", "UPDATE $S.t SET v = 'w' WHERE id = 2")
	st := e.open(e.config(nil), nil)
	evs := next(t, st, 5)
	for i, ev := range evs {
		if ev.Op != change.OpRead || idOf(ev) != int32(i+1) || ev.Table.Version != 1 {
			t.Fatalf("snapshot event %d: %c %v", i, ev.Op, ev.After)
		}
	}
	e.exec("ALTER TABLE $S.t ADD COLUMN n int NOT NULL DEFAULT 7", "INSERT INTO $S.t VALUES (6, 'x', 8)")
	ev := next(t, st, 1)[0]
	if ev.Op != change.OpCreate || idOf(ev) != 6 {
		t.Fatalf("the stream repeated a change the snapshot holds: %c %v", ev.Op, ev.After)
	}
	if ev.Table.Version != 2 || len(ev.Table.Columns) != 3 || ev.After[2] != int32(8) || evs[0].Table.Version != 1 || len(evs[0].Table.Columns) != 2 {
		t.Errorf("schema change: new v%d %v, old v%d", ev.Table.Version, ev.Table.Columns, evs[0].Table.Version)
	}
	quiet(t, st, 300*time.Millisecond)
}

func TestIntegrationInitialOnlyAndLostSlot(t *testing.T) {
	e := newPGEnv(t, "only")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY)", "INSERT INTO $S.t SELECT generate_series(1, 3)")
	st := e.open(e.config(map[string]string{"snapshot.mode": "initial_only"}), nil)
	next(t, st, 3)
	if _, err := st.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after initial_only snapshot: %v", err)
	}
	var n int
	if err := e.admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", e.slot).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("initial_only created a slot")
	}

	// A streaming checkpoint whose slot is gone.
	_, err := NewSource(e.config(nil), nil).Open(context.Background(), &change.Position{Tx: 1234, Index: 0})
	if !errors.Is(err, ErrSlotLost) || IsRetryable(err) || !strings.Contains(err.Error(), "new snapshot") {
		t.Fatalf("lost slot: %v", err)
	}
}
