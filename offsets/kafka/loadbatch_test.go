package kafka_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicecdc/sluice/offsets/kafka"
)

// TestLoadsTogether loads the checkpoints of many connectors at once from
// one Store, as a daemon starting them does: each gets its own last
// committed checkpoint (an open transaction of another connector's and an
// aborted one of its own notwithstanding), and a Load whose context ends
// returns at once without failing the others.
func TestLoadsTogether(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "sluice-offsets"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // after the producers (registered later, closed first)
	brokers := c.ListenAddrs()
	ctx := context.Background()
	const n = 30
	for i := range n {
		p := txnProducer(t, brokers, fmt.Sprint("sluice-c", i))
		produceInTxn(t, ctx, p, fmt.Sprint("c", i), fmt.Sprint("old", i), true)
		produceInTxn(t, ctx, p, fmt.Sprint("c", i), fmt.Sprint("cp", i), true)
		if i%3 == 0 {
			produceInTxn(t, ctx, p, fmt.Sprint("c", i), "aborted", false)
			if err := p.AbortBufferedRecords(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.EndTransaction(ctx, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	other := txnProducer(t, brokers, "sluice-other")
	produceInTxn(t, ctx, other, "other", "open", false) // left open

	s := kafka.New(brokers, "sluice-offsets")
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Load(gone, "c0"); err == nil {
		t.Error("a Load whose context ended did not fail")
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			got, err := s.Load(lctx, fmt.Sprint("c", i))
			if err != nil {
				errs <- fmt.Errorf("c%d: %w", i, err)
				return
			}
			if want := fmt.Sprint("cp", i); string(got) != want {
				errs <- fmt.Errorf("c%d: loaded %q, want %q", i, got, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, err := s.Load(ctx, "none"); err != nil || got != nil {
		t.Errorf("a connector without a checkpoint: %q, %v", got, err)
	}
}
