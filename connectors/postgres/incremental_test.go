package postgres

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// fakeView is a capture.View over fixed rows of public.t, with a
// Visibility watermark at point that sees every transaction but invisible.
type fakeView struct {
	point     uint64
	invisible uint32
	keys      []string
}

func (v fakeView) At() capture.Watermark {
	return capture.Watermark{Point: lsnCursor(v.point), Visible: func(tx capture.TxRef) bool { return uint32(tx.XID) != v.invisible }}
}

func (v fakeView) Table(_ context.Context, id change.TableID, _ string) (*capture.Table, error) {
	return &capture.Table{ID: id, Key: []string{"id"}}, nil
}

func (v fakeView) Scan(_ context.Context, _ *capture.Table, _ string, after, _ []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, error) {
	n := 0
	for _, k := range v.keys {
		if n == limit || after != nil && k <= after[0] {
			continue
		}
		n++
		if err := row(&change.Event{Op: change.OpRead, After: change.Row{k}}, []string{k}, 100); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (v fakeView) MaxKey(context.Context, *capture.Table, string) ([]string, error) {
	return []string{v.keys[len(v.keys)-1]}, nil
}

func (v fakeView) Close() error { return nil }

// newIncHarness is a decoder harness whose engine snapshots the table of
// queued in chunks of 3 rows through fakeViews of keys 1-4 that do not see
// xid 77, the n-th at point 0x4800 + n*0x800; *opened counts the views.
func newIncHarness(t *testing.T, queued capture.IncTable) (h *harness, opened *int) {
	h = newHarness(t, Config{}, testTable(t, 'd'), nil, nil)
	opened = new(int)
	h.st.openView = func(context.Context) (capture.View, error) {
		*opened++
		return fakeView{point: 0x4800 + 0x800*uint64(*opened), invisible: 77, keys: []string{"1", "2", "3", "4"}}, nil
	}
	h.st.inc = capture.NewIncremental(capture.IncState{}, 3, nil)
	h.st.inc.Add(queued)
	h.dec.incChanged()
	return h, opened
}

// incStateOf decodes the incremental snapshot state of a position.
func incStateOf(t *testing.T, p change.Position) *capture.IncState {
	t.Helper()
	var ps posState
	if len(p.State) == 0 {
		return nil
	}
	if err := json.Unmarshal(p.State, &ps); err != nil {
		t.Fatalf("state %s: %v", p.State, err)
	}
	return ps.Inc
}

// TestDecoderIncrementalWindow: a chunk read between transactions waits
// for the stream; a change the view did not see drops its row, one it saw
// does not; the first transaction committing at or after the watermark
// gets the chunk's rows before its own events, at Tx = watermark-1 with
// the state after each row; the stream's positions carry the state, and
// the status loop is told while the window is open.
func TestDecoderIncrementalWindow(t *testing.T) {
	h, opened := newIncHarness(t, capture.IncTable{ID: "public.t", Corr: "sig-1"})
	h.feed(tx(0x4000, 10, ins("100"))...) // its COMMIT reads the first chunk (keys 1-3)
	if *opened != 1 || !h.st.inc.WindowOpen() || !h.st.incOpen.Load() {
		t.Fatalf("after a commit: %d views opened, window open %v, status loop told %v", *opened, h.st.inc.WindowOpen(), h.st.incOpen.Load())
	}
	if s := incStateOf(t, h.events()[0].Pos); s == nil || s.Queue[0].ID != "public.t" {
		t.Fatalf("a streamed event's state has no incremental snapshot: %s", h.events()[0].Pos.State)
	}
	upd := func(id string) *pglogrepl.UpdateMessage {
		return &pglogrepl.UpdateMessage{RelationID: 1000, NewTuple: tup(id, "x", "\x00n", "\\x01")}
	}
	h.feed(tx(0x4800, 77, upd("2"))...) // not seen by the view: row 2 is stale
	h.feed(tx(0x4900, 78, upd("3"))...) // seen by the view: row 3 stays
	if n := len(h.events()); n != 3 || *opened != 1 {
		t.Fatalf("%d events, %d views before the watermark; want 3 stream events, 1 view", n, *opened)
	}
	h.feed(tx(0x5000, 79, ins("200"))...)
	evs := h.events()[3:]
	type got struct {
		op    change.Op
		tx    uint64
		index int64
		last  bool
		after []string
	}
	var gots []got
	for _, ev := range evs {
		g := got{op: ev.Op, tx: ev.Pos.Tx, index: ev.Pos.Index, last: ev.Pos.Last}
		if s := incStateOf(t, ev.Pos); s != nil {
			g.after = s.After
		}
		gots = append(gots, g)
	}
	want := []got{
		{change.OpRead, 0x4fff, 0, false, []string{"1"}},
		{change.OpRead, 0x4fff, 1, true, []string{"3"}},
		{change.OpCreate, 0x5000, 0, true, []string{"3"}},
	}
	if !reflect.DeepEqual(gots[:3], want) {
		t.Fatalf("events at the watermark:\n got %+v\nwant %+v", gots, want)
	}
	// The rows' State has the key's Java classes beside "inc".
	var ps posState
	if err := json.Unmarshal(evs[0].Pos.State, &ps); err != nil || len(ps.Kinds) != 1 || ps.Kinds[0] != capture.JavaInteger {
		t.Fatalf("row state %s: %v", evs[0].Pos.State, err)
	}
	// The COMMIT read the next chunk (key 4), the table's last.
	if *opened != 2 || !h.st.inc.WindowOpen() {
		t.Fatalf("%d views, window open %v; want the second chunk read", *opened, h.st.inc.WindowOpen())
	}
	// A keepalive past the watermark closes it; the snapshot is done.
	if err := h.dec.keepalive(0x6000, func(it item) error { h.items = append(h.items, it); return nil }); err != nil {
		t.Fatal(err)
	}
	last := h.events()[len(h.events())-1]
	if last.Op != change.OpRead || last.After[0] != "4" || last.Pos.Tx != 0x57ff || last.Pos.Index != 0 || !last.Pos.Last || incStateOf(t, last.Pos) != nil {
		t.Fatalf("last row %c %v %+v; want r 4, the snapshot done", last.Op, last.After, last.Pos)
	}
	if h.st.incOpen.Load() || h.st.inc.State().Running() {
		t.Fatalf("window or snapshot still open after the last chunk")
	}
	if h.dec.stateJSON != nil && strings.Contains(string(h.dec.stateJSON), `"inc"`) {
		t.Fatalf("stream state still has the snapshot: %s", h.dec.stateJSON)
	}
}

// TestIncrementalResumesFromCheckpoint: Open's engine goes on with the
// IncState of a streamed checkpoint, after its position.
func TestIncrementalResumesFromCheckpoint(t *testing.T) {
	inc := capture.IncState{Queue: []capture.IncTable{{ID: "public.t"}}, After: []string{"7"}, Max: []string{"9"}}
	ij, _ := json.Marshal(inc)
	cp := &change.Position{Tx: 0x4fff, Index: 4, State: spliceInc(json.RawMessage(`{"schemas":{}}`), ij)}
	st := newStream(&Config{}, slog.New(slog.DiscardHandler), Knobs{})
	if err := st.openIncremental(cp); err != nil {
		t.Fatal(err)
	}
	if got := st.inc.State(); !reflect.DeepEqual(got, inc) {
		t.Fatalf("engine state %+v, want %+v", got, inc)
	}
	if err := st.openIncremental(&change.Position{Snapshot: true, State: cp.State}); err != nil || st.inc.State().Running() {
		t.Fatalf("a snapshot checkpoint's state was taken as a stream's: %v", err)
	}
}

func TestSpliceInc(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{`{}`, `{"inc":{"q":[]}}`},
		{`{"sig":3}`, `{"sig":3,"inc":{"q":[]}}`},
	} {
		got := spliceInc(json.RawMessage(c.base), json.RawMessage(`{"q":[]}`))
		if string(got) != c.want || !json.Valid(got) {
			t.Errorf("spliceInc(%s) = %s, want %s", c.base, got, c.want)
		}
	}
}

// TestOffsetViewIncremental: a position taken while an incremental
// snapshot runs shows Debezium's incremental_snapshot_* keys, and
// FromOffset refuses an offset of one in progress.
func TestOffsetViewIncremental(t *testing.T) {
	inc := capture.IncState{Queue: []capture.IncTable{{ID: "public.t", Corr: "c1"}}, After: []string{"5"}, Max: []string{"9"}}
	ij, _ := json.Marshal(inc)
	state := spliceInc(json.RawMessage(`{"inck":[1]}`), ij)
	want, err := inc.DebeziumOffset([]capture.JavaKind{capture.JavaInteger})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []change.Position{
		{Tx: 0x4fff, Index: 1, State: state},                               // a row a window emitted
		{Tx: 0x5000, LSN: 0x5010, XID: 9, Op: 'c', Index: 0, State: state}, // a streamed change
	} {
		o := OffsetView(p)
		for k, v := range want {
			if o[k] != v {
				t.Errorf("position %v: %s = %v, want %v", p, k, o[k], v)
			}
		}
		if _, err := FromOffset(o, nil); err == nil || !strings.Contains(err.Error(), "incremental snapshot in progress") {
			t.Errorf("FromOffset of %v: %v, want a refusal", o, err)
		}
	}
	if o := OffsetView(change.Position{Tx: 5, LSN: 6, State: json.RawMessage(`{"sig":1}`)}); o[capture.OffsetIncCollections] != nil {
		t.Errorf("no snapshot running, but the view shows %v", o)
	}
}

func TestWatermarkPoint(t *testing.T) {
	const page = 8192
	for _, c := range []struct{ wal, block, want uint64 }{
		{5*page + 24, page, 5 * page}, // after a page's short header
		{5*page + 40, page, 5 * page}, // after a segment's long header
		{5*page + 48, page, 5*page + 48},
		{5 * page, page, 5 * page},
		{5*page + 24, 0, 5*page + 24}, // block size unknown
	} {
		if got := watermarkPoint(c.wal, c.block); got != c.want {
			t.Errorf("watermarkPoint(%d, %d) = %d, want %d", c.wal, c.block, got, c.want)
		}
		// The rows' positions (Tx = point-1) never fall on a record's
		// start: records are 8-byte aligned.
		if p := watermarkPoint(c.wal, c.block); (p-1)%8 == 0 {
			t.Errorf("point %d: %d could be a commit LSN", p, p-1)
		}
	}
}

// TestAckerWithIncrementalRows: the rows a window emits (Tx = L-1, no
// transaction end of their own) confirm the transactions before them
// once acknowledged, never the one after the watermark that follows them;
// a heartbeat at the same Tx (its end at L) is confirmed with the last.
func TestAckerWithIncrementalRows(t *testing.T) {
	a := &capture.Acker{}
	a.SetConfirmed(0x3000)
	a.Passed(capture.TxEnd{Commit: 0x4000, End: 0x4010, Events: true})
	a.Passed(capture.TxEnd{Commit: 0x4fff, End: 0x5000, Events: true}) // a heartbeat after the rows
	a.Passed(capture.TxEnd{Commit: 0x5008, End: 0x5020, Events: true}) // the transaction past L
	steps := []struct {
		ack  change.Position
		want uint64
	}{
		{change.Position{Tx: 0x4000, Index: 2}, 0x3000}, // not its last event
		{change.Position{Tx: 0x4fff, Index: 0}, 0x4010}, // a row: the transaction before is done
		// The window's last row: everything before L is durable, so the
		// heartbeat's end (L) may be confirmed already.
		{change.Position{Tx: 0x4fff, Index: 1, Last: true}, 0x5000},
		{change.Position{Tx: 0x4fff, Last: true}, 0x5000}, // the heartbeat
		{change.Position{Tx: 0x5008, Index: 3, Last: true}, 0x5020},
	}
	for i, s := range steps {
		a.Ack(s.ack)
		if got := a.Confirmed(); got != s.want {
			t.Fatalf("step %d: ack %v confirms %#x, want %#x", i, s.ack, got, s.want)
		}
	}
}

// failingView fails the way a database does: on Table or on Scan.
type failingView struct {
	fakeView
	table, scan error
}

func (v failingView) Table(ctx context.Context, id change.TableID, s string) (*capture.Table, error) {
	if v.table != nil {
		return nil, v.table
	}
	return v.fakeView.Table(ctx, id, s)
}

func (v failingView) Scan(context.Context, *capture.Table, string, []string, []string, int,
	func(*change.Event, []string, int) error) (int, error) {
	return 0, v.scan
}

// TestIncrementalRefusedTable: a table the view refuses or whose reads
// the server rejects is skipped with the snapshot going on to the next
// table; a connection failure ends the stream.
func TestIncrementalRefusedTable(t *testing.T) {
	for _, c := range []struct {
		name        string
		table, scan error
		skipped     bool
	}{
		{"no key", &DecodeError{Table: "public.t", Err: refusedTable{capture.ErrNoChunkKey}}, nil, true},
		{"bad condition", nil, &ConnError{Op: "read", Err: &pgconn.PgError{Code: "42703"}}, true},
		{"no privilege", nil, &ConnError{Op: "read", Err: &pgconn.PgError{Code: "42501"}}, true},
		{"connection lost", nil, &ConnError{Op: "read", Err: &pgconn.PgError{Code: "08006"}}, false},
		{"shutdown", nil, &ConnError{Op: "read", Err: &pgconn.PgError{Code: "57P01"}}, false},
		{"network", nil, &ConnError{Op: "read", Err: io.ErrUnexpectedEOF}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{}, testTable(t, 'd'), nil, nil)
			h.st.openView = func(context.Context) (capture.View, error) {
				return failingView{fakeView{point: 0x5000, keys: []string{"1"}}, c.table, c.scan}, nil
			}
			h.st.inc.Add(capture.IncTable{ID: "public.t"}, capture.IncTable{ID: "public.u"})
			err := h.dec.incStep()
			q := h.st.inc.State().Queue
			if c.skipped && (err != nil || len(q) != 1 || q[0].ID != "public.u") {
				t.Fatalf("err %v, queue %v; want public.t skipped", err, q)
			}
			if !c.skipped && (err == nil || len(q) != 2) {
				t.Fatalf("err %v, queue %v; want the error, the queue kept", err, q)
			}
		})
	}
}

// TestDecoderIncrementalEdgeChanges: changes a chunk's view did not see
// (xid 77) while its window is open. A row's old key (a primary key
// change, an old row under REPLICA IDENTITY FULL) drops that row; a
// TRUNCATE, or an UPDATE or DELETE whose old row lacks the surrogate key,
// drops the chunk unsent, to be read again at the transaction's COMMIT; a
// change the view saw (xid 78) drops nothing.
func TestDecoderIncrementalEdgeChanges(t *testing.T) {
	trunc := &pglogrepl.TruncateMessage{RelationIDs: []uint32{1000}, RelationNum: 1}
	cases := []struct {
		name      string
		surrogate string
		xid       uint32
		msg       pglogrepl.Message
		reread    bool     // the chunk is read again
		want      []string // else: the keys it emits
	}{
		{"truncate", "", 77, trunc, true, nil},
		{"truncate the view saw", "", 78, trunc, false, []string{"1", "2", "3"}},
		{"primary key changed", "", 77, &pglogrepl.UpdateMessage{RelationID: 1000, OldTupleType: 'K', OldTuple: tup("2", "\x00n", "\x00n", "\x00n"),
			NewTuple: tup("102", "x", "\x00n", "\\x01")}, false, []string{"1", "3"}},
		{"surrogate key, no old row", "name", 77, &pglogrepl.UpdateMessage{RelationID: 1000, NewTuple: tup("7", "99", "\x00n", "\\x01")}, true, nil},
		{"surrogate key, key-only old row of a delete", "name", 77, &pglogrepl.DeleteMessage{RelationID: 1000, OldTupleType: 'K',
			OldTuple: tup("7", "\x00n", "\x00n", "\x00n")}, true, nil},
		{"surrogate key, whole old row", "name", 77, &pglogrepl.UpdateMessage{RelationID: 1000, OldTupleType: 'O', OldTuple: tup("7", "2", "\x00n", "\\x01"),
			NewTuple: tup("7", "99", "\x00n", "\\x01")}, false, []string{"1", "3"}},
		{"surrogate key, a change the view saw", "name", 78, &pglogrepl.UpdateMessage{RelationID: 1000, NewTuple: tup("7", "99", "\x00n", "\\x01")}, false, []string{"1", "2", "3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, opened := newIncHarness(t, capture.IncTable{ID: "public.t", Surrogate: c.surrogate})
			h.feed(tx(0x4000, 10, ins("100"))...) // the first chunk: keys 1-3, point 0x5000
			h.feed(tx(0x4800, c.xid, c.msg)...)
			if reread := *opened == 2; reread != c.reread {
				t.Fatalf("chunk read again: %v, want %v", reread, c.reread)
			}
			h.feed(tx(0x5000, 79, ins("200"))...)
			var got []string
			for _, ev := range h.events() {
				if ev.Op == change.OpRead {
					got = append(got, ev.After[0].(string))
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("rows emitted %v, want %v", got, c.want)
			}
		})
	}
}
