package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/sinks"
)

// TestRecordPartitionAndTimestamp checks that a record naming a partition
// lands on it and keeps its timestamp, while records naming none are
// partitioned by key as before (the same key on the same partition).
func TestRecordPartitionAndTimestamp(t *testing.T) {
	ctx := context.Background()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "parts"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	s := newSink(t, ctx, brokers)
	defer s.Close(ctx)

	ts := time.UnixMilli(1714558530123)
	made := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	recs := []sinks.Record{
		{Topic: "parts", Key: []byte("a"), Value: []byte("p3"), Partition: 3, Partitioned: true, Timestamp: ts},
		{Topic: "parts", Key: []byte("a"), Value: []byte("p0"), Partition: 0, Partitioned: true},
		{Topic: "parts", Key: []byte("a"), Value: []byte("k1")},
		{Topic: "parts", Key: []byte("a"), Value: []byte("k2")},
		// Made stamps a record without a timestamp; a Timestamp wins.
		{Topic: "parts", Key: []byte("a"), Value: []byte("made"), Made: made},
		{Topic: "parts", Key: []byte("a"), Value: []byte("both"), Timestamp: ts, Made: made},
	}
	if err := commit(ctx, s, recs, []byte("cp")); err != nil {
		t.Fatal(err)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics("parts"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]*kgo.Record{}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for len(got) < len(recs) && pctx.Err() == nil {
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { got[string(r.Value)] = r })
	}
	if len(got) != len(recs) {
		t.Fatalf("read %d records, want %d", len(got), len(recs))
	}
	for v, p := range map[string]int32{"p3": 3, "p0": 0} {
		if got[v].Partition != p {
			t.Errorf("record %s on partition %d, want %d", v, got[v].Partition, p)
		}
	}
	if got["k1"].Partition != got["k2"].Partition {
		t.Errorf("keyed records on partitions %d and %d, want one", got["k1"].Partition, got["k2"].Partition)
	}
	if !got["p3"].Timestamp.Equal(ts) {
		t.Errorf("timestamp %v, want %v", got["p3"].Timestamp, ts)
	}
	if d := time.Since(got["k1"].Timestamp); d < 0 || d > time.Minute {
		t.Errorf("record without a timestamp stamped %v, want now", got["k1"].Timestamp)
	}
	if !got["made"].Timestamp.Equal(made) {
		t.Errorf("record made at %v stamped %v", made, got["made"].Timestamp)
	}
	if !got["both"].Timestamp.Equal(ts) {
		t.Errorf("record with a timestamp and Made stamped %v, want its timestamp %v", got["both"].Timestamp, ts)
	}
}
