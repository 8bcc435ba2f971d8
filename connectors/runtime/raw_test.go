package runtime

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// rawSource yields fixed events, then io.EOF.
type rawSource struct{ evs []*change.Event }

func (s *rawSource) Open(context.Context, *change.Position) (Stream, error) {
	return &rawStream{evs: s.evs}, nil
}

type rawStream struct{ evs []*change.Event }

func (st *rawStream) Next(context.Context) (*change.Event, error) {
	if len(st.evs) == 0 {
		return nil, io.EOF
	}
	ev := st.evs[0]
	st.evs = st.evs[1:]
	return ev, nil
}
func (st *rawStream) Ack(change.Position) error { return nil }
func (st *rawStream) Close() error              { return nil }

// TestRawRecordsCommitWithTheirEvent: an event's Raw records are written
// as they are, to their own topic, in the batch (Kafka transaction) of the
// event, after its own record; an event with only Raw records writes just
// them.
func TestRawRecordsCommitWithTheirEvent(t *testing.T) {
	row := func(i int, raw ...change.RawRecord) *change.Event {
		return &change.Event{Op: change.OpCreate, Table: testTable, After: change.Row{int32(i)},
			Source: change.StructValue{"x"}, SourceSchema: testSourceSchema,
			Pos: change.Position{Tx: uint64(i), Last: true}, Raw: raw}
	}
	h1 := change.RawRecord{Topic: "history.topic", Value: []byte(`{"ddl":"ALTER TABLE t ADD c INT"}`)}
	h2 := change.RawRecord{Topic: "history.topic", Value: []byte(`{"ddl":"CREATE DATABASE d"}`)}
	rawOnly := &change.Event{Pos: change.Position{Tx: 2, Last: true}, Raw: []change.RawRecord{h2}}
	src := &rawSource{evs: []*change.Event{row(1, h1), rawOnly, row(3)}}
	sink := &memSink{}
	if err := runFor(t, newTask(src, sink, Batching{MaxEvents: 100, Linger: time.Hour}), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) != 1 {
		t.Fatalf("%d batches, want 1", len(sink.batches))
	}
	b := sink.batches[0]
	var topics []string
	for _, r := range b {
		topics = append(topics, r.Topic)
	}
	want := []string{"p.public.t", "history.topic", "history.topic", "p.public.t"}
	if len(topics) != len(want) {
		t.Fatalf("records to %v, want %v", topics, want)
	}
	for i := range want {
		if topics[i] != want[i] {
			t.Fatalf("records to %v, want %v", topics, want)
		}
	}
	if string(b[1].Value) != string(h1.Value) || b[1].Key != nil || string(b[2].Value) != string(h2.Value) {
		t.Errorf("raw records changed: %q %q %q", b[1].Key, b[1].Value, b[2].Value)
	}
	cp, err := DecodeCheckpoint(sink.checkpoints[0])
	if err != nil || cp.Tx != 3 {
		t.Errorf("checkpoint %+v %v, want the last event's", cp, err)
	}
}

// TestPositionOnlyEventMovesTheCheckpoint: an event with neither a table,
// a Message nor Raw records (a signal's position) writes no record, and
// its position is the checkpoint of the batch that holds it.
func TestPositionOnlyEventMovesTheCheckpoint(t *testing.T) {
	row := &change.Event{Op: change.OpCreate, Table: testTable, After: change.Row{int32(1)},
		Source: change.StructValue{"x"}, SourceSchema: testSourceSchema, Pos: change.Position{Tx: 1, Last: true}}
	sig := &change.Event{Pos: change.Position{Tx: 2, Last: true, State: []byte(`{"sig":5}`)}}
	sink := &memSink{}
	if err := runFor(t, newTask(&rawSource{evs: []*change.Event{row, sig}}, sink, Batching{MaxEvents: 100, Linger: time.Hour}), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) != 1 || len(sink.batches[0]) != 1 || sink.batches[0][0].Topic != "p.public.t" {
		t.Fatalf("batches %v, want one with the row's record only", sink.batches)
	}
	cp, err := DecodeCheckpoint(sink.checkpoints[0])
	if err != nil || cp.Tx != 2 || string(cp.State) != `{"sig":5}` {
		t.Errorf("checkpoint %+v %v, want the position-only event's", cp, err)
	}
}
