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
}

const (
	arenaChunk = 64 << 10
	arenaKeep  = 128 // 8 MiB: the default batch (sluice.batch.max.bytes) fits
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
// it was given by alloc is used any more.
//
// It keeps as many free chunks as the batch since the last recycle filled:
// a drain's batches reuse them, and a connector that goes idle after a
// large batch (a snapshot) gives the rest back at its next, small one
// instead of holding up to arenaKeep chunks for good (docs/scale.md).
func (a *arena) recycle() {
	filled := len(a.used)
	a.free = append(a.free, a.used...)
	if len(a.free) > filled {
		clear(a.free[filled:])
		a.free = a.free[:filled]
	}
	clear(a.used)
	a.used = a.used[:0]
	a.off = 0
}
