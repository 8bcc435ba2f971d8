// Package queue holds what a source's reader goroutine and its stream's Next
// share to hand events over: a byte budget that bounds the bytes in flight
// between them, as a channel's capacity bounds the count.
package queue

import (
	"context"
	"sync"
)

// Budget bounds the bytes queued between a producer and its consumer.
type Budget struct {
	mu   sync.Mutex
	max  int
	used int
	wake chan struct{}
	// waited is set when an Acquire waits on wake, so that Release makes a
	// new channel only when it has someone to wake.
	waited bool
}

// NewBudget returns a budget of max bytes.
func NewBudget(max int) *Budget {
	return &Budget{max: max, wake: make(chan struct{})}
}

// Acquire waits until n bytes fit, or ctx is done. An item larger than the
// whole budget is let through when nothing else is queued.
func (b *Budget) Acquire(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		if b.used == 0 || b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		w := b.wake
		b.waited = true
		b.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Release returns n bytes to the budget and wakes any waiting Acquire.
func (b *Budget) Release(n int) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	if b.waited {
		close(b.wake)
		b.wake = make(chan struct{})
		b.waited = false
	}
	b.mu.Unlock()
}
