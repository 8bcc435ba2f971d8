package postgres

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/jackc/pglogrepl"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestDecoderTransactionMetadata checks the transaction block, BEGIN and END
// of a streamed transaction, fresh and resumed from a checkpoint inside it:
// the resumed run counts the events the checkpoint skips, writes no BEGIN
// again, and its END has the whole transaction's count.
func TestDecoderTransactionMetadata(t *testing.T) {
	ti := testTable(t, 'd')
	msgs := func() []pglogrepl.Message {
		var m []pglogrepl.Message
		m = append(m, tx(100, 7, ins("1"))...)
		m = append(m, tx(200, 8, ins("2"), ins("3"), ins("4"))...)
		return m
	}
	type got struct {
		tx         change.Transaction
		begin, end string
		count      any
	}
	summarize := func(h *harness) []got {
		var out []got
		for _, ev := range h.events() {
			g := got{tx: *ev.Tx}
			if ev.TxBegin != nil {
				g.begin = ev.TxBegin.Value[0].(string) + " " + ev.TxBegin.Value[1].(string)
			}
			if ev.TxEnd != nil {
				g.end = ev.TxEnd.Value[0].(string) + " " + ev.TxEnd.Value[1].(string)
				g.count = ev.TxEnd.Value[2]
				if colls := ev.TxEnd.Value[3].([]any); len(colls) != 1 || !reflect.DeepEqual(colls[0], change.StructValue{ti.ID.Namespace + "." + ti.ID.Name, g.count}) {
					t.Errorf("END data_collections %v", colls)
				}
			}
			out = append(out, g)
		}
		return out
	}
	// The harness numbers the messages fed at one call from 0x1000: the
	// relation message is 0x1000, then BEGIN 0x1000, INSERT 0x1001, ...
	// within the feed of msgs().
	cfg := Config{TxMetadata: true, TxTopic: "transaction"}
	h := newHarness(t, cfg, ti, nil, nil)
	h.feed(msgs()...)
	want := []got{
		{tx: change.Transaction{ID: "7:4097", TotalOrder: 1, DataCollectionOrder: 1}, begin: "BEGIN 7:4096", end: "END 7:4098", count: int64(1)},
		{tx: change.Transaction{ID: "8:4100", TotalOrder: 1, DataCollectionOrder: 1}, begin: "BEGIN 8:4099"},
		{tx: change.Transaction{ID: "8:4101", TotalOrder: 2, DataCollectionOrder: 2}},
		{tx: change.Transaction{ID: "8:4102", TotalOrder: 3, DataCollectionOrder: 3}, end: "END 8:4103", count: int64(3)},
	}
	if g := summarize(h); !reflect.DeepEqual(g, want) {
		t.Errorf("fresh:\n got %+v\nwant %+v", g, want)
	}

	// Resumed after the first event of transaction 200 was committed.
	cp := change.Position{Tx: 200, Index: 0}
	h = newHarness(t, cfg, ti, &cp, nil)
	h.feed(msgs()...)
	if g := summarize(h); !reflect.DeepEqual(g, want[2:]) {
		t.Errorf("resumed:\n got %+v\nwant %+v", g, want[2:])
	}

	// Off: no block, no records.
	h = newHarness(t, Config{}, ti, nil, nil)
	h.feed(msgs()...)
	for _, ev := range h.events() {
		if ev.Tx != nil || ev.TxBegin != nil || ev.TxEnd != nil {
			t.Errorf("metadata off, event has %+v %+v %+v", ev.Tx, ev.TxBegin, ev.TxEnd)
		}
	}
}

// TestDecoderTransactionMetadataMessages checks that a logical decoding
// message inside a transaction is counted as Debezium counts it: an event of
// the transaction, a data collection of its own.
func TestDecoderTransactionMetadataMessages(t *testing.T) {
	ti := testTable(t, 'd')
	msg := func(s string) *pglogrepl.LogicalDecodingMessage {
		return &pglogrepl.LogicalDecodingMessage{Transactional: true, Prefix: "p", Content: []byte(s)}
	}
	h := newHarness(t, Config{TxMetadata: true, TxTopic: "transaction"}, ti, nil, nil)
	h.feed(tx(100, 7, ins("1"), msg("a"), msg("b"), ins("2"))...)
	evs := h.events()
	if len(evs) != 4 {
		t.Fatalf("%d events", len(evs))
	}
	type ord struct{ total, coll int64 }
	var got []ord
	for _, ev := range evs {
		if ev.Message != nil {
			b := ev.Message.Value[messageTxAt].(change.StructValue)
			got = append(got, ord{b[1].(int64), b[2].(int64)})
		} else {
			got = append(got, ord{ev.Tx.TotalOrder, ev.Tx.DataCollectionOrder})
		}
	}
	if want := []ord{{1, 1}, {2, 1}, {3, 1}, {4, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	end := evs[3].TxEnd
	if end == nil || end.Value[2] != int64(4) || len(end.Value[3].([]any)) != 3 {
		t.Errorf("END %+v, want 4 events in 3 collections", end)
	}
}

// TestDecoderTransactionMetadataEmpty checks the BEGIN and END of a
// transaction without captured events (Debezium writes them with
// event_count 0), and that a checkpoint at it, or past it, writes them no
// more.
func TestDecoderTransactionMetadataEmpty(t *testing.T) {
	ti := testTable(t, 'd')
	other := &pglogrepl.InsertMessage{RelationID: 999, Tuple: tup("1")}
	msgs := func() []pglogrepl.Message {
		m := []pglogrepl.Message{&pglogrepl.RelationMessage{RelationID: 999, Namespace: "public", RelationName: "other"}}
		m = append(m, tx(100, 7, other)...)
		return append(m, tx(200, 8, ins("1"))...)
	}
	cfg := Config{TxMetadata: true, TxTopic: "transaction", TableInclude: []*regexp.Regexp{regexp.MustCompile("^public\\.t$")}}
	h := newHarness(t, cfg, ti, nil, nil)
	h.feed(msgs()...)
	evs := h.events()
	if len(evs) != 2 || evs[0].Message == nil || evs[0].TxEnd == nil {
		t.Fatalf("events %+v, want the empty transaction's and the insert", evs)
	}
	e := evs[0]
	if got := []any{e.Message.Value[0], e.Message.Value[1], e.TxEnd.Value[0], e.TxEnd.Value[2], len(e.TxEnd.Value[3].([]any))}; !reflect.DeepEqual(got, []any{"BEGIN", "7:4097", "END", int64(0), 0}) {
		t.Errorf("empty transaction records %v", got)
	}
	if !reflect.DeepEqual(e.Pos, change.Position{Tx: 100, Index: 0, Last: true, State: e.Pos.State}) {
		t.Errorf("empty transaction position %+v", e.Pos)
	}
	var ends int
	for _, it := range h.items {
		if it.End != nil && it.End.Commit == 100 {
			ends++
			if it.Ev != e || !it.End.Events {
				t.Errorf("the empty transaction's end %+v is not with its event", it.End)
			}
		}
	}
	if ends != 1 {
		t.Errorf("%d ends of the empty transaction", ends)
	}
	for _, cp := range []change.Position{{Tx: 100, Index: 0, Last: true}, {Tx: 150}} {
		h := newHarness(t, cfg, ti, &cp, nil)
		h.feed(msgs()...)
		if evs := h.events(); len(evs) != 1 || evs[0].Message != nil {
			t.Errorf("resumed at %+v: %d events, want the insert only", cp, len(evs))
		}
	}
}
