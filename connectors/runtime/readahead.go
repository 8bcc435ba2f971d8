package runtime

import (
	"context"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
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
//
// The events taken are also encoded then, when the encoder can keep their
// records apart from the committing batch's (aheadEncoding): the loop, which
// does the encoding, is otherwise idle during the commit, and a snapshot is
// bound by the loop. The records encoded ahead all go into the next batch
// (see aheadEncoding), so the memory the encoder reuses after the commit is
// never theirs.
type readAhead struct {
	evs []*change.Event
	i   int   // evs[i:] are still to be handed out
	err error // the stream's error that stopped the reading; returned after evs

	// enc[k] says where the records of evs[k], encoded ahead, end in msgs,
	// and the error encoding it returned; only the first len(enc) events
	// were encoded ahead.
	enc  []aheadRecords
	msgs []schema.Message
	got  int // the index in evs of the event next handed out last, if it was encoded ahead; else -1
}

// aheadRecords is where an event's records encoded ahead end in
// readAhead.msgs, and its encoding error.
type aheadRecords struct {
	end int
	err error
}

// aheadEncoding says how during may encode the events it takes: with enc,
// at most events events, and none once bytes bytes of keys and values are
// encoded. With the batch's bounds, every event encoded ahead fits in the
// batch that follows the commit, which the loop does not end before it has
// taken them all (encodedPending).
type aheadEncoding struct {
	enc    Encoder
	events int
	bytes  int
}

// readAheadEvents bounds the events held (see readAhead).
const readAheadEvents = 4096

// pending is the number of events held.
func (r *readAhead) pending() int { return len(r.evs) - r.i }

// encodedPending is the number of events held that were encoded ahead.
func (r *readAhead) encodedPending() int { return max(0, len(r.enc)-r.i) }

// next returns the oldest held event, then the error that stopped the
// reading ahead, then the stream's next event.
func (r *readAhead) next(ctx context.Context, s Stream) (*change.Event, error) {
	r.got = -1
	if r.i < len(r.evs) {
		ev := r.evs[r.i]
		r.evs[r.i] = nil
		if r.i < len(r.enc) {
			r.got = r.i
		}
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

// encode appends the records of ev, the event next returned last, to dst:
// those encoded when it was taken ahead, or enc's now.
func (r *readAhead) encode(enc Encoder, dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	if r.got < 0 {
		return enc.Encode(dst, ev)
	}
	from := 0
	if r.got > 0 {
		from = r.enc[r.got-1].end
	}
	e := r.enc[r.got]
	return append(dst, r.msgs[from:e.end]...), e.err
}

// during runs commit in a goroutine and, until it returns, takes events from
// s, holding at most limit, and encodes them as ea says (nil: not at all).
// It returns commit's error once commit has returned. Neither s nor ea's
// encoder is used by commit, so they stay the caller's alone.
func (r *readAhead) during(ctx context.Context, s Stream, limit int, ea *aheadEncoding, commit func() error) error {
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
		clear(r.msgs)
		r.enc, r.msgs = r.enc[:0], r.msgs[:0]
	} else {
		// Events are still held: the new ones are not encoded ahead (their
		// records would come before the held ones'), and held ones encoded
		// during the last commit are encoded again at their turn, since
		// the encoder reuses their memory after this commit. (The loop
		// ends no batch before it has taken those, so this is a safeguard.)
		r.enc = r.enc[:min(len(r.enc), r.i)]
		ea = nil
	}
	bytes := 0
	for r.err == nil && r.pending() < limit && rctx.Err() == nil {
		ev, err := s.Next(rctx)
		if err != nil {
			if rctx.Err() == nil {
				r.err = err // the stream's own: kept for its turn
			}
			break
		}
		r.evs = append(r.evs, ev)
		if ea == nil {
			continue
		}
		start := len(r.msgs)
		r.msgs, err = ea.enc.Encode(r.msgs, ev)
		if err != nil {
			r.msgs = r.msgs[:start]
		}
		for _, m := range r.msgs[start:] {
			bytes += len(m.Key) + len(m.Value)
		}
		r.enc = append(r.enc, aheadRecords{end: len(r.msgs), err: err})
		if len(r.enc) >= ea.events || bytes >= ea.bytes {
			ea = nil
		}
	}
	return <-done
}
