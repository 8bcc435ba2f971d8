package capture

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

var errClosed = errors.New("stream closed")

// drain returns the events Next yields until it fails, and the error.
func drain(t *testing.T, p *Pipe) ([]*change.Event, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var evs []*change.Event
	for {
		ev, err := p.Next(ctx)
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

// TestPipeEnds: how the producer ends is what Next returns after the events
// it queued, and it sticks.
func TestPipeEnds(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		produce func(ctx context.Context, p *Pipe) error
		want    error
		panics  bool
	}{
		{"eof", func(context.Context, *Pipe) error { return io.EOF }, io.EOF, false},
		{"error", func(context.Context, *Pipe) error { return boom }, boom, false},
		{"wrapped eof", func(context.Context, *Pipe) error { return errors.Join(io.EOF) }, io.EOF, false},
		{"returns nil", func(context.Context, *Pipe) error { return nil }, errClosed, false},
		{"queued error", func(ctx context.Context, p *Pipe) error {
			_ = p.Send(ctx, Item{Err: boom})
			return nil
		}, boom, false},
		{"panic", func(context.Context, *Pipe) error { panic("bad") }, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPipe(4, 1<<20, errClosed, nil)
			released := false
			ev1, ev2 := &change.Event{}, &change.Event{}
			p.Start(func(ctx context.Context) error {
				for _, ev := range []*change.Event{ev1, ev2} {
					if err := p.Send(ctx, Item{Ev: ev, Size: 10}); err != nil {
						return err
					}
				}
				return tc.produce(ctx, p)
			}, func() { released = true })
			evs, err := drain(t, p)
			if len(evs) != 2 || evs[0] != ev1 || evs[1] != ev2 {
				t.Errorf("events %v, want the two queued", evs)
			}
			var pe *change.PanicError
			switch {
			case tc.panics && !errors.As(err, &pe):
				t.Errorf("err %v, want a PanicError", err)
			case !tc.panics && !errors.Is(err, tc.want):
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if _, again := p.Next(context.Background()); again != err {
				t.Errorf("second Next: %v, want the same %v", again, err)
			}
			p.Close()
			if !released {
				t.Error("release did not run before Close returned")
			}
		})
	}
}

// TestPipeNextKeepsItemsOnCancel: a Next cancelled while it waits loses
// nothing, and Pending counts what is ready.
func TestPipeNextKeepsItemsOnCancel(t *testing.T) {
	p := NewPipe(8, 1<<20, errClosed, nil)
	send := make(chan *change.Event)
	p.Start(func(ctx context.Context) error {
		for ev := range send {
			if err := p.Send(ctx, Item{Ev: ev}); err != nil {
				return err
			}
		}
		return io.EOF
	}, func() {})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an empty pipe: %v, want the deadline", err)
	}
	a, b := &change.Event{}, &change.Event{}
	send <- a
	send <- b
	for p.Pending() < 2 {
		time.Sleep(time.Millisecond)
	}
	if ev, err := p.Next(context.Background()); err != nil || ev != a {
		t.Fatalf("Next: %v %v, want the first event", ev, err)
	}
	if n := p.Pending(); n != 1 {
		t.Errorf("Pending %d after one of two, want 1", n)
	}
	close(send)
	evs, err := drain(t, p)
	if len(evs) != 1 || evs[0] != b || err != io.EOF {
		t.Errorf("rest %v %v, want the second event and EOF", evs, err)
	}
}

// TestPipeCloseStopsProducer: Close cancels a producer blocked on a full
// queue and waits for it; a second Close is harmless.
func TestPipeCloseStopsProducer(t *testing.T) {
	p := NewPipe(1, 1<<20, errClosed, nil)
	stopped := make(chan error, 1)
	p.Start(func(ctx context.Context) error {
		for {
			if err := p.Send(ctx, Item{Ev: &change.Event{}}); err != nil {
				stopped <- err
				return err
			}
		}
	}, func() {})
	p.Close()
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("producer ended with %v, want context.Canceled", err)
		}
	default:
		t.Error("Close returned before the producer ended")
	}
	p.Close()
}

// TestPipeAcker: Next hands the transaction ends to the Acker in queue
// order, so that an empty stretch is confirmed once the events before it
// are acknowledged; without an Acker, Ack does nothing.
func TestPipeAcker(t *testing.T) {
	a := &Acker{}
	a.SetConfirmed(10)
	p := NewPipe(8, 1<<20, errClosed, a)
	ev := &change.Event{Pos: change.Position{Tx: 100, Last: true}}
	p.Start(func(ctx context.Context) error {
		_ = p.Send(ctx, Item{Ev: ev, End: &TxEnd{Commit: 100, End: 108, Events: true}})
		_ = p.Send(ctx, Item{End: &TxEnd{End: 200}}) // keepalive
		return io.EOF
	}, func() {})
	defer p.Close()
	got, err := p.Next(context.Background())
	if err != nil || got != ev {
		t.Fatalf("Next: %v %v", got, err)
	}
	if c := a.Confirmed(); c != 10 {
		t.Errorf("confirmed %d before any ack, want 10", c)
	}
	if _, err := p.Next(context.Background()); err != io.EOF {
		t.Fatalf("Next: %v, want EOF", err)
	}
	if c := a.Confirmed(); c != 10 {
		t.Errorf("the keepalive confirmed %d past an unacknowledged transaction", c)
	}
	_ = p.Ack(ev.Pos)
	if c := a.Confirmed(); c != 200 {
		t.Errorf("confirmed %d after the ack, want 200 (the keepalive)", c)
	}

	none := NewPipe(8, 1<<20, errClosed, nil)
	if err := none.Ack(ev.Pos); err != nil {
		t.Errorf("Ack without an Acker: %v", err)
	}
}

// TestAckerConfirmsOnlyCompleteTransactions: the confirmed position moves
// to the end of a transaction only once its last event is acknowledged, or
// an event of a later one.
func TestAckerConfirmsOnlyCompleteTransactions(t *testing.T) {
	a := &Acker{}
	a.SetConfirmed(50)
	type step struct {
		end  *TxEnd           // passed by Next
		ack  *change.Position // acknowledged
		want uint64
	}
	pos := func(p change.Position) *change.Position { return &p }
	for i, s := range []step{
		{end: &TxEnd{Commit: 100, End: 108, Events: true}, want: 50},
		{end: &TxEnd{Commit: 150, End: 158}, want: 50}, // empty (all filtered)
		{end: &TxEnd{Commit: 200, End: 208, Events: true}, want: 50},
		{ack: pos(change.Position{Tx: 100, Index: 3}), want: 50}, // inside the transaction
		{ack: pos(change.Position{Tx: 100, Index: 4, Last: true}), want: 158},
		{ack: pos(change.Position{Snapshot: true, Table: "x"}), want: 158},
		{ack: pos(change.Position{Tx: 200, Index: 0}), want: 158},
		// Acking a later transaction's event completes earlier ones.
		{end: &TxEnd{Commit: 300, End: 308, Events: true}, want: 158},
		{ack: pos(change.Position{Tx: 300, Index: 0}), want: 208},
		// An ack that arrives before the commit marker is remembered.
		{ack: pos(change.Position{Tx: 400, Index: 0, Last: true}), want: 308},
		{ack: pos(change.Position{Tx: 350, Index: 9, Last: true}), want: 308}, // older: ignored
		{end: &TxEnd{Commit: 400, End: 408, Events: true}, want: 408},
		{end: &TxEnd{End: 500}, want: 500}, // keepalive with nothing outstanding
	} {
		if s.end != nil {
			a.Passed(*s.end)
		}
		if s.ack != nil {
			a.Ack(*s.ack)
		}
		if got := a.Confirmed(); got != s.want {
			t.Errorf("step %d (%+v): confirmed %d, want %d", i, s, got, s.want)
		}
	}
}
