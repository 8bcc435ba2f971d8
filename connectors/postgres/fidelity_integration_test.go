//go:build integration

package postgres

import (
	"context"
	"reflect"
	"strconv"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// fidelityRows inserts, with ids from base, the rows Debezium 3.6.1 was
// measured on: numeric NaN/Infinity in nullable columns, infinite and BC
// dates, a numeric[] holding NaN and the geometric types.
func fidelityRows(e *pgEnv, base int) {
	e.exec(
		"INSERT INTO $S.zeta VALUES ("+itoa(base+1)+", 'NaN', 'Infinity', 1, 'infinity', '{infinity,-infinity,2020-01-01}', "+
			"'((1,2),(3,4))', '<(1,1),2>', '((0,0),(1,1),(1,0))', '{1,-1,0}', '[(0,0),(1,1)]', '[(0,0),(1,1)]', '{1.5,NaN}')",
		"INSERT INTO $S.zeta VALUES ("+itoa(base+2)+", 1.5, 2.25, 2, '-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
		"INSERT INTO $S.zeta VALUES ("+itoa(base+3)+", NULL, NULL, 3, '0044-03-15 BC', '{0044-03-15 BC}', NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
	)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestIntegrationDebeziumFidelity checks, against the real server, the
// values Debezium 3.6.1 gave for the same rows (measured on Kafka Connect
// 4.3.0): the snapshot in table.include.list order; NaN/Infinity as null;
// dates through the JDBC driver in the snapshot and in arrays; geometric
// columns left out; the source block's version and origin members.
func TestIntegrationDebeziumFidelity(t *testing.T) {
	e := newPGEnv(t, "fid")
	e.exec(
		"CREATE TABLE $S.zeta (id int PRIMARY KEY, n numeric(10,2), nv numeric, nn numeric NOT NULL DEFAULT 5, d date, da date[], "+
			"b box, c circle, p polygon, l line, s lseg, pa path, na numeric(5,2)[])",
		"CREATE TABLE $S.alpha (id int PRIMARY KEY, v text)",
		"CREATE TABLE $S.mid (id int PRIMARY KEY, v text)",
		"INSERT INTO $S.alpha VALUES (1, 'a')",
		"INSERT INTO $S.mid VALUES (1, 'm')",
	)
	fidelityRows(e, 0)
	cfg := e.config(map[string]string{"table.include.list": e.schema + `\.zeta,` + e.schema + `\.a.*,` + e.schema + `\.mid`})
	st := e.open(cfg, nil)

	snap := next(t, st, 5)
	var order []string
	for _, ev := range snap {
		if len(order) == 0 || order[len(order)-1] != ev.Table.ID.Name {
			order = append(order, ev.Table.ID.Name)
		}
	}
	if want := []string{"zeta", "alpha", "mid"}; !reflect.DeepEqual(order, want) {
		t.Errorf("snapshot order %v, want %v (table.include.list order)", order, want)
	}
	zeta := snap[0].Table
	var names []string
	for _, c := range zeta.Columns {
		names = append(names, c.Name)
	}
	if want := []string{"id", "n", "nv", "nn", "d", "da", "na"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("zeta columns %v, want %v (the geometric ones left out)", names, want)
	}
	one := change.StructValue{int32(0), []byte{1}}
	// Debezium 3.6.1's snapshot of these rows (measured).
	wantSnap := []change.Row{
		{int32(1), nil, nil, one, int32(-622191234), []any{int32(-622191234), int32(-625821272), int32(18262)}, nil},
		{int32(2), b64("AJY="), change.StructValue{int32(2), b64("AOE=")}, change.StructValue{int32(0), []byte{2}}, int32(-625821272), nil, nil},
		{int32(3), nil, nil, change.StructValue{int32(0), []byte{3}}, int32(-703383), []any{int32(-703383)}, nil},
	}
	for i, want := range wantSnap {
		if got := snap[i].After; !equalValues(rowAny(got), rowAny(want)) {
			t.Errorf("snapshot row %d: %#v, want %#v", i, got, want)
		}
	}
	src := snap[0].Source
	if n := len(src); src[0] != "3.6.1.Final" || src[n-2] != nil || src[n-1] != nil || len(src) != len(snap[0].SourceSchema.Fields) {
		t.Errorf("snapshot source %v", src)
	}

	// The same rows streamed, one of them replayed from a replication origin.
	e.exec("SELECT pg_replication_origin_create('" + e.slot + "_o')")
	t.Cleanup(func() { e.exec("SELECT pg_replication_origin_drop('" + e.slot + "_o')") })
	fidelityRows(e, 10)
	tx, err := e.admin.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT pg_replication_origin_session_setup('" + e.slot + "_o')",
		"SELECT pg_replication_origin_xact_setup('0/1234', now())",
		"INSERT INTO " + e.schema + ".alpha VALUES (2, 'replayed')",
	} {
		if _, err := tx.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.exec("SELECT pg_replication_origin_session_reset()")
	e.exec("INSERT INTO $S.alpha VALUES (3, 'local')")

	str := next(t, st, 5)
	wantStream := []change.Row{
		{int32(11), nil, nil, one, int32(-2147472692), []any{int32(-622191234), int32(-625821272), int32(18262)}, nil},
		{int32(12), b64("AJY="), change.StructValue{int32(2), b64("AOE=")}, change.StructValue{int32(0), []byte{2}}, int32(-2147472691), nil, nil},
		{int32(13), nil, nil, change.StructValue{int32(0), []byte{3}}, int32(-735160), []any{int32(-703383)}, nil},
	}
	for i, want := range wantStream {
		if got := str[i].After; !equalValues(rowAny(got), rowAny(want)) {
			t.Errorf("streamed row %d: %#v, want %#v", i, got, want)
		}
	}
	n := len(str[3].Source)
	if got := str[3].Source; got[n-2] != e.slot+"_o" || got[n-1] != int64(0x1234) {
		t.Errorf("replayed row: origin %v, origin_lsn %v; want %s_o, %d", got[n-2], got[n-1], e.slot, 0x1234)
	}
	if got := str[4].Source; got[n-2] != nil || got[n-1] != nil {
		t.Errorf("local row: origin %v, origin_lsn %v; want null", got[n-2], got[n-1])
	}
	for _, ev := range str {
		if ev.Source[0] != "3.6.1.Final" {
			t.Errorf("version %v", ev.Source[0])
		}
	}
}

// TestIntegrationUnknownTypesIncluded checks include.unknown.datatypes=true:
// the geometric columns are bytes holding the JDBC driver's text, in the
// snapshot and the stream, as Debezium 3.6.1 sent them (measured).
func TestIntegrationUnknownTypesIncluded(t *testing.T) {
	e := newPGEnv(t, "unk")
	e.exec("CREATE TABLE $S.g (id int PRIMARY KEY, b box, c circle, p polygon, l line, s lseg, pa path)",
		"INSERT INTO $S.g VALUES (1, '((1,2),(3,4))', '<(1,1),2>', '((0,0),(1,1),(1,0))', '{1,-1,0}', '[(0,0),(1,1)]', '[(0,0),(1,1)]')")
	st := e.open(e.config(map[string]string{"include.unknown.datatypes": "true"}), nil)
	evs := next(t, st, 1)
	e.exec("INSERT INTO $S.g VALUES (2, '((1,2),(3,4))', '<(1,1),2>', '((0,0),(1,1),(1,0))', '{1,-1,0}', '[(0,0),(1,1)]', '((0,0),(1,1))')")
	evs = append(evs, next(t, st, 1)...)
	want := []string{"(3.0,4.0),(1.0,2.0)", "<(1.0,1.0),2.0>", "((0.0,0.0),(1.0,1.0),(1.0,0.0))", "{1.0,-1.0,0.0}", "[(0.0,0.0),(1.0,1.0)]", "[(0.0,0.0),(1.0,1.0)]"}
	for i, ev := range evs {
		if len(ev.Table.Columns) != 7 || ev.Table.Columns[1].Type != change.Bytes {
			t.Fatalf("event %d: columns %+v", i, ev.Table.Columns)
		}
		w := append([]string(nil), want...)
		if i == 1 {
			w[5] = "((0.0,0.0),(1.0,1.0))" // a closed path
		}
		for j, s := range w {
			if got, ok := ev.After[j+1].([]byte); !ok || string(got) != s {
				t.Errorf("event %d column %s: %q, want %q", i, ev.Table.Columns[j+1].Name, ev.After[j+1], s)
			}
		}
	}
}

// TestIntegrationSchemaVersionsSurviveReopen checks that a table's schema
// version carries on from the checkpoint when the source is opened again,
// and that a column change while it was closed gets the next version.
func TestIntegrationSchemaVersionsSurviveReopen(t *testing.T) {
	e := newPGEnv(t, "ver")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY, v text)")
	cfg := e.config(map[string]string{"snapshot.mode": "no_data"})
	st := e.open(cfg, nil)
	e.exec("INSERT INTO $S.t VALUES (1, 'a')")
	e.exec("ALTER TABLE $S.t ADD COLUMN w text", "INSERT INTO $S.t VALUES (2, 'b', 'c')")
	evs := next(t, st, 2)
	if evs[0].Table.Version != 1 || evs[1].Table.Version != 2 {
		t.Fatalf("versions %d, %d; want 1, 2", evs[0].Table.Version, evs[1].Table.Version)
	}
	cp := evs[1].Pos
	if err := st.Ack(cp); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Reopened at the checkpoint: the same columns keep version 2.
	st2 := e.open(cfg, &cp)
	e.exec("INSERT INTO $S.t VALUES (3, 'd', 'e')")
	ev := next(t, st2, 1)[0]
	if idOf(ev) != 3 || ev.Table.Version != 2 {
		t.Fatalf("after reopening: id %d version %d, want 3 at version 2", idOf(ev), ev.Table.Version)
	}
	cp = ev.Pos
	st2.Close()

	// A column dropped while closed: version 3 on the next run.
	e.exec("ALTER TABLE $S.t DROP COLUMN w", "INSERT INTO $S.t VALUES (4, 'f')")
	st3 := e.open(cfg, &cp)
	ev = next(t, st3, 1)[0]
	if idOf(ev) != 4 || ev.Table.Version != 3 {
		t.Fatalf("after a change while closed: id %d version %d, want 4 at version 3", idOf(ev), ev.Table.Version)
	}
}

func rowAny(r change.Row) []any {
	out := make([]any, len(r))
	for i, v := range r {
		if sv, ok := v.(change.StructValue); ok {
			v = []any(sv)
		}
		out[i] = v
	}
	return out
}
