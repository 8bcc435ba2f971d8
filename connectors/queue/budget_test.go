package queue

import (
	"context"
	"testing"
	"time"
)

func TestBudgetBlocksUntilReleased(t *testing.T) {
	b := NewBudget(10)
	ctx := context.Background()
	if err := b.Acquire(ctx, 8); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.Acquire(ctx, 5) }()
	select {
	case err := <-got:
		t.Fatalf("Acquire of 5 with 8 of 10 used returned %v; want it to wait", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.Release(8)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

func TestBudgetLetsAnOversizedItemThroughAlone(t *testing.T) {
	b := NewBudget(10)
	if err := b.Acquire(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.Acquire(ctx, 1); err == nil {
		t.Fatal("a second item fit beside an oversized one")
	}
}
