package schema

// arena hands out the bytes of encoded records, carved from large chunks,
// and takes every chunk back at once when its user says that all records
// handed out so far are dead (recycle). A drain encodes some 500 bytes per
// row, and allocating them one record at a time made half of the garbage
// the daemon's collector had to keep up with; chunks hold no pointers, so
// reusing them costs the collector nothing.
//
// An arena never lends a chunk twice without a recycle in between, and it
// tracks at most arenaKeep chunks: when a user never recycles (or a batch
// outgrows them), further chunks are left to the collector like any other
// allocation, so an arena cannot hold more than arenaKeep*arenaChunk bytes.
type arena struct {
	cur  []byte   // the chunk being carved; cur[off:] is free
	off  int      //
	used [][]byte // chunks filled since the last recycle, cur excluded
	free [][]byte // chunks to carve from before allocating new ones
	// marked is set by mark: recycle then frees only used[:kept], the
	// chunks filled before the mark.
	marked bool
	kept   int
}

const (
	arenaChunk = 64 << 10
	// 12 MiB: the default batch (sluice.batch.max.bytes, 8 MiB) and the
	// records encoded while it commits (runtime.readAheadEvents, some
	// 3.5 MiB of snapshot rows) fit, so a snapshot's records all come
	// from reused chunks.
	arenaKeep  = 192
	arenaLarge = arenaChunk / 8
)

// alloc returns n bytes, uninitialized, with capacity n.
func (a *arena) alloc(n int) []byte {
	if n > arenaLarge {
		return make([]byte, n)
	}
	if a.off+n > len(a.cur) {
		if a.cur != nil && len(a.used)+len(a.free) < arenaKeep {
			a.used = append(a.used, a.cur)
		}
		if k := len(a.free); k > 0 {
			a.cur, a.free = a.free[k-1], a.free[:k-1]
		} else {
			a.cur = make([]byte, arenaChunk)
		}
		a.off = 0
	}
	b := a.cur[a.off : a.off+n : a.off+n]
	a.off += n
	return b
}

// recycle makes every chunk free again. The caller promises that nothing
// it was given by alloc is used any more, or, after a mark, nothing it was
// given before the mark: then only the chunks filled before the mark are
// freed.
func (a *arena) recycle() {
	if a.marked {
		a.marked = false
		a.free = append(a.free, a.used[:a.kept]...)
		n := copy(a.used, a.used[a.kept:])
		clear(a.used[n:])
		a.used = a.used[:n]
		return
	}
	a.free = append(a.free, a.used...)
	clear(a.used)
	a.used = a.used[:0]
	a.off = 0
}

// mark divides what alloc hands out into what came before it, which the
// next recycle frees, and what comes after, which it keeps: the records
// encoded while a batch commits belong to the next one. The chunk being
// carved is retired (its free tail is lost until it is recycled), so that
// no chunk holds bytes from both sides. A second mark before a recycle
// moves the division to itself.
func (a *arena) mark() {
	if a.off > 0 {
		if len(a.used)+len(a.free) < arenaKeep {
			a.used = append(a.used, a.cur)
		}
		a.cur, a.off = nil, 0
	}
	a.marked, a.kept = true, len(a.used)
}
