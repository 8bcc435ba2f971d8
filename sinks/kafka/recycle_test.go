package kafka

import (
	"context"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicecdc/sluice/sinks"
)

// TestRecycleKeepsNoRecords commits a large transaction and then a small
// one: afterwards the sink keeps no more spare record slabs than the small
// one filled, and no slab points at a produced record's key or value.
func TestRecycleKeepsNoRecords(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx := context.Background()
	s, err := New(ctx, Config{Brokers: c.ListenAddrs(), TransactionalID: "sluice-c1", OffsetsTopic: "sluice-offsets",
		CheckpointKey: "c1", Partitions: 1, ReplicationFactor: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	commit := func(n int) {
		t.Helper()
		recs := make([]sinks.Record, n)
		for i := range recs {
			recs[i] = sinks.Record{Topic: "data", Key: []byte(fmt.Sprint(i)), Value: []byte("v")}
		}
		if err := s.Write(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx, []byte("cp")); err != nil {
			t.Fatal(err)
		}
	}
	commit(10 * recordSlab)
	if len(s.spare) < 5 {
		t.Errorf("after a large transaction: %d spare slabs, want them kept for the next one", len(s.spare))
	}
	commit(3)
	if len(s.spare) > 1 {
		t.Errorf("after a small transaction: %d spare slabs, want at most 1", len(s.spare))
	}
	for i, sl := range append(s.spare, s.slab) {
		for j := range sl {
			if sl[j].Value != nil || sl[j].Key != nil {
				t.Fatalf("slab %d record %d still points at %q=%q", i, j, sl[j].Key, sl[j].Value)
			}
		}
	}
}
