//go:build integration

package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// openTestView opens an incremental snapshot view on a new connection.
func (e *pgEnv) openTestView(ctx context.Context, cfg *Config) *incView {
	e.t.Helper()
	q, err := connectQuery(ctx, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := openIncView(ctx, q, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *pgEnv) walInsert(ctx context.Context) uint64 {
	e.t.Helper()
	var s string
	if err := e.admin.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&s); err != nil {
		e.t.Fatal(err)
	}
	l, err := parseLSN(s)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// scanKeys reads one chunk and returns each row's key joined by "|".
func scanKeys(t *testing.T, v capture.View, tb *capture.Table, cond string, after, upTo []string, limit int) []string {
	t.Helper()
	var got []string
	n, err := v.Scan(context.Background(), tb, cond, after, upTo, limit, func(ev *change.Event, key []string, size int) error {
		if ev.Op != change.OpRead || ev.Source[4] != "incremental" || size <= 0 {
			t.Errorf("row %v: op %c, source.snapshot %v, size %d", key, ev.Op, ev.Source[4], size)
		}
		got = append(got, strings.Join(key, "|"))
		return nil
	})
	if err != nil || n != len(got) {
		t.Fatalf("scan: %d rows, %v", n, err)
	}
	return got
}

// TestIntegrationIncView: a Postgres incremental snapshot view reads chunks
// within their bounds and condition, by a multi-column key with text in
// byte order, by a surrogate key, refuses a keyless table naming
// surrogate-key, and its watermark is the WAL insert position after its
// snapshot, whose visibility test tells a transaction committed before it
// from one still running when it was taken.
func TestIntegrationIncView(t *testing.T) {
	e := newPGEnv(t, "incview")
	e.exec("CREATE TABLE $S.a (id int PRIMARY KEY, v text)",
		"INSERT INTO $S.a SELECT g, 'v' || g FROM generate_series(1, 10) g",
		"CREATE TABLE $S.m (a int, b text, c int, PRIMARY KEY (a, b))",
		"INSERT INTO $S.m VALUES (1,'a',1),(1,'B',2),(1,'b',3),(2,'a',4),(2,'b',5)",
		"CREATE TABLE $S.n (u int, v int)",
		"INSERT INTO $S.n VALUES (3,30),(1,10),(2,20),(NULL,40)")
	cfg := e.config(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var doneXid uint64
	if err := e.admin.QueryRow(ctx, "SELECT txid_current()").Scan(&doneXid); err != nil {
		t.Fatal(err)
	}
	// A transaction running while the view's snapshot is taken.
	other, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var runXid uint64
	if err := tx.QueryRow(ctx, "INSERT INTO "+e.schema+".a VALUES (11, 'late') RETURNING txid_current()").Scan(&runXid); err != nil {
		t.Fatal(err)
	}

	before := e.walInsert(ctx)
	v := e.openTestView(ctx, &cfg)
	defer v.Close()
	after := e.walInsert(ctx)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	e.exec("UPDATE $S.a SET v = 'new' WHERE id = 2")
	w := v.At()
	if w.Exact || w.Point.Order() < watermarkPoint(before, 8192) || w.Point.Order() > after {
		t.Fatalf("watermark at %d (exact %v), want a visibility one between %d and %d", w.Point.Order(), w.Exact, before, after)
	}
	if !w.Visible(capture.TxRef{XID: doneXid}) || !w.Visible(capture.TxRef{XID: uint64(uint32(doneXid))}) {
		t.Errorf("a transaction committed before the view (xid %d) is not visible", doneXid)
	}
	if w.Visible(capture.TxRef{XID: runXid}) || w.Visible(capture.TxRef{XID: runXid + 1000}) {
		t.Errorf("a transaction running at the view (xid %d) or a later one is visible", runXid)
	}
	if moved := e.walInsert(ctx); moved <= w.Point.Order() {
		t.Errorf("WAL after later commits at %d, not beyond the watermark %d", moved, w.Point.Order())
	}

	id := func(n string) change.TableID { return change.TableID{Namespace: e.schema, Name: n} }
	ta, err := v.Table(ctx, id("a"), "")
	if err != nil || !slices.Equal(ta.Key, []string{"id"}) {
		t.Fatalf("table a: %+v, %v", ta, err)
	}
	cases := []struct {
		name        string
		cond        string
		after, upTo []string
		limit       int
		want        []string
	}{
		{"first chunk", "", nil, []string{"10"}, 3, []string{"1", "2", "3"}},
		{"after and up to", "", []string{"3"}, []string{"7"}, 10, []string{"4", "5", "6", "7"}},
		{"limit inside the bounds", "", []string{"3"}, []string{"7"}, 2, []string{"4", "5"}},
		{"no upper bound; a row committed after the snapshot is not seen", "", []string{"8"}, nil, 10, []string{"9", "10"}},
		{"additional condition", "v <> 'v5' AND id % 2 = 1", nil, nil, 10, []string{"1", "3", "7", "9"}},
		{"condition and both bounds", "id <> 5", []string{"3"}, []string{"7"}, 10, []string{"4", "6", "7"}},
	}
	for _, c := range cases {
		if got := scanKeys(t, v, ta, c.cond, c.after, c.upTo, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := v.Scan(ctx, ta, "", []string{"1"}, []string{"2"}, 1, func(ev *change.Event, _ []string, _ int) error {
		if ev.After[1] != "v2" {
			t.Errorf("row 2 read as %v, want its value at the view", ev.After)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if max, err := v.MaxKey(ctx, ta, ""); err != nil || !slices.Equal(max, []string{"10"}) {
		t.Errorf("max key of a: %v, %v", max, err)
	}
	if max, err := v.MaxKey(ctx, ta, "id < 5"); err != nil || !slices.Equal(max, []string{"4"}) {
		t.Errorf("max key of a with a condition: %v, %v", max, err)
	}
	if max, err := v.MaxKey(ctx, ta, "id > 100"); err != nil || max != nil {
		t.Errorf("max key of no row: %v, %v", max, err)
	}

	tm, err := v.Table(ctx, id("m"), "")
	if err != nil {
		t.Fatal(err)
	}
	// "B" < "a" < "b" in byte order, whatever the database's collation.
	if got := scanKeys(t, v, tm, "", []string{"1", "B"}, []string{"2", "a"}, 10); !slices.Equal(got, []string{"1|a", "1|b", "2|a"}) {
		t.Errorf("multi-column key: %v", got)
	}
	if max, err := v.MaxKey(ctx, tm, ""); err != nil || !slices.Equal(max, []string{"2", "b"}) {
		t.Errorf("max key of m: %v, %v", max, err)
	}

	if _, err := v.Table(ctx, id("n"), ""); err == nil || !strings.Contains(err.Error(), "surrogate-key") {
		t.Errorf("keyless table: %v, want a refusal naming surrogate-key", err)
	}
	if _, err := v.Table(ctx, id("n"), "nope"); err == nil || !strings.Contains(err.Error(), "surrogate-key") {
		t.Errorf("surrogate key of no column: %v", err)
	}
	tn, err := v.Table(ctx, id("n"), "u")
	if err != nil {
		t.Fatal(err)
	}
	if got := scanKeys(t, v, tn, "", []string{"1"}, []string{"3"}, 10); !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("surrogate key: %v", got)
	}
	// A row whose surrogate key is NULL is in no chunk: the maximum key is
	// the greatest value, not the NULL that sorts first in DESC order.
	if max, err := v.MaxKey(ctx, tn, ""); err != nil || !slices.Equal(max, []string{"3"}) {
		t.Errorf("max surrogate key with a NULL: %v, %v", max, err)
	}
	if got := scanKeys(t, v, tn, "", nil, []string{"3"}, 10); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("surrogate key with a NULL, first chunk: %v", got)
	}
	if tb, err := v.Table(ctx, id("gone"), ""); tb != nil || err != nil {
		t.Errorf("missing table: %v, %v", tb, err)
	}
}

// TestIntegrationIncViewDrivesEngine: the engine reads a table through
// Postgres views chunk by chunk; a change by a transaction the view did
// not see removes its row from the chunk, and the rest is emitted once the
// stream reaches the watermark.
func TestIntegrationIncViewDrivesEngine(t *testing.T) {
	e := newPGEnv(t, "incengine")
	e.exec("CREATE TABLE $S.a (id int PRIMARY KEY, v int)", "INSERT INTO $S.a SELECT g, g FROM generate_series(1, 7) g")
	cfg := e.config(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eng := capture.NewIncremental(capture.IncState{Queue: []capture.IncTable{{ID: e.schema + ".a"}}}, 3, slog.New(slog.DiscardHandler))
	open := func(ctx context.Context) (capture.View, error) { return e.openTestView(ctx, &cfg), nil }
	tid := change.TableID{Namespace: e.schema, Name: "a"}
	var got []string
	for i := 0; eng.State().Running(); i++ {
		if i > 10 {
			t.Fatalf("no end: %+v", eng.State())
		}
		if err := eng.Step(ctx, open); err != nil {
			t.Fatal(err)
		}
		// A transaction that commits after the view's snapshot, before L
		// in the stream, changes row 2: the chunk must not emit it.
		var xid uint64
		if err := e.admin.QueryRow(ctx, "SELECT txid_current()").Scan(&xid); err != nil {
			t.Fatal(err)
		}
		if out := eng.Observe(&capture.StreamItem{Table: tid, Key: []string{"2"}, Tx: capture.TxRef{XID: xid}, At: lsnCursor(1)}); out != nil {
			t.Fatalf("emitted before the stream reached the view: %d rows", len(out))
		}
		for _, o := range eng.Observe(&capture.StreamItem{At: lsnCursor(e.walInsert(ctx))}) {
			got = append(got, fmt.Sprintf("%v %c %v", o.Ev.Source[4], o.Ev.Op, o.Ev.After[0]))
		}
	}
	want := []string{"incremental r 1", "incremental r 3", "incremental r 4", "incremental r 5", "incremental r 6", "incremental r 7"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
}
