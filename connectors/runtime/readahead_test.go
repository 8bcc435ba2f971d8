package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
	"github.com/sluicecdc/sluice/sinks"
)

func TestReadAheadDuringCommit(t *testing.T) {
	errCommit := errors.New("commit refused")
	cases := []struct {
		name      string
		events    int
		failAt    int // scripted Next failure; -1 none
		limit     int
		commitErr error
		held      int  // events held after the commit
		wantErr   bool // next returns the stream's error after the held events
	}{
		{name: "reads while committing", events: 5, failAt: -1, limit: 10, held: 5},
		{name: "holds at most limit", events: 20, failAt: -1, limit: 7, held: 7},
		{name: "keeps the stream's error for its turn", events: 5, failAt: 3, limit: 10, held: 3, wantErr: true},
		{name: "returns the commit's error", events: 5, failAt: -1, limit: 10, commitErr: errCommit, held: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &scriptedSource{events: positions(tc.events), failAt: tc.failAt}
			st := &scriptedStream{src: src}
			var r readAhead
			committed := make(chan struct{})
			err := r.during(context.Background(), st, tc.limit, nil, func() error {
				time.Sleep(50 * time.Millisecond) // a commit waits on the broker
				close(committed)
				return tc.commitErr
			})
			select {
			case <-committed:
			default:
				t.Fatal("during returned before the commit did")
			}
			if !errors.Is(err, tc.commitErr) || (tc.commitErr == nil) != (err == nil) {
				t.Fatalf("during = %v, want %v", err, tc.commitErr)
			}
			if r.pending() != tc.held {
				t.Fatalf("held %d events, want %d", r.pending(), tc.held)
			}
			// Held events come first, in the stream's order, then the
			// stream's own.
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			for i := 0; i < tc.held+1; i++ {
				ev, err := r.next(ctx, st)
				if i == tc.held && tc.wantErr {
					if err == nil {
						t.Fatalf("event %d: want the stream's error, got %+v", i, ev.Pos)
					}
					return
				}
				if i == tc.held && tc.held == tc.events {
					if err == nil {
						t.Fatalf("event %d: want the stream to wait, got %+v", i, ev.Pos)
					}
					return
				}
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if !samePos(ev.Pos, src.events[i]) {
					t.Fatalf("event %d at %+v, want %+v", i, ev.Pos, src.events[i])
				}
			}
		})
	}
}

func TestReadAheadHandsOutInOrderAcrossCommits(t *testing.T) {
	src := &scriptedSource{events: positions(12), failAt: -1, endEOF: true}
	st := &scriptedStream{src: src}
	var r readAhead
	var got []change.Position
	take := func(n int) {
		for range n {
			ev, err := r.next(context.Background(), st)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev.Pos)
		}
	}
	commit := func() error { time.Sleep(10 * time.Millisecond); return nil }
	take(2)
	if err := r.during(context.Background(), st, 3, nil, commit); err != nil {
		t.Fatal(err)
	}
	take(1) // two still held when the next commit starts
	if err := r.during(context.Background(), st, 4, nil, commit); err != nil {
		t.Fatal(err)
	}
	if r.pending() != 4 {
		t.Fatalf("held %d, want 4", r.pending())
	}
	take(9)
	for i, p := range got {
		if !samePos(p, src.events[i]) {
			t.Fatalf("event %d at %+v, want %+v", i, p, src.events[i])
		}
	}
	if _, err := r.next(context.Background(), st); err == nil {
		t.Fatal("want io.EOF after the last event")
	}
}

// countingEncoder encodes an event as one record whose value is its
// position, counting the calls; it fails on the position failOn.
type countingEncoder struct {
	calls  int
	failOn int64
}

func (c *countingEncoder) Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	c.calls++
	if ev.Pos.Index == c.failOn {
		return dst, errors.New("cannot encode")
	}
	return append(dst, schema.Message{Topic: "t", Value: []byte(fmt.Sprint(ev.Pos.Tx, ev.Pos.Index))}), nil
}

func TestReadAheadEncodesDuringCommit(t *testing.T) {
	cases := []struct {
		name         string
		held         int // events taken before the commit and not yet handed out
		events, size int // aheadEncoding's bounds (size in bytes)
		encoded      int // events encoded during the commit
	}{
		{name: "encodes what it reads", events: 100, size: 1 << 20, encoded: 8},
		{name: "at most events", events: 3, size: 1 << 20, encoded: 3},
		{name: "until bytes", events: 100, size: 9, encoded: 2}, // "100 0" and "100 1": 10 bytes
		{name: "not behind held events", held: 2, events: 100, size: 1 << 20, encoded: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &scriptedSource{events: positions(10), failAt: -1, endEOF: true}
			st := &scriptedStream{src: src}
			enc := &countingEncoder{failOn: 4}
			var r readAhead
			commit := func() error { time.Sleep(20 * time.Millisecond); return nil }
			if tc.held > 0 {
				if err := r.during(context.Background(), st, tc.held, nil, commit); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.during(context.Background(), st, 8, &aheadEncoding{enc: enc, events: tc.events, bytes: tc.size}, commit); err != nil {
				t.Fatal(err)
			}
			if enc.calls != tc.encoded || r.encodedPending() != tc.encoded {
				t.Fatalf("encoded %d (%d pending), want %d", enc.calls, r.encodedPending(), tc.encoded)
			}
			// Every event's records are as the encoder makes them, in
			// order; those encoded ahead are not encoded again.
			var msgs []schema.Message
			for i := range 10 {
				ev, err := r.next(context.Background(), st)
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				calls := enc.calls
				var eerr error
				msgs, eerr = r.encode(enc, msgs[:0], ev)
				if again := enc.calls > calls; again == (i >= tc.held && i < tc.held+tc.encoded) {
					t.Errorf("event %d: encoded at its turn: %v", i, again)
				}
				if ev.Pos.Index == 4 {
					if eerr == nil || len(msgs) != 0 {
						t.Errorf("event %d: want its encoding error and no record, got %v, %d", i, eerr, len(msgs))
					}
					continue
				}
				if eerr != nil || len(msgs) != 1 || string(msgs[0].Value) != fmt.Sprint(ev.Pos.Tx, ev.Pos.Index) {
					t.Errorf("event %d at %+v: records %+v, %v", i, ev.Pos, msgs, eerr)
				}
			}
		})
	}
}

// TestReadAheadReencodesHeldRecords: events encoded during one commit and
// still held when the next begins lose their records (the encoder reuses
// that memory after the commit) and are encoded at their turn.
func TestReadAheadReencodesHeldRecords(t *testing.T) {
	src := &scriptedSource{events: positions(10), failAt: -1, endEOF: true}
	st := &scriptedStream{src: src}
	enc := &countingEncoder{failOn: -1}
	var r readAhead
	commit := func() error { time.Sleep(10 * time.Millisecond); return nil }
	if err := r.during(context.Background(), st, 4, &aheadEncoding{enc: enc, events: 100, bytes: 1 << 20}, commit); err != nil {
		t.Fatal(err)
	}
	if _, err := r.next(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if err := r.during(context.Background(), st, 6, &aheadEncoding{enc: enc, events: 100, bytes: 1 << 20}, commit); err != nil {
		t.Fatal(err)
	}
	if r.encodedPending() != 0 || r.pending() != 6 {
		t.Fatalf("%d held, %d of them encoded ahead; want 6 and 0", r.pending(), r.encodedPending())
	}
	calls := enc.calls
	for i := range 6 {
		ev, err := r.next(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := r.encode(enc, nil, ev)
		if err != nil || len(msgs) != 1 || string(msgs[0].Value) != fmt.Sprint(ev.Pos.Tx, ev.Pos.Index) {
			t.Fatalf("held event %d: %+v, %v", i, msgs, err)
		}
	}
	if enc.calls != calls+6 {
		t.Fatalf("%d encodings at their turn, want 6", enc.calls-calls)
	}
}

// refSink keeps the records written to it as they are, the way the Kafka
// client does until the commit, and at each commit checks that their bytes
// are still those written: an encoder reusing their memory too early (a
// Recycle freeing records encoded during the last commit) is caught.
type refSink struct {
	memSink
	refs, copies []sinks.Record
	overwritten  int
}

func (s *refSink) Write(ctx context.Context, recs []sinks.Record) error {
	for _, r := range recs {
		s.refs = append(s.refs, r)
		c := r
		c.Key, c.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
		s.copies = append(s.copies, c)
	}
	return s.memSink.Write(ctx, recs)
}

func (s *refSink) Commit(ctx context.Context, cp []byte) error {
	time.Sleep(2 * time.Millisecond) // the loop reads and encodes meanwhile
	for i, r := range s.refs {
		if !bytes.Equal(r.Value, s.copies[i].Value) || !bytes.Equal(r.Key, s.copies[i].Key) {
			s.overwritten++
		}
	}
	s.refs, s.copies = s.refs[:0], s.copies[:0]
	return s.memSink.Commit(ctx, cp)
}

// TestEncodingAheadKeepsRecordsIntact runs a task with the JSON encoder
// (whose records share reused memory) through batches that commit slowly,
// so that events are encoded during every commit: every record reaches the
// sink intact, in order, once.
func TestEncodingAheadKeepsRecordsIntact(t *testing.T) {
	const n = 3000
	src := &scriptedSource{events: positions(n), failAt: -1, endEOF: true}
	sink := &refSink{memSink: memSink{src: src}}
	task := &Task{
		Name:     "t1",
		Source:   src,
		Encoder:  schema.NewJSON(schema.JSONOptions{TopicPrefix: "p"}),
		NewSink:  func(context.Context) (sinks.Sink, error) { return sink, nil },
		Offsets:  &sink.memSink,
		Batching: Batching{MaxEvents: 100, Linger: time.Hour},
	}
	if err := runFor(t, task, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if sink.overwritten > 0 {
		t.Fatalf("%d records were overwritten before their commit", sink.overwritten)
	}
	var got []sinks.Record
	for _, b := range sink.batches {
		if len(b) > 100 {
			t.Fatalf("a batch of %d records, want at most 100", len(b))
		}
		got = append(got, b...)
	}
	if len(got) != n {
		t.Fatalf("%d records, want %d", len(got), n)
	}
	for i, r := range got {
		if want := fmt.Sprintf(`"after":{"id":%d}`, i+1); !bytes.Contains(r.Value, []byte(want)) {
			t.Fatalf("record %d: %s, want %s", i, r.Value, want)
		}
	}
}
