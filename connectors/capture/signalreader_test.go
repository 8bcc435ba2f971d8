package capture

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSignalReaderShared subscribes two connectors to one SignalReader: each
// gets its own topic's signals, in order, past a full queue (the partition
// is paused, then resumed); a third connector on a topic already read gets a
// client of its own.
func TestSignalReaderShared(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "a-signals", "b-signals"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	own := KafkaClient{Brokers: brokers}
	own.Reader = NewSignalReader(own)
	defer own.Reader.Close()

	const n = 2*signalQueue + 5 // more than a full queue
	for _, prefix := range []string{"a", "b"} {
		var recs []*kgo.Record
		for i := range n {
			recs = append(recs, rec(prefix, fmt.Sprintf(`{"id":"%s%d","type":"log","data":{"message":"m"}}`, prefix, i)))
		}
		produce(t, brokers, prefix+"-signals", false, recs...)
	}
	open := func(prefix string) *KafkaChannel {
		cfg, errs := ParseSignalConfig(map[string]string{}, prefix, "schema")
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		k, err := OpenKafkaChannel(context.Background(), cfg, own, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	a, b := open("a"), open("b")
	if a.sub == nil || b.sub == nil {
		t.Fatal("a channel on the daemon's own Kafka does not use the shared reader")
	}
	again := open("a")
	if again.sub != nil || again.cl == nil {
		t.Error("a second channel on the same topic shares the first's subscription")
	}
	again.Close()

	// Read a and b in turns, slowly enough for the queues to fill.
	time.Sleep(200 * time.Millisecond)
	next := map[string]int{}
	deadline := time.Now().Add(10 * time.Second)
	for next["a"] < n || next["b"] < n {
		if time.Now().After(deadline) {
			t.Fatalf("read %v signals in 10s, want %d each", next, n)
		}
		took := false
		for prefix, k := range map[string]*KafkaChannel{"a": a, "b": b} {
			s, ok := k.Poll()
			if !ok {
				continue
			}
			took = true
			if want := fmt.Sprintf("%s%d", prefix, next[prefix]); s.ID != want {
				t.Fatalf("%s: signal %s at offset %d, want %s", prefix, s.ID, s.Offset, want)
			}
			next[prefix]++
		}
		if !took {
			time.Sleep(10 * time.Millisecond)
		}
	}
	a.Close()
	b.Close()
	if len(own.Reader.subs) != 0 {
		t.Errorf("subscriptions left after Close: %v", own.Reader.subs)
	}
}
