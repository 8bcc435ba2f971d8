package queue

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Take once the queue is closed and empty.
var ErrClosed = errors.New("queue closed")

// Queue hands items from one producer goroutine to one consumer goroutine in
// batches. Put appends under a lock and wakes the consumer only when the
// queue was empty; Take moves everything queued at once. Compared with a
// channel of items, the two goroutines meet once per batch instead of once
// per item, which on a busy stream is most of the cost of the hand-over.
//
// The queue holds at most maxItems items and maxBytes bytes (by the sizes
// given to Put; an item larger than maxBytes passes alone), so with the batch
// the consumer holds, up to twice that is in flight.
type Queue[T any] struct {
	mu       sync.Mutex
	items    []T
	bytes    int
	closed   bool
	maxItems int
	maxBytes int
	n        atomic.Int64  // len(items), readable without the lock
	nb       atomic.Int64  // bytes, readable without the lock
	ready    chan struct{} // a token: something was put into an empty queue, or it closed
	room     chan struct{} // a token: the consumer took the queued items
}

// New returns a queue bounded by maxItems items and maxBytes bytes.
func New[T any](maxItems, maxBytes int) *Queue[T] {
	if maxItems < 1 {
		maxItems = 1
	}
	return &Queue[T]{
		maxItems: maxItems,
		maxBytes: maxBytes,
		ready:    make(chan struct{}, 1),
		room:     make(chan struct{}, 1),
	}
}

// Put queues it, of size bytes, waiting while the queue is full or until
// ctx ends. Put after Close returns ErrClosed.
func (q *Queue[T]) Put(ctx context.Context, it T, size int) error {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return ErrClosed
		}
		empty := len(q.items) == 0
		if empty || len(q.items) < q.maxItems && q.bytes+size <= q.maxBytes {
			q.items = append(q.items, it)
			q.bytes += size
			q.n.Store(int64(len(q.items)))
			q.nb.Store(int64(q.bytes))
			q.mu.Unlock()
			if empty {
				signal(q.ready)
			}
			return nil
		}
		q.mu.Unlock()
		select {
		case <-q.room:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// PutAll queues its in order, its[i] of size(&its[i]) bytes, as many at a
// time as there is room for, taking the lock once per run rather than once
// per item; it waits while the queue is full or until ctx ends (the items
// queued by then stay queued). PutAll after Close returns ErrClosed.
func (q *Queue[T]) PutAll(ctx context.Context, its []T, size func(*T) int) error {
	for len(its) > 0 {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return ErrClosed
		}
		empty := len(q.items) == 0
		k := 0
		for k < len(its) {
			n := size(&its[k])
			if len(q.items) > 0 && (len(q.items) >= q.maxItems || q.bytes+n > q.maxBytes) {
				break
			}
			q.items = append(q.items, its[k])
			q.bytes += n
			k++
		}
		if k > 0 {
			q.n.Store(int64(len(q.items)))
			q.nb.Store(int64(q.bytes))
		}
		q.mu.Unlock()
		if k > 0 && empty {
			signal(q.ready)
		}
		if its = its[k:]; len(its) == 0 {
			return nil
		}
		if k == 0 {
			select {
			case <-q.room:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// Take waits until something is queued, then appends all of it to dst and
// returns dst. It returns ctx's error when ctx ends first, and ErrClosed
// once the queue is closed and empty.
func (q *Queue[T]) Take(ctx context.Context, dst []T) ([]T, error) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			dst = append(dst, q.items...)
			clear(q.items) // drop the references the queue no longer owns
			q.items = q.items[:0]
			q.bytes = 0
			q.n.Store(0)
			q.nb.Store(0)
			q.mu.Unlock()
			signal(q.room)
			return dst, nil
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return dst, ErrClosed
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return dst, ctx.Err()
		}
	}
}

// Len is the number of items queued and not yet taken.
func (q *Queue[T]) Len() int { return int(q.n.Load()) }

// Bytes is the size of the items queued and not yet taken.
func (q *Queue[T]) Bytes() int { return int(q.nb.Load()) }

// Capacity is the queue's bounds: items and bytes.
func (q *Queue[T]) Capacity() (items, bytes int) { return q.maxItems, q.maxBytes }

// Close ends the queue: Take returns what is queued, then ErrClosed.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	signal(q.ready)
	signal(q.room)
}

// signal leaves a token in c unless one is there already.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
