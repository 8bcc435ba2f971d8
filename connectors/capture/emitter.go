package capture

import (
	"context"
	"slices"

	"github.com/sluicecdc/sluice/connectors/change"
)

// SnapRow is a snapshot event waiting for its successor, which decides its
// source.snapshot marker.
type SnapRow struct {
	Ev           *change.Event
	Table        int // index in the snapshot's table list
	FirstInTable bool
	// LastInTable marks the table's last row when the Emitter is
	// Interleaved.
	LastInTable bool
	Size        int // the event's memory estimate, for the queue
}

// Emitter queues snapshot rows one behind, so that the last row of a table
// and of the snapshot can be marked.
//
// The rows of a table may share one Source block (a source builds it once
// per table rather than once per row: the per-row copies were a quarter of
// the bytes a snapshot allocated): the emitter never writes into a row's
// block, but gives a row whose marker differs from its block's a copy that
// holds it.
type Emitter struct {
	// SnapshotIdx is the index of source.snapshot in the events' Source
	// block: the field the marker is written to.
	SnapshotIdx int
	// Fresh is set when the snapshot starts with these rows (no checkpoint
	// resumed it): the first row sent is marked "first".
	Fresh bool
	// Send queues a marked event for the stream.
	Send func(ctx context.Context, ev *change.Event, size int) error
	// SendAll, when set, is used instead of Send: the marked events are
	// queued emitRun at a time, and at the end of each chunk (EndChunk)
	// and of the snapshot (Finish). One meeting with the stream's reader
	// per row had been 4 % of a snapshot's CPU.
	SendAll func(ctx context.Context, evs []Item) error
	// Interleaved is set when the rows of several tables interleave (a
	// parallel snapshot): a table's last row is the one marked
	// LastInTable, not the one a row of another table follows.
	Interleaved bool

	emitted bool
	buf     SnapRow // held back when buf.Ev is set
	out     []Item  // marked, for SendAll
}

// emitRun is how many marked events the Emitter queues at once with
// SendAll.
const emitRun = 64

// Push sends the row held back, marked now that its successor r is known,
// and holds r back.
func (e *Emitter) Push(ctx context.Context, r SnapRow) error {
	if e.buf.Ev != nil {
		last := e.buf.LastInTable
		if !e.Interleaved {
			last = e.buf.Table != r.Table
		}
		if err := e.flush(ctx, last, false); err != nil {
			return err
		}
	}
	e.buf = r
	return nil
}

// EndChunk marks the row held back as the last of its chunk (Pos.Last),
// and queues the rows before it: nothing the source sends between chunks
// passes them.
func (e *Emitter) EndChunk(ctx context.Context) error {
	e.buf.Ev.Pos.Last = true
	return e.sendOut(ctx)
}

// Finish sends the row held back, if any, as the snapshot's last.
func (e *Emitter) Finish(ctx context.Context) error {
	if e.buf.Ev != nil {
		if err := e.flush(ctx, true, true); err != nil {
			return err
		}
	}
	return e.sendOut(ctx)
}

// sendOut queues the events SendAll has not been given yet.
func (e *Emitter) sendOut(ctx context.Context) error {
	if len(e.out) == 0 {
		return nil
	}
	err := e.SendAll(ctx, e.out)
	clear(e.out)
	e.out = e.out[:0]
	return err
}

func (e *Emitter) flush(ctx context.Context, lastInTable, lastOverall bool) error {
	r := e.buf
	e.buf = SnapRow{}
	m := SnapshotMarker(e.Fresh && !e.emitted, lastOverall, r.FirstInTable, lastInTable)
	if cur, ok := r.Ev.Source[e.SnapshotIdx].(string); !ok || cur != m {
		src := slices.Clone(r.Ev.Source)
		src[e.SnapshotIdx] = m
		r.Ev.Source = src
	}
	e.emitted = true
	if e.SendAll == nil {
		return e.Send(ctx, r.Ev, r.Size)
	}
	e.out = append(e.out, Item{Ev: r.Ev, Size: r.Size})
	if len(e.out) < emitRun {
		return nil
	}
	return e.sendOut(ctx)
}

// SnapshotMarker is Debezium's source.snapshot value for a snapshot row.
func SnapshotMarker(firstOverall, lastOverall, firstInTable, lastInTable bool) string {
	switch {
	case lastOverall:
		return "last"
	case firstOverall:
		return "first"
	case firstInTable:
		return "first_in_data_collection"
	case lastInTable:
		return "last_in_data_collection"
	}
	return "true"
}
