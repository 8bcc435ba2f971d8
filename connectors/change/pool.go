package change

import "sync"

// Snapshot rows are the one place a source makes events faster than the
// garbage collector likes: one Event (some 370 bytes) a row, 60 % of the
// bytes a snapshot allocated. Sources take those Events from a pool with
// Pooled, and the stream's consumer gives each back with Release once it
// holds no reference to it (the runtime's loop does, once the event's
// records are in the sink). An Event that is never released is collected
// as any other, so consumers that keep events (tests, tools) need do
// nothing.
var eventPool = sync.Pool{New: func() any { return new(Event) }}

// Pooled returns an Event from the pool holding e's fields.
func Pooled(e Event) *Event {
	ev := eventPool.Get().(*Event)
	*ev = e
	ev.pooled = true
	return ev
}

// Release gives ev back to the pool when Pooled made it, after which the
// caller must not touch ev again; it does nothing for any other Event, and
// for a pooled one already released. Values ev refers to (its rows, its
// position's key) are not reused: a copy of ev.Pos stays valid.
func (ev *Event) Release() {
	if ev == nil || !ev.pooled {
		return
	}
	*ev = Event{}
	eventPool.Put(ev)
}
