package capture

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produce writes records to topic partition 0, in one transaction that is
// committed, or aborted when abort is set.
func produce(t *testing.T, brokers []string, topic string, abort bool, recs ...*kgo.Record) {
	t.Helper()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID("signal-test"), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(!abort)); err != nil {
		t.Fatal(err)
	}
}

func rec(key, value string) *kgo.Record { return &kgo.Record{Key: []byte(key), Value: []byte(value)} }

// runUntil runs s's Kafka signals until its Next reaches next.
func runUntil(t *testing.T, s *Signals, next int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Next() < next {
		if time.Now().After(deadline) {
			t.Fatalf("Next = %d, want %d", s.Next(), next)
		}
		s.RunKafka()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKafkaChannel reads a signal topic through a client of the channel's
// own and through a daemon's shared SignalReader (subscribed twice, as a
// restarted connector does).
func TestKafkaChannel(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "own client", true: "shared reader"}[shared], func(t *testing.T) { kafkaChannelRun(t, shared) })
	}
}

func kafkaChannelRun(t *testing.T, shared bool) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "srv-signal"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	cfg, errs := ParseSignalConfig(map[string]string{"signal.enabled.channels": "kafka"}, "srv", "schema")
	if len(errs) > 0 {
		t.Fatal(errs)
	}

	// Offsets: 0 aborted (+1 abort marker), then one committed transaction
	// of 4 records at 2..5 (+ its commit marker at 6).
	produce(t, brokers, cfg.Topic, true, rec("srv", `{"id":"aborted","type":"log","data":{"message":"aborted"}}`))
	produce(t, brokers, cfg.Topic, false,
		rec("other", `{"id":"o","type":"log","data":{"message":"for another connector"}}`),
		rec("srv", `{"id":"s1","type":"log","data":{"message":"first"}}`),
		rec("srv", `garbage`),
		rec("srv", `{"id":"s2","type":"log","data":{"message":"second"}}`))

	var buf bytes.Buffer
	var woken atomic.Int32
	own := KafkaClient{Brokers: brokers}
	if shared {
		own.Reader = NewSignalReader(own)
		defer own.Reader.Close()
	}
	open := func(from int64) *Signals {
		k, err := OpenKafkaChannel(context.Background(), cfg, own, from, logged(&buf), func() { woken.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		return NewSignals(cfg, NewDispatcher(logged(&buf)), k, from, nil)
	}
	s := open(0)
	runUntil(t, s, 6) // s2 is at offset 5
	s.Close()
	out := buf.String()
	for _, w := range []string{`msg=first signal_id=s1 channel=kafka`, `msg=second signal_id=s2 channel=kafka`, `key=other`, `signal record skipped`} {
		if strings.Count(out, w) != 1 {
			t.Errorf("log has %q %d times, want once:\n%s", w, strings.Count(out, w), out)
		}
	}
	if strings.Contains(out, "aborted") || strings.Contains(out, "for another connector") {
		t.Errorf("an aborted or foreign signal ran:\n%s", out)
	}
	if woken.Load() != 2 {
		t.Errorf("wake called %d times, want 2", woken.Load())
	}

	// A restart from the checkpoint's offset runs only what came after.
	buf.Reset()
	produce(t, brokers, cfg.Topic, false, rec("srv", `{"id":"s3","type":"log","data":{"message":"third"}}`))
	s = open(6)
	runUntil(t, s, 8) // s3 is at offset 7
	s.Close()
	if out := buf.String(); strings.Contains(out, "first") || strings.Contains(out, "second") || strings.Count(out, "msg=third") != 1 {
		t.Errorf("after the restart:\n%s", out)
	}
}

func TestKafkaChannelNeedsBrokers(t *testing.T) {
	cfg, _ := ParseSignalConfig(map[string]string{}, "srv", "schema")
	if k, err := OpenKafkaChannel(context.Background(), cfg, KafkaClient{}, 0, nil, nil); k != nil || err != nil {
		t.Errorf("without the kafka channel nor brokers: %v, %v; want nil, nil", k, err)
	}
	cfg.Kafka = true
	if _, err := OpenKafkaChannel(context.Background(), cfg, KafkaClient{}, 0, nil, nil); err == nil || !strings.Contains(err.Error(), "signal.kafka.bootstrap.servers") {
		t.Errorf("err = %v", err)
	}
}
