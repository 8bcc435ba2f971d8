package runtime

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
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
			err := r.during(context.Background(), st, tc.limit, func() error {
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
	if err := r.during(context.Background(), st, 3, commit); err != nil {
		t.Fatal(err)
	}
	take(1) // two still held when the next commit starts
	if err := r.during(context.Background(), st, 4, commit); err != nil {
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
