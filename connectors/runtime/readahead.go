package runtime

import (
	"context"

	"github.com/sluicecdc/sluice/connectors/change"
)

// readAhead holds the events the loop takes from the stream while a commit
// is under way, and hands them out, in order, before the stream's own.
//
// A commit mostly waits (for the broker to have every record, then for the
// transaction's end), and the source's queue is small, so without it the
// source filled its queue within the commit's first milliseconds and then
// waited too: reading, committing and encoding took turns. Taking events
// off the queue during the commit lets the source read on; nothing is
// written to the sink or acknowledged before the commit has returned, so the
// records, their order and the rule "commit, then ack" are unchanged (where
// batches end depends on timing, as it always did).
//
// At most readAheadEvents are held: a commit takes some 15-30 ms, in which a
// source reads at most a few thousand rows, and holding a whole batch (10000)
// raised a 1M-row snapshot's peak RSS from 54 to 63-72 MiB for no measurable
// gain, while 4096 kept it at 53-55 MiB.
type readAhead struct {
	evs []*change.Event
	i   int   // evs[i:] are still to be handed out
	err error // the stream's error that stopped the reading; returned after evs
}

// readAheadEvents bounds the events held (see readAhead).
const readAheadEvents = 4096

// pending is the number of events held.
func (r *readAhead) pending() int { return len(r.evs) - r.i }

// next returns the oldest held event, then the error that stopped the
// reading ahead, then the stream's next event.
func (r *readAhead) next(ctx context.Context, s Stream) (*change.Event, error) {
	if r.i < len(r.evs) {
		ev := r.evs[r.i]
		r.evs[r.i] = nil
		r.i++
		return ev, nil
	}
	if r.err != nil {
		err := r.err
		r.err = nil
		return nil, err
	}
	return s.Next(ctx)
}

// during runs commit in a goroutine and, until it returns, takes events from
// s, holding at most limit. It returns commit's error once commit has
// returned. s is not used by commit, so the stream stays the caller's alone.
func (r *readAhead) during(ctx context.Context, s Stream, limit int, commit func() error) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		err := commit()
		cancel() // ends the wait in s.Next; cancelling Next loses nothing
		done <- err
	}()
	if r.i == len(r.evs) {
		r.evs, r.i = r.evs[:0], 0
	}
	for r.err == nil && r.pending() < limit && rctx.Err() == nil {
		ev, err := s.Next(rctx)
		if err != nil {
			if rctx.Err() == nil {
				r.err = err // the stream's own: kept for its turn
			}
			break
		}
		r.evs = append(r.evs, ev)
	}
	return <-done
}
