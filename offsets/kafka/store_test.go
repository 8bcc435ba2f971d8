package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/offsets/kafka"
)

// txnProducer returns a transactional producer for the offsets topic.
func txnProducer(t *testing.T, brokers []string, id string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID(id), kgo.DefaultProduceTopic("sluice-offsets"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produceInTxn(t *testing.T, ctx context.Context, cl *kgo.Client, key, value string, commit bool) {
	t.Helper()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: []byte(value)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if commit {
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoadSeesPastAnotherConnectorsOpenTransaction: the offsets topic is
// shared, so another connector's transaction can be open on it (its daemon
// killed between the checkpoint and the commit keeps it open until the
// transaction times out). A read_committed reader stops at the first open
// transaction's offset, so a checkpoint committed after it is not seen.
// Load must answer with the last committed checkpoint at once, neither an
// older one (the connector would emit again what it already committed)
// nor after waiting for the other transaction to end (the connector stayed
// UNASSIGNED up to the other producer's transaction timeout); it skips its
// own aborted transactions, and waits for its own open one to end.
func TestLoadSeesPastAnotherConnectorsOpenTransaction(t *testing.T) {
	for _, tc := range []struct {
		name string
		// after runs after cp-2 is committed and the other transaction
		// opened; it returns what ends a transaction of mine left open
		// (nil: none).
		after func(t *testing.T, ctx context.Context, mine *kgo.Client) func()
		want  string
		wait  bool // Load answers only once mine's transaction ended
	}{
		{name: "another's open transaction", want: "cp-2"},
		{name: "my aborted transaction", want: "cp-2", after: func(t *testing.T, ctx context.Context, mine *kgo.Client) func() {
			produceInTxn(t, ctx, mine, "c1", "aborted", false)
			if err := mine.EndTransaction(ctx, kgo.TryAbort); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{name: "my open transaction", want: "cp-3", wait: true, after: func(t *testing.T, ctx context.Context, mine *kgo.Client) func() {
			produceInTxn(t, ctx, mine, "c1", "cp-3", false)
			return func() {
				if err := mine.EndTransaction(ctx, kgo.TryCommit); err != nil {
					t.Error(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "sluice-offsets"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			brokers := c.ListenAddrs()

			mine := txnProducer(t, brokers, "sluice-c1")
			other := txnProducer(t, brokers, "sluice-c2")
			produceInTxn(t, ctx, mine, "c1", "cp-1", true)
			produceInTxn(t, ctx, other, "c2", "open", false) // left open
			produceInTxn(t, ctx, mine, "c1", "cp-2", true)
			ended := make(chan struct{})
			if end := func() func() {
				if tc.after == nil {
					return nil
				}
				return tc.after(t, ctx, mine)
			}(); end != nil {
				go func() {
					defer close(ended)
					time.Sleep(500 * time.Millisecond)
					end()
				}()
			}
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			start := time.Now()
			got, err := kafka.New(brokers, "sluice-offsets").Load(lctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("Load = %q, want %s (the last committed checkpoint)", got, tc.want)
			}
			select {
			case <-ended:
				if !tc.wait {
					t.Error("Load answered after my transaction ended")
				}
			default:
				if tc.wait {
					t.Error("Load answered before my open transaction ended")
				}
			}
			if took := time.Since(start); !tc.wait && took > 2*time.Second {
				t.Errorf("Load took %s: it waited for the other transaction", took)
			}
		})
	}
}
