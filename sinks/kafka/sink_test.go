package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	offsetskafka "github.com/sluicecdc/sluice/offsets/kafka"
	"github.com/sluicecdc/sluice/sinks"
	"github.com/sluicecdc/sluice/sinks/kafka"
)

func newCluster(t *testing.T) []string {
	t.Helper()
	_, addrs := newFakeCluster(t)
	return addrs
}

func newFakeCluster(t *testing.T) (*kfake.Cluster, []string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

func newSink(t *testing.T, ctx context.Context, brokers []string) *kafka.Sink {
	t.Helper()
	s, err := kafka.New(ctx, kafka.Config{
		Brokers: brokers, TransactionalID: "sluice-c1", OffsetsTopic: "sluice-offsets",
		CheckpointKey: "c1", Partitions: 1, ReplicationFactor: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readCommitted returns the values on topic a read_committed consumer sees.
func readCommitted(t *testing.T, ctx context.Context, brokers []string, topic string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(pctx)
		if pctx.Err() != nil {
			return out
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
}

func TestCommitWritesRecordsAndCheckpointTogether(t *testing.T) {
	ctx := context.Background()
	brokers := newCluster(t)
	s := newSink(t, ctx, brokers)
	defer s.Close(ctx)

	recs := []sinks.Record{{Topic: "data", Key: []byte("k1"), Value: []byte("v1")}, {Topic: "data", Key: []byte("k2"), Value: []byte("v2")}}
	if err := s.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, []byte(`cp1`)); err != nil {
		t.Fatal(err)
	}
	if err := commit(ctx, s, []sinks.Record{{Topic: "data", Key: []byte("k3"), Value: []byte("v3")}}, []byte(`cp2`)); err != nil {
		t.Fatal(err)
	}
	got := readCommitted(t, ctx, brokers, "data")
	if len(got) != 3 || got[0] != "v1" || got[2] != "v3" {
		t.Fatalf("data topic = %q", got)
	}
	cp, err := offsetskafka.New(brokers, "sluice-offsets").Load(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if string(cp) != "cp2" {
		t.Fatalf("checkpoint = %q, want cp2", cp)
	}
	other, err := offsetskafka.New(brokers, "sluice-offsets").Load(ctx, "other")
	if err != nil || other != nil {
		t.Fatalf("checkpoint of unknown connector = %q, %v; want nil", other, err)
	}
}

func TestSecondInstanceFencesFirst(t *testing.T) {
	ctx := context.Background()
	brokers := newCluster(t)
	first := newSink(t, ctx, brokers)
	defer first.Close(ctx)
	if err := commit(ctx, first, []sinks.Record{{Topic: "data", Value: []byte("a")}}, []byte("cp-a")); err != nil {
		t.Fatal(err)
	}
	second := newSink(t, ctx, brokers)
	defer second.Close(ctx)

	err := commit(ctx, first, []sinks.Record{{Topic: "data", Value: []byte("zombie")}}, []byte("cp-zombie"))
	if !errors.Is(err, kafka.ErrFenced) {
		t.Fatalf("zombie commit = %v, want ErrFenced", err)
	}
	if err := commit(ctx, second, []sinks.Record{{Topic: "data", Value: []byte("b")}}, []byte("cp-b")); err != nil {
		t.Fatal(err)
	}
	got := readCommitted(t, ctx, brokers, "data")
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("read_committed sees %q, want [a b] (no zombie record)", got)
	}
	cp, err := offsetskafka.New(brokers, "sluice-offsets").Load(ctx, "c1")
	if err != nil || string(cp) != "cp-b" {
		t.Fatalf("checkpoint = %q, %v; want cp-b", cp, err)
	}
}

func TestErrFencedIsTerminal(t *testing.T) {
	var r interface{ Retryable() bool }
	err := fmt.Errorf("%w: %w", kafka.ErrFenced, errors.New("kafka: producer fenced"))
	if !errors.As(err, &r) || r.Retryable() {
		t.Fatal("ErrFenced must say it is not retryable")
	}
	if !errors.Is(err, kafka.ErrFenced) {
		t.Fatal("errors.Is lost ErrFenced")
	}
}

// commit writes recs and commits them with cp.
func commit(ctx context.Context, s *kafka.Sink, recs []sinks.Record, cp []byte) error {
	if err := s.Write(ctx, recs); err != nil {
		return err
	}
	return s.Commit(ctx, cp)
}

func TestFailedCommitHidesTheBatch(t *testing.T) {
	ctx := context.Background()
	c, brokers := newFakeCluster(t)
	s := newSink(t, ctx, brokers)
	defer s.Close(ctx)
	if err := commit(ctx, s, []sinks.Record{{Topic: "data", Value: []byte("kept")}}, []byte("cp-1")); err != nil {
		t.Fatal(err)
	}
	// The broker refuses the next produce request: neither its records nor
	// the checkpoint become visible.
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		preq := req.(*kmsg.ProduceRequest)
		resp := preq.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range preq.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.TopicAuthorizationFailed.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	err := commit(ctx, s, []sinks.Record{{Topic: "data", Value: []byte("lost")}}, []byte("cp-2"))
	if err == nil {
		t.Fatal("a batch the broker refused committed")
	}
	t.Logf("refused: %v", err)
	// Refused for the principal's ACLs: a retry cannot help.
	var ae *kafka.AuthError
	if !errors.As(err, &ae) || ae.Retryable() {
		t.Errorf("a produce refused with TOPIC_AUTHORIZATION_FAILED gave %T, want a terminal *kafka.AuthError", err)
	}
	if err := commit(ctx, s, []sinks.Record{{Topic: "data", Value: []byte("after")}}, []byte("cp-3")); err != nil {
		t.Fatalf("the sink did not recover after a failed batch: %v", err)
	}
	got := readCommitted(t, ctx, brokers, "data")
	if len(got) != 2 || got[0] != "kept" || got[1] != "after" {
		t.Fatalf("read_committed sees %q, want [kept after]", got)
	}
}

// TestRefusedPrincipalIsTerminal checks that a broker refusing sluice's
// principal (here its transactional id) makes New fail with a terminal error
// that names the fix, where a broker out of reach stays retryable.
func TestRefusedPrincipalIsTerminal(t *testing.T) {
	ctx := context.Background()
	c, brokers := newFakeCluster(t)
	c.ControlKey(int16(kmsg.InitProducerID), func(req kmsg.Request) (kmsg.Response, error, bool) {
		resp := req.(*kmsg.InitProducerIDRequest).ResponseKind().(*kmsg.InitProducerIDResponse)
		resp.ErrorCode = kerr.TransactionalIDAuthorizationFailed.Code
		return resp, nil, true
	})
	_, err := kafka.New(ctx, kafka.Config{
		Brokers: brokers, TransactionalID: "sluice-c1", OffsetsTopic: "sluice-offsets",
		CheckpointKey: "c1", Partitions: 1, ReplicationFactor: 1,
	})
	var r interface{ Retryable() bool }
	var ae *kafka.AuthError
	if err == nil || !errors.As(err, &r) || r.Retryable() || !errors.As(err, &ae) {
		t.Fatalf("New = %v, want a terminal *AuthError", err)
	}
	if !errors.Is(err, kerr.TransactionalIDAuthorizationFailed) {
		t.Errorf("%v: the broker's error is lost", err)
	}
	for _, want := range []string{"sluice-c1", "transactional id", "credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}

	// A broker that cannot be reached says nothing: the runtime retries.
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = kafka.New(cctx, kafka.Config{
		Brokers: []string{"127.0.0.1:1"}, TransactionalID: "sluice-c1", OffsetsTopic: "sluice-offsets",
		CheckpointKey: "c1", Partitions: 1, ReplicationFactor: 1,
	})
	if err == nil || errors.As(err, &r) {
		t.Fatalf("New against no broker = %v, want an error that does not claim to be terminal", err)
	}
}

// TestBrokerGoneMidTransactionFailsTheCommit: when the broker goes away
// while a batch is open, Commit fails (retryably) once the records have
// waited the delivery timeout, instead of waiting for Kafka without end, so
// the connector's status can say that Kafka cannot be reached.
func TestBrokerGoneMidTransactionFailsTheCommit(t *testing.T) {
	ctx := context.Background()
	c, brokers := newFakeCluster(t)
	s, err := kafka.New(ctx, kafka.Config{
		Brokers: brokers, TransactionalID: "sluice-c1", OffsetsTopic: "sluice-offsets",
		CheckpointKey: "c1", Partitions: 1, ReplicationFactor: 1,
		TransactionTimeout: 2 * time.Second, // records then wait at most 1 s
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := commit(ctx, s, []sinks.Record{{Topic: "data", Value: []byte("v1")}}, []byte("cp-1")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	done := make(chan error, 1)
	go func() { done <- commit(ctx, s, []sinks.Record{{Topic: "data", Value: []byte("v2")}}, []byte("cp-2")) }()
	select {
	case err := <-done:
		var r interface{ Retryable() bool }
		if err == nil || errors.As(err, &r) && !r.Retryable() {
			t.Fatalf("commit with the broker gone = %v, want an error a retry can cure", err)
		}
		t.Logf("commit with the broker gone: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("commit with the broker gone still waits after 30 s")
	}
}

// TestOversizeIsTerminal checks that a record larger than the producer
// sends, and a checkpoint as large, fail the commit with a terminal error
// that names the fix, instead of a retry that can never succeed.
func TestOversizeIsTerminal(t *testing.T) {
	ctx := context.Background()
	brokers := newCluster(t)
	big := make([]byte, 300<<10)
	for _, c := range []struct {
		name string
		recs []sinks.Record
		cp   []byte
		want string
	}{
		{"record", []sinks.Record{{Topic: "data", Value: big}}, []byte("cp"), "raise the topic's max.message.bytes"},
		{"checkpoint", []sinks.Record{{Topic: "data", Value: []byte("v")}}, big, "split the tables over several connectors"},
	} {
		s := newSink(t, ctx, brokers) // a failed sink is not used again: the runtime makes a new one
		err := commit(ctx, s, c.recs, c.cp)
		s.Close(ctx)
		var r interface{ Retryable() bool }
		if err == nil || !errors.As(err, &r) || r.Retryable() || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: commit = %v, want a terminal error saying %q", c.name, err, c.want)
		}
	}
}
