package queue

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestQueueDeliversInOrderUnderBounds runs a producer against a slow
// consumer and checks every item arrives once, in order, and that no Take
// ever returns more than the bound.
func TestQueueDeliversInOrderUnderBounds(t *testing.T) {
	q := New[int](16, 1<<20)
	const n = 20000
	go func() {
		for i := 0; i < n; i++ {
			if err := q.Put(context.Background(), i, 10); err != nil {
				t.Errorf("put %d: %v", i, err)
				return
			}
		}
		q.Close()
	}()
	takeInOrder(t, q, n, func(batch []int) {
		if len(batch) > 16 {
			t.Fatalf("took %d items, bound is 16", len(batch))
		}
	})
}

// takeInOrder takes from q until it closes, checks each batch with check,
// and that the items were 0, 1, ..., n-1.
func takeInOrder(t *testing.T, q *Queue[int], n int, check func(batch []int)) {
	t.Helper()
	var got, batch []int
	var err error
	for {
		batch, err = q.Take(context.Background(), batch[:0])
		if errors.Is(err, ErrClosed) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		check(batch)
		got = append(got, batch...)
	}
	if len(got) != n {
		t.Fatalf("got %d items, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("item %d is %d", i, v)
		}
	}
}

func TestQueueByteBound(t *testing.T) {
	q := New[string](100, 25)
	ctx := context.Background()
	for _, s := range []string{"a", "b"} {
		if err := q.Put(ctx, s, 10); err != nil {
			t.Fatal(err)
		}
	}
	// A third 10-byte item would exceed 25 bytes: Put waits.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := q.Put(cctx, "c", 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("put into a full queue: %v, want a deadline", err)
	}
	if q.Len() != 2 {
		t.Fatalf("Len = %d, want 2", q.Len())
	}
	done := make(chan error, 1)
	go func() { done <- q.Put(ctx, "c", 10) }()
	got, err := q.Take(ctx, nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("take: %v %v", got, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("put after take: %v", err)
	}
	// An item larger than the whole bound passes when the queue is empty.
	if got, _ = q.Take(ctx, got[:0]); len(got) != 1 || got[0] != "c" {
		t.Fatalf("second take: %v", got)
	}
	if err := q.Put(ctx, "huge", 1000); err != nil {
		t.Fatalf("oversized item into an empty queue: %v", err)
	}
}

func TestQueueTakeWaitsAndCancels(t *testing.T) {
	q := New[int](4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := q.Take(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("take from an empty queue: %v", err)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		_ = q.Put(context.Background(), 7, 1)
	}()
	got, err := q.Take(context.Background(), nil)
	if err != nil || len(got) != 1 || got[0] != 7 {
		t.Fatalf("take: %v %v", got, err)
	}
	q.Close()
	if err := q.Put(context.Background(), 8, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("put after close: %v", err)
	}
	if _, err := q.Take(context.Background(), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("take after close: %v", err)
	}
}

func TestQueueBytesAndCapacity(t *testing.T) {
	q := New[int](10, 100)
	if n, b := q.Capacity(); n != 10 || b != 100 {
		t.Errorf("Capacity = %d, %d; want 10, 100", n, b)
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := q.Put(ctx, i, 7); err != nil {
			t.Fatal(err)
		}
	}
	if got := q.Bytes(); got != 21 {
		t.Errorf("Bytes after 3 puts of 7 = %d, want 21", got)
	}
	if _, err := q.Take(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := q.Bytes(); got != 0 {
		t.Errorf("Bytes after Take = %d, want 0", got)
	}
}

// TestPutAllDeliversInOrderUnderBounds: runs larger than the room left
// (by count and by bytes) go in as they fit, in order; an item larger than
// the byte bound passes alone; a cancelled PutAll returns with the items
// queued so far still queued.
func TestPutAllDeliversInOrderUnderBounds(t *testing.T) {
	q := New[int](16, 100)
	size := func(v *int) int {
		if *v%97 == 0 {
			return 1000 // larger than the byte bound
		}
		return 10
	}
	const n = 20000
	go func() {
		run := make([]int, 0, 50)
		for i := 0; i < n; i++ {
			run = append(run, i)
			if len(run) == cap(run) || i == n-1 {
				if err := q.PutAll(context.Background(), run, size); err != nil {
					t.Errorf("put up to %d: %v", i, err)
					return
				}
				run = run[:0]
			}
		}
		q.Close()
	}()
	takeInOrder(t, q, n, func(batch []int) {
		bytes := 0
		for i := range batch {
			bytes += size(&batch[i])
		}
		if len(batch) > 16 || bytes > 100 && len(batch) > 1 {
			t.Fatalf("took %d items of %d bytes, bounds are 16 and 100", len(batch), bytes)
		}
	})

	full := New[int](2, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	one := func(*int) int { return 1 }
	if err := full.PutAll(ctx, []int{1, 2, 3}, one); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("PutAll into a full queue: %v, want the context's error", err)
	}
	if got, _ := full.Take(context.Background(), nil); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("queued %v, want [1 2]", got)
	}
	full.Close()
	if err := full.PutAll(context.Background(), []int{4}, one); !errors.Is(err, ErrClosed) {
		t.Fatalf("PutAll after Close: %v", err)
	}
}
