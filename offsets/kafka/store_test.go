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
// transaction's offset, so a checkpoint committed after it is not seen: Load
// must wait for the open transaction to end rather than answer with an older
// checkpoint (or none), from which the connector would emit again what it
// already committed.
func TestLoadSeesPastAnotherConnectorsOpenTransaction(t *testing.T) {
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
	go func() {
		defer close(ended)
		time.Sleep(500 * time.Millisecond)
		if err := other.EndTransaction(ctx, kgo.TryAbort); err != nil {
			t.Error(err)
		}
	}()
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := kafka.New(brokers, "sluice-offsets").Load(lctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "cp-2" {
		t.Fatalf("Load = %q, want cp-2 (the last committed checkpoint)", got)
	}
	select {
	case <-ended:
	default:
		t.Error("Load answered before the other transaction ended")
	}
}
