package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// fakeBroker starts a kfake cluster and returns the client options that
// reach it.
func fakeBroker(t *testing.T) []kgo.Opt {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
}

var topicSeq atomic.Int64

// uniqueTopic is a topic name no earlier run used.
func uniqueTopic(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), topicSeq.Add(1))
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() && os.Getenv("STORE_TEST_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// rawRecord is a record as a consumer of the topic sees it.
type rawRecord struct {
	Partition int32
	Offset    int64
	Key       string
	Value     *string // nil for a tombstone
}

func (r rawRecord) String() string {
	if r.Value == nil {
		return r.Key + " => null"
	}
	return r.Key + " => " + *r.Value
}

// readRaw reads every record of topic (all partitions), read_committed,
// up to the end offsets at the call, in partition then offset order.
func readRaw(t *testing.T, opts []kgo.Opt, topic string) []rawRecord {
	t.Helper()
	ctx := ctxT(t, 20*time.Second)
	adm, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ends, err := kadm.NewClient(adm).ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[int32]kgo.Offset{}
	want := map[int32]int64{}
	for p, o := range ends[topic] {
		parts[p] = kgo.NewOffset().AtStart()
		if o.Offset > 0 {
			want[p] = o.Offset
		}
	}
	cl, err := kgo.NewClient(append(opts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	byPart := map[int32][]rawRecord{}
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: %v (still waiting for %v)", topic, ctx.Err(), want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			rr := rawRecord{Partition: r.Partition, Offset: r.Offset, Key: string(r.Key)}
			if r.Value != nil {
				v := string(r.Value)
				rr.Value = &v
			}
			byPart[r.Partition] = append(byPart[r.Partition], rr)
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
		})
	}
	var out []rawRecord
	for p := range int32(len(parts)) {
		out = append(out, byPart[p]...)
	}
	return out
}

// produceRaw writes records as another writer would (a Connect worker, an
// old version): key => value, nil value = tombstone, all to partition 0.
func produceRaw(t *testing.T, opts []kgo.Opt, topic string, kvs ...kv) {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, x := range kvs {
		if err := cl.ProduceSync(ctxT(t, 10*time.Second), &kgo.Record{Topic: topic, Key: []byte(x.key), Value: x.value}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// changes records what OnChange was told.
type changes struct {
	mu sync.Mutex
	cs []Change
}

func (c *changes) add(ch Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cs = append(c.cs, ch)
}

func (c *changes) list() []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Change(nil), c.cs...)
}

// summary is "Kind name target" per change, for comparing with a want list.
func summary(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s %s %s", c.Kind, c.Name, c.Target)
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
