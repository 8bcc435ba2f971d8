package postgres

import "io"

// Sizes of the replication connection's read buffer (elasticReader).
const (
	replReadBufferMin = 32 << 10 // streaming live changes, or idle
	replReadBuffer    = 1 << 20  // draining a backlog
	// replReadShrinkAfter is how many fills in a row that use less than
	// an eighth of a grown buffer bring it back to replReadBufferMin.
	replReadShrinkAfter = 16
)

// elasticReader is a buffered reader for the replication connection whose
// buffer grows while the socket fills it (a backlog: one read then takes
// whatever the socket holds, so a drain costs a few large reads instead of
// one small read per change) and goes back to a small one once reads find
// little. A fixed 1 MiB buffer per connector was most of an idle
// connector's memory (docs/scale.md).
type elasticReader struct {
	rd     io.Reader
	buf    []byte
	r, w   int // buf[r:w] is buffered
	err    error
	last   int // bytes the last fill read
	lowRun int // fills in a row that used less than an eighth of buf
}

func newElasticReader(rd io.Reader) *elasticReader {
	return &elasticReader{rd: rd, buf: make([]byte, replReadBufferMin)}
}

// Read copies buffered bytes to p, filling the buffer from the socket
// when it is empty. A read at least as large as the buffer goes to the
// socket directly.
func (b *elasticReader) Read(p []byte) (int, error) {
	if b.r == b.w {
		if b.err != nil {
			err := b.err
			b.err = nil
			return 0, err
		}
		b.resize()
		if len(p) >= len(b.buf) {
			return b.rd.Read(p)
		}
		n, err := b.rd.Read(b.buf)
		b.r, b.w, b.last = 0, n, n
		if n == 0 {
			return 0, err
		}
		b.err = err
	}
	n := copy(p, b.buf[b.r:b.w])
	b.r += n
	return n, nil
}

// resize grows the empty buffer fourfold when the last fill filled it, and
// shrinks it to replReadBufferMin after replReadShrinkAfter small fills.
func (b *elasticReader) resize() {
	switch size := len(b.buf); {
	case b.last == size && size < replReadBuffer:
		b.buf = make([]byte, min(4*size, replReadBuffer))
		b.lowRun = 0
	case size > replReadBufferMin && b.last < size/8:
		if b.lowRun++; b.lowRun >= replReadShrinkAfter {
			b.buf = make([]byte, replReadBufferMin)
			b.lowRun = 0
		}
	default:
		b.lowRun = 0
	}
	b.last = 0
}
