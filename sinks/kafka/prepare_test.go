package kafka_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicecdc/sluice/sinks"
	"github.com/sluicecdc/sluice/sinks/kafka"
)

// TestPrepareCreatesTopicsTogether checks that Prepare creates the topics a
// snapshot names in one CreateTopics request per topic spec, each as its
// spec says, and that the records written to them afterwards create
// nothing more; a topic Prepare did not name is still created at its first
// record.
func TestPrepareCreatesTopicsTogether(t *testing.T) {
	ctx := context.Background()
	c, brokers := newFakeCluster(t)
	var mu sync.Mutex
	var creates [][]string // topics of each CreateTopics request
	c.ControlKey(int16(kmsg.CreateTopics), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		var names []string
		for _, tp := range req.(*kmsg.CreateTopicsRequest).Topics {
			names = append(names, tp.Topic)
		}
		mu.Lock()
		creates = append(creates, names)
		mu.Unlock()
		return nil, nil, false
	})
	compact := "compact"
	spec := func(topic string) kafka.TopicSpec {
		if strings.HasPrefix(topic, "big.") {
			return kafka.TopicSpec{Partitions: 3, ReplicationFactor: 1, Configs: map[string]*string{"cleanup.policy": &compact}}
		}
		return kafka.TopicSpec{Partitions: 1, ReplicationFactor: 1}
	}
	s, err := kafka.New(ctx, kafka.Config{
		Brokers: brokers, TransactionalID: "sluice-c1", OffsetsTopic: "sluice-offsets",
		CheckpointKey: "c1", TopicSpec: spec,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	mu.Lock()
	creates = nil // the offsets topic's
	mu.Unlock()

	var topics []string
	for i := range 40 {
		topics = append(topics, fmt.Sprintf("small.t%02d", i))
	}
	topics = append(topics, "big.a", "big.b", "small.t00") // a repeat is created once
	if err := s.Prepare(ctx, topics); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := len(creates)
	sizes := []int{}
	for _, cr := range creates {
		sizes = append(sizes, len(cr))
	}
	mu.Unlock()
	if got != 2 || sizes[0]+sizes[1] != 42 || min(sizes[0], sizes[1]) != 2 {
		t.Fatalf("Prepare made %d CreateTopics requests of %v topics, want 2 (40 small, 2 big)", got, sizes)
	}
	adm := kadm.NewClient(mustClient(t, brokers))
	td, err := adm.ListTopics(ctx, "big.a", "small.t07")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(td["big.a"].Partitions); n != 3 {
		t.Fatalf("big.a has %d partitions, want 3 (its spec)", n)
	}
	if n := len(td["small.t07"].Partitions); n != 1 {
		t.Fatalf("small.t07 has %d partitions, want 1", n)
	}

	recs := []sinks.Record{{Topic: "small.t03", Value: []byte("a")}, {Topic: "big.b", Value: []byte("b")}, {Topic: "small.late", Value: []byte("c")}}
	if err := commit(ctx, s, recs, []byte("cp")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(creates) != 3 || len(creates[2]) != 1 || creates[2][0] != "small.late" {
		t.Fatalf("CreateTopics requests after Prepare: %v, want one for small.late only", creates[2:])
	}
}

func mustClient(t *testing.T, brokers []string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestRecordsWaitForTheirTopicsLeader checks that Prepare returns before
// the leaders of the topics it created are ready, that a record waits for
// its own topic's leader only (a ListOffsets the test holds back for one
// topic), and that it goes out once that leader answers.
func TestRecordsWaitForTheirTopicsLeader(t *testing.T) {
	ctx := context.Background()
	c, brokers := newFakeCluster(t)
	var held atomic.Bool
	held.Store(true)
	c.ControlKey(int16(kmsg.ListOffsets), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.ListOffsetsRequest)
		if !held.Load() || !slices.ContainsFunc(r.Topics, func(tp kmsg.ListOffsetsRequestTopic) bool { return tp.Topic == "slow" }) {
			return nil, nil, false
		}
		resp := r.ResponseKind().(*kmsg.ListOffsetsResponse)
		for _, tp := range r.Topics {
			rt := kmsg.NewListOffsetsResponseTopic()
			rt.Topic = tp.Topic
			for _, p := range tp.Partitions {
				rp := kmsg.NewListOffsetsResponseTopicPartition()
				rp.Partition = p.Partition
				if tp.Topic == "slow" {
					rp.ErrorCode = kerr.NotLeaderForPartition.Code
				}
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	s := newSink(t, ctx, brokers)
	defer s.Close(ctx)
	start := time.Now()
	if err := s.Prepare(ctx, []string{"fast", "slow"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Prepare took %v: it waited for the held leader", d)
	}
	if err := s.Write(ctx, []sinks.Record{{Topic: "fast", Value: []byte("f")}}); err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() { wrote <- s.Write(ctx, []sinks.Record{{Topic: "slow", Value: []byte("s")}}) }()
	select {
	case err := <-wrote:
		t.Fatalf("a record to the topic without a ready leader was written at once (%v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	held.Store(false)
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the record still waits after its leader answered")
	}
	if err := s.Commit(ctx, []byte("cp")); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	cl := mustClient(t, brokers)
	cl.AddConsumeTopics("fast", "slow")
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(got) < 2 && fctx.Err() == nil {
		cl.PollFetches(fctx).EachRecord(func(r *kgo.Record) { got[r.Topic] = string(r.Value) })
	}
	if got["fast"] != "f" || got["slow"] != "s" {
		t.Fatalf("read back %v, want fast=f and slow=s", got)
	}
}
