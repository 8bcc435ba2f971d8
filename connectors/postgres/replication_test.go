package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Column type OIDs used below.
const (
	tOidInt4 = 23
	tOidText = 25
	tOidByte = 17
)

// testTable is public.t(id int4 PK, name text NOT NULL, note text, blob bytea NOT NULL).
func testTable(t *testing.T, identity byte) *tableInfo {
	t.Helper()
	ti := &tableInfo{
		ID: change.TableID{Namespace: "public", Name: "t"}, OID: 1000, Identity: identity, CanSelect: true, HasPK: true,
		Cols: []colInfo{
			{Name: "id", TypeOID: tOidInt4, Typmod: -1, NotNull: true, BaseOID: tOidInt4},
			{Name: "name", TypeOID: tOidText, Typmod: -1, NotNull: true, Collatable: true, BaseOID: tOidText},
			{Name: "note", TypeOID: tOidText, Typmod: -1, Collatable: true, BaseOID: tOidText},
			{Name: "blob", TypeOID: tOidByte, Typmod: -1, NotNull: true, BaseOID: tOidByte},
		},
		Key: []int{0},
	}
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti, 1, TypeOptions{}, slog.New(slog.DiscardHandler), map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	return ti
}

func relMsg(ti *tableInfo) *pglogrepl.RelationMessage {
	m := &pglogrepl.RelationMessage{RelationID: ti.OID, Namespace: ti.ID.Namespace, RelationName: ti.ID.Name, ReplicaIdentity: ti.Identity}
	for _, c := range ti.Cols {
		m.Columns = append(m.Columns, &pglogrepl.RelationMessageColumn{Name: c.Name, DataType: c.TypeOID, TypeModifier: c.Typmod})
	}
	m.ColumnNum = uint16(len(m.Columns))
	return m
}

// tup builds a tuple: "\x00n" is NULL, "\x00u" an unchanged TOASTed value.
func tup(vals ...string) *pglogrepl.TupleData {
	td := &pglogrepl.TupleData{ColumnNum: uint16(len(vals))}
	for _, v := range vals {
		switch v {
		case "\x00n":
			td.Columns = append(td.Columns, &pglogrepl.TupleDataColumn{DataType: 'n'})
		case "\x00u":
			td.Columns = append(td.Columns, &pglogrepl.TupleDataColumn{DataType: 'u'})
		default:
			td.Columns = append(td.Columns, &pglogrepl.TupleDataColumn{DataType: 't', Length: uint32(len(v)), Data: []byte(v)})
		}
	}
	return td
}

type harness struct {
	t     *testing.T
	st    *Stream
	dec   *decoder
	items []item
	cat   *tableInfo // what the catalog says about the table
}

func newHarness(t *testing.T, cfg Config, ti *tableInfo, cp *change.Position, state *snapState) *harness {
	if cfg.Skipped == nil {
		cfg.Skipped = map[byte]bool{}
	}
	cfg.TopicPrefix, cfg.DBName = "srv", "db"
	st := newStream(&cfg, slog.New(slog.DiscardHandler), Knobs{})
	st.cat = NewTypeCatalog()
	st.tables[ti.name()] = ti
	h := &harness{t: t, st: st, cat: ti}
	h.dec = newDecoder(st, cp, state)
	h.dec.catalog = func(context.Context, uint32) (*tableInfo, error) { return h.cat, nil }
	st.query.connect = func(context.Context, *Config) (*pgx.Conn, error) { return nil, nil } // no server
	h.feed(relMsg(ti))
	return h
}

func (h *harness) feed(msgs ...pglogrepl.Message) {
	h.t.Helper()
	for i, m := range msgs {
		err := h.dec.handle(context.Background(), uint64(0x1000+i), m, func(it item) error {
			h.items = append(h.items, it)
			return nil
		})
		if err != nil {
			h.t.Fatal(err)
		}
	}
}

// tx wraps change messages in BEGIN/COMMIT with commit LSN lsn.
func tx(lsn uint64, xid uint32, msgs ...pglogrepl.Message) []pglogrepl.Message {
	out := []pglogrepl.Message{&pglogrepl.BeginMessage{FinalLSN: pglogrepl.LSN(lsn), Xid: xid, CommitTime: time.Unix(1714558530, 123456000)}}
	out = append(out, msgs...)
	return append(out, &pglogrepl.CommitMessage{CommitLSN: pglogrepl.LSN(lsn), TransactionEndLSN: pglogrepl.LSN(lsn + 8)})
}

func (h *harness) events() []*change.Event {
	var evs []*change.Event
	for _, it := range h.items {
		if it.Ev != nil {
			evs = append(evs, it.Ev)
		}
	}
	return evs
}

func ins(id string) *pglogrepl.InsertMessage {
	return &pglogrepl.InsertMessage{RelationID: 1000, Tuple: tup(id, "n"+id, "\x00n", "\\x01")}
}

func TestDecoderInsertUpdateDeleteDefaultIdentity(t *testing.T) {
	ti := testTable(t, 'd')
	h := newHarness(t, Config{}, ti, nil, nil)
	h.feed(tx(100, 7,
		ins("1"),
		// update with the TOASTed note unchanged and no old tuple (key unchanged)
		&pglogrepl.UpdateMessage{RelationID: 1000, NewTuple: tup("1", "x", "\x00u", "\x00u")},
		// delete: key only; NOT NULL name/blob get fallbacks, note null
		&pglogrepl.DeleteMessage{RelationID: 1000, OldTupleType: 'K', OldTuple: tup("1", "\x00n", "\x00n", "\x00n")},
	)...)
	evs := h.events()
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Op != change.OpCreate || !reflect.DeepEqual(evs[0].After, change.Row{int32(1), "n1", nil, []byte{1}}) || evs[0].Before != nil {
		t.Errorf("insert: %+v", evs[0])
	}
	if evs[1].Op != change.OpUpdate || evs[1].Before != nil ||
		!reflect.DeepEqual(evs[1].After, change.Row{int32(1), "x", "__debezium_unavailable_value", []byte("__debezium_unavailable_value")}) {
		t.Errorf("update: before %v after %#v", evs[1].Before, evs[1].After)
	}
	if evs[2].Op != change.OpDelete || evs[2].After != nil || !reflect.DeepEqual(evs[2].Before, change.Row{int32(1), "", nil, []byte{}}) {
		t.Errorf("delete before: %#v", evs[2].Before)
	}
	for i, ev := range evs {
		// Debezium's offset detail: txId, the event's LSN, the commit time, the operation.
		want := change.Position{Tx: 100, Index: int64(i), Last: i == 2, XID: 7, LSN: 4097 + uint64(i), Micros: 1714558530123456, Op: byte(ev.Op)}
		if !reflect.DeepEqual(ev.Pos, want) {
			t.Errorf("event %d pos %+v, want %+v", i, ev.Pos, want)
		}
		if ev.Source[4] != nil || ev.Source[9] != "public" || ev.Source[10] != "t" || ev.Source[11] != int64(7) || ev.Source[3] != int64(1714558530123) {
			t.Errorf("source %v", ev.Source)
		}
	}
	last := h.items[len(h.items)-1]
	if last.Ev != evs[2] || last.End == nil || *last.End != (txEnd{Commit: 100, End: 108, Events: true}) {
		t.Errorf("commit marker %+v", last.End)
	}
}

func TestDecoderFullIdentityAndToastFromOld(t *testing.T) {
	ti := testTable(t, 'f')
	h := newHarness(t, Config{}, ti, nil, nil)
	h.feed(tx(200, 8,
		&pglogrepl.UpdateMessage{RelationID: 1000, OldTupleType: 'O', OldTuple: tup("2", "a", "long", "\\xff"), NewTuple: tup("2", "b", "\x00u", "\x00u")},
		&pglogrepl.DeleteMessage{RelationID: 1000, OldTupleType: 'O', OldTuple: tup("2", "b", "\x00n", "\\xff")},
	)...)
	evs := h.events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	if !reflect.DeepEqual(evs[0].Before, change.Row{int32(2), "a", "long", []byte{0xff}}) ||
		!reflect.DeepEqual(evs[0].After, change.Row{int32(2), "b", "long", []byte{0xff}}) {
		t.Errorf("update: %#v -> %#v", evs[0].Before, evs[0].After)
	}
	if !reflect.DeepEqual(evs[1].Before, change.Row{int32(2), "b", nil, []byte{0xff}}) {
		t.Errorf("full delete before: %#v", evs[1].Before)
	}
}

func TestDecoderKeyChangeAndSkippedOps(t *testing.T) {
	ti := testTable(t, 'd')
	h := newHarness(t, Config{Skipped: map[byte]bool{'t': true}}, ti, nil, nil)
	h.feed(tx(300, 9,
		&pglogrepl.UpdateMessage{RelationID: 1000, OldTupleType: 'K', OldTuple: tup("3", "\x00n", "\x00n", "\x00n"), NewTuple: tup("4", "n", "\x00n", "\\x")},
		&pglogrepl.TruncateMessage{RelationNum: 1, RelationIDs: []uint32{1000}},
	)...)
	evs := h.events()
	if len(evs) != 2 || evs[0].Op != change.OpDelete || evs[1].Op != change.OpCreate {
		t.Fatalf("key change: %v", evs)
	}
	if string(evs[0].Headers[0].Value) != `{"id":4}` || evs[0].Headers[0].Key != "__debezium.newkey" ||
		string(evs[1].Headers[0].Value) != `{"id":3}` || evs[1].Headers[0].Key != "__debezium.oldkey" {
		t.Errorf("headers %v %v", evs[0].Headers, evs[1].Headers)
	}
	if evs[0].Before[0] != int32(3) || evs[1].After[0] != int32(4) || !evs[1].Pos.Last || evs[1].Pos.Index != 1 {
		t.Errorf("key change events %+v %+v", evs[0], evs[1])
	}

	h2 := newHarness(t, Config{}, ti, nil, nil)
	h2.feed(tx(400, 10, &pglogrepl.TruncateMessage{RelationNum: 1, RelationIDs: []uint32{1000}})...)
	if evs := h2.events(); len(evs) != 1 || evs[0].Op != change.OpTruncate || !evs[0].Pos.Last {
		t.Errorf("truncate: %+v", evs)
	}
}

func TestDecoderResumeSkipsUpToCheckpoint(t *testing.T) {
	ti := testTable(t, 'd')
	msgs := func() []pglogrepl.Message {
		var m []pglogrepl.Message
		m = append(m, tx(100, 1, ins("1"), ins("2"))...)
		m = append(m, tx(200, 2, ins("3"), ins("4"), ins("5"))...)
		m = append(m, tx(300, 3, ins("6"))...)
		return m
	}
	ids := func(h *harness) []any {
		var out []any
		for _, ev := range h.events() {
			out = append(out, ev.After[0])
		}
		return out
	}
	for _, tc := range []struct {
		cp   change.Position
		want []any
	}{
		{change.Position{Tx: 200, Index: 0}, []any{int32(4), int32(5), int32(6)}},
		{change.Position{Tx: 200, Index: 1}, []any{int32(5), int32(6)}},
		{change.Position{Tx: 200, Index: 2, Last: true}, []any{int32(6)}},
		{change.Position{Tx: 150, Index: 0}, []any{int32(3), int32(4), int32(5), int32(6)}}, // between transactions
	} {
		cp := tc.cp
		h := newHarness(t, Config{}, ti, &cp, nil)
		h.feed(msgs()...)
		if got := ids(h); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("cp %+v: got %v, want %v", tc.cp, got, tc.want)
		}
		// the resumed events keep their original positions
		for _, ev := range h.events() {
			if ev.Pos.Tx == 200 && ev.After[0] == int32(5) && (ev.Pos.Index != 2 || !ev.Pos.Last) {
				t.Errorf("pos of id 5: %+v", ev.Pos)
			}
		}
		// skipped transactions end without events: they can be confirmed at once
		for _, it := range h.items {
			if it.End != nil && it.End.Commit == 100 && it.End.Events {
				t.Error("fully skipped transaction marked as having events")
			}
		}
	}
}

func TestDecoderRegionFilter(t *testing.T) {
	ti := testTable(t, 'd')
	state := &snapState{
		Tables: []string{"public.t"},
		Regions: []region{
			{Table: 0, Mark: regionMark{Exported: true}},
			{Table: 0, After: []string{"10"}, Mark: regionMark{Snap: pgSnapshot{Xmin: 50, Xmax: 60, Xip: []uint64{55}}}},
		},
		WAL: 1000,
	}
	h := newHarness(t, Config{}, ti, nil, state)
	h.feed(tx(500, 52, ins("5"), ins("20"))...) // xid 52 visible in region 1: key 20 dropped, key 5 (exported region) kept
	h.feed(tx(600, 55, ins("21"))...)           // xid 55 was running: kept
	h.feed(tx(1000, 52, ins("22"))...)          // past WAL: no more filtering
	var got []any
	for _, ev := range h.events() {
		got = append(got, ev.After[0])
		if ev.Pos.Tx < 1000 && len(ev.Pos.State) == 0 {
			t.Errorf("position %+v lacks the regions", ev.Pos)
		}
		if ev.Pos.Tx == 1000 && bytes.Contains(ev.Pos.State, []byte(`"regions"`)) {
			t.Errorf("position %s still carries the regions", ev.Pos.State)
		}
	}
	if want := []any{int32(5), int32(21), int32(22)}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if evs := h.events(); evs[0].Pos.Index != 0 || !evs[0].Pos.Last {
		t.Errorf("the dropped event must not count: %+v", evs[0].Pos)
	}
}

func TestAckConfirmsOnlyCompleteTransactions(t *testing.T) {
	st := newStream(&Config{}, slog.New(slog.DiscardHandler), Knobs{})
	st.acks.SetConfirmed(50)
	push := st.acks.Passed // as Next does when it passes a transaction end
	push(txEnd{Commit: 100, End: 108, Events: true})
	push(txEnd{Commit: 150, End: 158}) // empty (all filtered)
	push(txEnd{Commit: 200, End: 208, Events: true})
	if st.AckedLSN() != 50 {
		t.Fatalf("moved before any ack: %d", st.AckedLSN())
	}
	_ = st.Ack(change.Position{Tx: 100, Index: 3}) // inside the transaction
	if st.AckedLSN() != 50 {
		t.Errorf("confirmed inside a transaction: %d", st.AckedLSN())
	}
	_ = st.Ack(change.Position{Tx: 100, Index: 4, Last: true})
	if st.AckedLSN() != 158 {
		t.Errorf("after tx 100 and the empty 150: %d, want 158", st.AckedLSN())
	}
	_ = st.Ack(change.Position{Snapshot: true, Table: "x"})
	_ = st.Ack(change.Position{Tx: 200, Index: 0})
	if st.AckedLSN() != 158 {
		t.Errorf("confirmed inside tx 200: %d", st.AckedLSN())
	}
	// Acking a later transaction's event completes earlier ones.
	push(txEnd{Commit: 300, End: 308, Events: true})
	_ = st.Ack(change.Position{Tx: 300, Index: 0})
	if st.AckedLSN() != 208 {
		t.Errorf("tx 200 is complete once an event of tx 300 is acked: %d", st.AckedLSN())
	}
	// An ack that arrives before the commit marker is remembered.
	_ = st.Ack(change.Position{Tx: 400, Index: 0, Last: true})
	if st.AckedLSN() != 308 {
		t.Errorf("%d, want 308", st.AckedLSN())
	}
	push(txEnd{Commit: 400, End: 408, Events: true})
	push(txEnd{End: 500}) // keepalive with nothing outstanding
	if st.AckedLSN() != 500 {
		t.Errorf("%d, want 500", st.AckedLSN())
	}
}

func TestSnapshotMarkerAndChunkQuery(t *testing.T) {
	for _, tc := range []struct {
		fo, lo, ft, lt bool
		want           string
	}{
		{true, false, true, false, "first"},
		{true, true, true, true, "last"},
		{false, false, true, false, "first_in_data_collection"},
		{false, false, false, true, "last_in_data_collection"},
		{false, false, false, false, "true"},
	} {
		if got := capture.SnapshotMarker(tc.fo, tc.lo, tc.ft, tc.lt); got != tc.want {
			t.Errorf("%+v: %s", tc, got)
		}
	}
	ti := testTable(t, 'd')
	ti.Key = []int{1, 0}
	sql, params, oids := chunkQuery(ti, []string{"b", "7"}, 100)
	want := `SELECT "id", "name", "note", "blob" FROM "public"."t" WHERE ("name" COLLATE "C", "id") > ($1, $2) ORDER BY "name" COLLATE "C", "id" LIMIT 100`
	if sql != want || len(params) != 2 || string(params[0]) != "b" || !reflect.DeepEqual(oids, []uint32{tOidText, tOidInt4}) {
		t.Errorf("%s %q %v", sql, params, oids)
	}
	ti.Key = nil
	if sql, _, _ := chunkQuery(ti, nil, 100); sql != `SELECT "id", "name", "note", "blob" FROM "public"."t"` {
		t.Errorf("keyless: %s", sql)
	}
}

// TestDecoderDefaults checks the column defaults of the stream: a delete's
// before image under REPLICA IDENTITY DEFAULT gives a NOT NULL column its
// default before its type's fallback, as Debezium does, and a RELATION
// message after an ALTER ... SET DEFAULT (same columns) gives the table a new
// schema version with the default the catalog now has.
func TestDecoderDefaults(t *testing.T) {
	ti := &tableInfo{
		ID: change.TableID{Namespace: "public", Name: "t"}, OID: 1000, Identity: 'd', CanSelect: true, HasPK: true,
		Cols: []colInfo{
			{Name: "id", TypeOID: tOidInt4, Typmod: -1, NotNull: true, BaseOID: tOidInt4},
			{Name: "name", TypeOID: tOidText, Typmod: -1, NotNull: true, Collatable: true, BaseOID: tOidText, HasDefault: true, Default: "'dflt'::text"},
			{Name: "n", TypeOID: tOidInt4, Typmod: -1, BaseOID: tOidInt4, HasDefault: true, Default: "42"},
			{Name: "m", TypeOID: tOidInt4, Typmod: -1, NotNull: true, BaseOID: tOidInt4},
		},
		Key: []int{0},
	}
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti, 1, TypeOptions{}, slog.New(slog.DiscardHandler), map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if d := ti.Schema.Columns[1].Default; d != "dflt" {
		t.Fatalf("name default %#v", d)
	}
	if d := ti.Schema.Columns[2].Default; d != int32(42) {
		t.Fatalf("n default %#v", d)
	}
	if d := ti.Schema.Columns[0].Default; d != nil {
		t.Fatalf("id default %#v", d)
	}
	h := newHarness(t, Config{}, ti, nil, nil)
	del := &pglogrepl.DeleteMessage{RelationID: 1000, OldTupleType: 'K', OldTuple: tup("1", "\x00n", "\x00n", "\x00n")}
	h.feed(tx(100, 7, del)...)

	// ALTER TABLE t ALTER name SET DEFAULT 'late', ALTER n DROP DEFAULT.
	alt := *ti
	alt.Cols = append([]colInfo(nil), ti.Cols...)
	alt.Cols[1].Default = "'late'::text"
	alt.Cols[2].HasDefault, alt.Cols[2].Default = false, ""
	h.cat = &alt
	h.feed(relMsg(ti))
	h.feed(tx(200, 8, del)...)

	evs := h.events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	if !reflect.DeepEqual(evs[0].Before, change.Row{int32(1), "dflt", nil, int32(0)}) {
		t.Errorf("first delete before %#v", evs[0].Before)
	}
	if !reflect.DeepEqual(evs[1].Before, change.Row{int32(1), "late", nil, int32(0)}) {
		t.Errorf("second delete before %#v", evs[1].Before)
	}
	s0, s1 := evs[0].Table, evs[1].Table
	if s0.Version != 1 || s1.Version != 2 {
		t.Fatalf("schema versions %d, %d; want 1, 2", s0.Version, s1.Version)
	}
	if s1.Columns[1].Default != "late" || s1.Columns[2].Default != nil {
		t.Errorf("defaults after the ALTER: %#v, %#v", s1.Columns[1].Default, s1.Columns[2].Default)
	}

	// A RELATION message that changes nothing keeps the schema version.
	h.feed(relMsg(ti))
	h.feed(tx(300, 9, del)...)
	if evs := h.events(); evs[2].Table != s1 {
		t.Errorf("schema version %d after an unchanged RELATION message, want the same schema", evs[2].Table.Version)
	}

	// ALTER TABLE t ALTER n SET NOT NULL: a new version, n required.
	nn := alt
	nn.Cols = append([]colInfo(nil), alt.Cols...)
	nn.Cols[2].NotNull = true
	h.cat = &nn
	h.feed(relMsg(ti))
	h.feed(tx(400, 10, del)...)
	evs = h.events()
	if s3 := evs[3].Table; s3.Version != 3 || s3.Columns[2].Optional {
		t.Errorf("after SET NOT NULL: version %d, n optional %v", s3.Version, s3.Columns[2].Optional)
	}
}

// TestSchemaVersionsCarried checks that the positions carry each table's
// schema version and that a new run given them numbers on: the same columns
// keep their version, changed ones get the next, a new table starts at 1.
func TestSchemaVersionsCarried(t *testing.T) {
	build := func(st *Stream, name string, cols ...colInfo) *tableInfo {
		ti := &tableInfo{Cols: cols, Key: []int{0}, OID: 2000}
		ti.ID.Namespace, ti.ID.Name = "public", name
		if err := buildSchema(context.Background(), st.cat, nil, ti, 1, TypeOptions{}, st.log, st.warned); err != nil {
			t.Fatal(err)
		}
		st.adopt(ti, st.tables["public."+name], false)
		st.tables[ti.name()] = ti
		return ti
	}
	id := colInfo{Name: "id", TypeOID: oidInt4, Typmod: -1, NotNull: true, TypeName: "integer"}
	v := colInfo{Name: "v", TypeOID: oidText, Typmod: -1, TypeName: "text"}
	w := colInfo{Name: "w", TypeOID: oidText, Typmod: -1, TypeName: "text"}

	// Run 1: a at version 1, then a column added (version 2).
	st := newStream(&Config{TopicPrefix: "p"}, slog.New(slog.DiscardHandler), Knobs{})
	st.cat = NewTypeCatalog()
	a1 := build(st, "a", id, v)
	if a1.Schema.Version != 1 {
		t.Fatalf("first version %d", a1.Schema.Version)
	}
	d := newDecoder(st, nil, nil)
	a2 := build(st, "a", id, v, w)
	if a2.Schema.Version != 2 {
		t.Fatalf("after a column change: version %d", a2.Schema.Version)
	}
	if again := build(st, "a", id, v, w); again.Schema.Version != 2 {
		t.Errorf("the same columns again: version %d, want 2", again.Schema.Version)
	}
	// The catalog agrees with the RELATION message (no server here).
	d.catalog = func(context.Context, uint32) (*tableInfo, error) { return a2, nil }
	h := &harness{t: t, st: st, dec: d}
	h.feed(relMsg(a2))
	h.feed(tx(100, 7, &pglogrepl.InsertMessage{RelationID: a2.OID, Tuple: tup("1", "x", "y")})...)
	evs := h.events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	var ss snapState
	if err := json.Unmarshal(evs[0].Pos.State, &ss); err != nil {
		t.Fatal(err)
	}
	if ss.Schemas["public.a"].V != 2 || ss.Regions != nil {
		t.Fatalf("state %s, want public.a at version 2 and no regions", evs[0].Pos.State)
	}

	// Run 2 starts from that checkpoint's versions.
	st2 := newStream(&Config{TopicPrefix: "p"}, slog.New(slog.DiscardHandler), Knobs{})
	st2.cat = NewTypeCatalog()
	for k, x := range ss.Schemas {
		st2.versions[k] = x
	}
	if b := build(st2, "a", id, v, w); b.Schema.Version != 2 {
		t.Errorf("restart, same columns: version %d, want 2", b.Schema.Version)
	}
	if b := build(st2, "a", id, w); b.Schema.Version != 3 {
		t.Errorf("restart, changed columns: version %d, want 3", b.Schema.Version)
	}
	if n := build(st2, "b", id); n.Schema.Version != 1 {
		t.Errorf("a new table: version %d, want 1", n.Schema.Version)
	}

	// Run 3 opens at run 1's checkpoint after a column was dropped: the
	// catalog's columns are numbered 3 tentatively; the stream replays a
	// change of the old shape (version 2, recorded), then reaches the new
	// one (3).
	st3 := newStream(&Config{TopicPrefix: "p"}, slog.New(slog.DiscardHandler), Knobs{})
	st3.cat = NewTypeCatalog()
	for k, x := range ss.Schemas {
		st3.versions[k] = x
	}
	open := &tableInfo{Cols: []colInfo{id, v}, Key: []int{0}, OID: 2000}
	open.ID.Namespace, open.ID.Name = "public", "a"
	if err := buildSchema(context.Background(), st3.cat, nil, open, 1, TypeOptions{}, st3.log, st3.warned); err != nil {
		t.Fatal(err)
	}
	st3.adopt(open, nil, true)
	if open.Schema.Version != 3 || !open.tentative || st3.versions["public.a"].V != 2 {
		t.Fatalf("at open: version %d tentative %v recorded %d; want 3, true, 2", open.Schema.Version, open.tentative, st3.versions["public.a"].V)
	}
	st3.tables["public.a"] = open
	if old := build(st3, "a", id, v, w); old.Schema.Version != 2 {
		t.Errorf("replayed old shape: version %d, want 2", old.Schema.Version)
	}
	if cur := build(st3, "a", id, v); cur.Schema.Version != 3 || st3.versions["public.a"].V != 3 {
		t.Errorf("current shape: version %d (recorded %d), want 3", cur.Schema.Version, st3.versions["public.a"].V)
	}
	// A tentative table whose columns the stream confirms is recorded.
	st4 := newStream(&Config{TopicPrefix: "p"}, slog.New(slog.DiscardHandler), Knobs{})
	st4.versions["public.a"] = ss.Schemas["public.a"]
	open.tentative = false
	st4.adopt(open, nil, true)
	st4.confirm(open)
	if open.tentative || st4.versions["public.a"].V != 3 {
		t.Errorf("confirmed: tentative %v, recorded %d; want false, 3", open.tentative, st4.versions["public.a"].V)
	}
}

// TestDeleteBeforeImageWithDroppedColumn is a delete under REPLICA IDENTITY
// DEFAULT on a table with a column left out of the records (a box, without
// include.unknown.datatypes) before NOT NULL columns: the before image
// takes each remaining column's default from its own schema column. Found
// by the side-by-side test, where a 71-column table with dropped geometric
// columns panicked the daemon.
func TestDeleteBeforeImageWithDroppedColumn(t *testing.T) {
	ti := &tableInfo{
		ID: change.TableID{Namespace: "public", Name: "t"}, OID: 1000, Identity: 'd', CanSelect: true, HasPK: true,
		Cols: []colInfo{
			{Name: "id", TypeOID: tOidInt4, Typmod: -1, NotNull: true, BaseOID: tOidInt4},
			{Name: "b", TypeOID: 603, Typmod: -1, BaseOID: 603, TypeName: "box"},
			{Name: "name", TypeOID: tOidText, Typmod: -1, NotNull: true, Collatable: true, BaseOID: tOidText, HasDefault: true, Default: "'dflt'::text"},
			{Name: "m", TypeOID: tOidInt4, Typmod: -1, NotNull: true, BaseOID: tOidInt4},
		},
		Key: []int{0},
	}
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti, 1, TypeOptions{}, slog.New(slog.DiscardHandler), map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if n := len(ti.Schema.Columns); n != 3 {
		t.Fatalf("%d schema columns, want 3 (the box left out)", n)
	}
	h := newHarness(t, Config{}, ti, nil, nil)
	del := &pglogrepl.DeleteMessage{RelationID: 1000, OldTupleType: 'K', OldTuple: tup("1", "\x00n", "\x00n", "\x00n")}
	h.feed(tx(100, 7, del)...)
	evs := h.events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	if !reflect.DeepEqual(evs[0].Before, change.Row{int32(1), "dflt", int32(0)}) {
		t.Errorf("before %#v, want id, the name default and m's fallback", evs[0].Before)
	}
}
