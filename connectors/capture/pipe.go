package capture

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/queue"
)

// Item is one entry of the queue between a source's producer goroutine and
// Next: an event, a transaction end, or how the producer ended.
type Item struct {
	Ev   *change.Event
	Size int // bytes the queue's budget counts for Ev
	// End is a transaction end (with its last event, if any) or an empty
	// stretch of log: bookkeeping for the Acker. nil when the pipe has none.
	End *TxEnd
	Err error // the producer failed: Next returns Err from now on
	EOF bool  // the producer has nothing more: Next returns io.EOF
}

// TxEnd records where a source transaction (or, with Events false, an
// empty stretch of log reported by a keepalive) ends.
type TxEnd struct {
	Commit uint64 // commit order (the events' Pos.Tx)
	End    uint64 // log position to confirm once it is acknowledged
	Events bool   // the source yielded events for it
}

// Pipe is the skeleton of a source's stream: a producer goroutine reads the
// database and queues Items, bounded by count and by bytes; Next hands their
// events over one by one. A failure of the producer (a panic included) is
// sticky: Next returns it from then on.
//
// Next, Pending and Ack are called by one consumer goroutine (the runtime's
// loop); Send by the producer.
type Pipe struct {
	items  *queue.Queue[Item]
	closed error // what Next returns when the queue closes without EOF or Err
	acker  *Acker
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	done bool // Close was called

	// consumer side (Next), single goroutine by contract
	sticky error
	batch  []Item // taken from items, not yet returned from batch[bi] on
	bi     int
}

// NewPipe returns a pipe whose queue holds up to events items and bytes
// bytes (by the sizes the producer gives). closed is the error Next returns
// if the producer goroutine ends without saying why. acker, nil for a
// database that keeps no reader position, records the transaction ends Next
// passes and the acknowledgements.
func NewPipe(events, bytes int, closed error, acker *Acker) *Pipe {
	return &Pipe{items: queue.New[Item](events, bytes), closed: closed, acker: acker}
}

// Start runs produce on the producer goroutine, then release (which closes
// the producer's connections). produce's error reaches Next: io.EOF as the
// end of the stream, any other error as a sticky failure; nothing when the
// pipe is closing.
func (p *Pipe) Start(produce func(ctx context.Context) error, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.items.Close()
		defer release()
		err := change.Guard(func() error { return produce(ctx) })
		if err == nil || ctx.Err() != nil {
			return
		}
		if errors.Is(err, io.EOF) {
			_ = p.Send(ctx, Item{EOF: true})
			return
		}
		_ = p.Send(ctx, Item{Err: err})
	}()
}

// Send queues it for Next, waiting for room (by count and by bytes).
func (p *Pipe) Send(ctx context.Context, it Item) error {
	return p.items.Put(ctx, it, it.Size)
}

// SendAll queues its, in order, as Send would one by one, with fewer
// meetings of the two goroutines: a snapshot queues its rows a run at a
// time (see Emitter.SendAll).
func (p *Pipe) SendAll(ctx context.Context, its []Item) error {
	return p.items.PutAll(ctx, its, itemSize)
}

func itemSize(it *Item) int { return it.Size }

// Next returns the next event. Cancelling ctx loses nothing.
func (p *Pipe) Next(ctx context.Context) (*change.Event, error) {
	for {
		if p.sticky != nil {
			return nil, p.sticky
		}
		if p.bi == len(p.batch) {
			clear(p.batch)
			p.batch, p.bi = p.batch[:0], 0
			var err error
			if p.batch, err = p.items.Take(ctx, p.batch); err != nil {
				if errors.Is(err, queue.ErrClosed) {
					p.sticky = p.closed
					continue
				}
				return nil, err
			}
		}
		it := p.batch[p.bi]
		p.batch[p.bi] = Item{} // the event is the caller's now
		p.bi++
		switch {
		case it.Err != nil:
			p.sticky = it.Err
		case it.EOF:
			p.sticky = io.EOF
		default:
			if it.End != nil && p.acker != nil {
				p.acker.Passed(*it.End)
			}
			if it.Ev != nil {
				return it.Ev, nil
			}
		}
	}
}

// Pending returns how many events (or a pending error) are ready for Next
// without waiting; the runtime commits a batch when nothing more is ready.
func (p *Pipe) Pending() int { return len(p.batch) - p.bi + p.items.Len() }

// QueueStats are the queue's bounds and the bytes queued (not counting the
// batch Next works through), as Debezium's queue metrics show them.
type QueueStats struct {
	CapacityEvents, CapacityBytes, QueuedBytes int
}

// QueueStats returns the queue's bounds and bytes queued; safe from any
// goroutine.
func (p *Pipe) QueueStats() QueueStats {
	n, b := p.items.Capacity()
	return QueueStats{CapacityEvents: n, CapacityBytes: b, QueuedBytes: p.items.Bytes()}
}

// Ack records that every event up to and including pos is durable (a no-op
// without an Acker).
func (p *Pipe) Ack(pos change.Position) error {
	if p.acker != nil {
		p.acker.Ack(pos)
	}
	return nil
}

// Close stops the producer goroutine and waits for it (and so for
// release). A second Close does nothing.
func (p *Pipe) Close() {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.done = true
	p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}

// Acker is the acknowledgement bookkeeping of a database that keeps a
// reader position (the Postgres slot): it confirms the log up to the end of
// the last transaction whose every event is acknowledged. Next records the
// transaction ends as it passes them, so that a transaction without events
// (or a keepalive) is confirmed as soon as everything before it is.
type Acker struct {
	mu       sync.Mutex
	pending  []TxEnd
	acked    change.Position
	hasAcked bool
	// confirmed is the position the database may be told.
	confirmed atomic.Uint64
}

// Passed records that Next passed the transaction end e, and confirms what
// it can.
func (a *Acker) Passed(e TxEnd) {
	a.mu.Lock()
	a.pending = append(a.pending, e)
	a.advanceLocked()
	a.mu.Unlock()
}

// Ack records that every event up to and including pos is durable. The
// log is then confirmed up to the end of the last transaction whose every
// event is acknowledged. Snapshot positions confirm nothing.
func (a *Acker) Ack(pos change.Position) {
	if pos.Snapshot {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.hasAcked || pos.Tx > a.acked.Tx || pos.Tx == a.acked.Tx && (pos.Index > a.acked.Index || pos.Last) {
		a.acked = pos
		a.hasAcked = true
	}
	a.advanceLocked()
}

// advanceLocked pops the transactions at the head of pending that are fully
// acknowledged and moves the confirmed position to their end.
func (a *Acker) advanceLocked() {
	n := 0
	for _, p := range a.pending {
		if p.Events && !(a.hasAcked && (p.Commit < a.acked.Tx || p.Commit == a.acked.Tx && a.acked.Last)) {
			break
		}
		if p.End > a.confirmed.Load() {
			a.confirmed.Store(p.End)
		}
		n++
	}
	if n > 0 {
		a.pending = append(a.pending[:0], a.pending[n:]...)
	}
}

// Confirmed returns the log position everything before which is
// acknowledged: what the database may be told.
func (a *Acker) Confirmed() uint64 { return a.confirmed.Load() }

// SetConfirmed sets the confirmed position: where the database's reader
// stands when the stream opens.
func (a *Acker) SetConfirmed(v uint64) { a.confirmed.Store(v) }
