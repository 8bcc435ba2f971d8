package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestPartitioner checks the sink's partitioner against franz-go's
// StickyKeyPartitioner, which matches Java's: the same partition for every
// keyed record, a record's own partition when it names one, and keyless
// records kept on one partition until its batch is full, then moved.
func TestPartitioner(t *testing.T) {
	for n := 1; n <= 7; n++ {
		ours := partitioner{}.ForTopic("t")
		theirs := kgo.StickyKeyPartitioner(nil).ForTopic("t")
		for i := range 200 {
			r := &kgo.Record{Key: fmt.Appendf(nil, "key-%d", i), Partition: -1}
			if got, want := ours.Partition(r, n), theirs.Partition(r, n); got != want {
				t.Fatalf("%d partitions, key %s: partition %d, want %d", n, r.Key, got, want)
			}
			if !ours.RequiresConsistency(r) {
				t.Fatalf("a keyed record must be partitioned consistently")
			}
		}
		if got := ours.Partition(&kgo.Record{Key: []byte("k"), Partition: int32(n - 1)}, n); got != n-1 {
			t.Fatalf("a record naming partition %d went to %d", n-1, got)
		}
	}
	p := partitioner{}.ForTopic("t").(*topicPartitioner)
	keyless := &kgo.Record{Partition: -1}
	if p.RequiresConsistency(keyless) {
		t.Fatal("a keyless record needs no consistency")
	}
	first := p.Partition(keyless, 4)
	for range 10 {
		if got := p.Partition(keyless, 4); got != first {
			t.Fatalf("keyless records moved from %d to %d within a batch", first, got)
		}
	}
	p.OnNewBatch()
	if next := p.Partition(keyless, 4); next == first {
		t.Fatalf("keyless records stayed on %d after their batch was full", first)
	}
	if got := p.Partition(keyless, 1); got != 0 {
		t.Fatalf("one partition: got %d", got)
	}
}

// TestTopicsPerRequest checks that a CreateTopics request stays well under
// the 10,000 metadata records a KRaft controller takes in one request.
func TestTopicsPerRequest(t *testing.T) {
	for _, c := range []struct {
		partitions int32
		want       int
	}{{-1, 2500}, {1, 2500}, {9, 500}, {4999, 1}, {100000, 1}} {
		got := topicsPerRequest(c.partitions)
		if got != c.want || got*(1+max(1, int(c.partitions))) > 10000 && got > 1 {
			t.Errorf("topicsPerRequest(%d) = %d, want %d", c.partitions, got, c.want)
		}
	}
}

func TestRetryBackoff(t *testing.T) {
	for tries, want := range map[int]time.Duration{0: 2 * time.Millisecond, 1: 2 * time.Millisecond, 2: 4 * time.Millisecond, 6: 64 * time.Millisecond} {
		if got := retryBackoff(tries); got != want {
			t.Errorf("retryBackoff(%d) = %v, want %v", tries, got, want)
		}
	}
	for tries, want := range map[int]time.Duration{7: 250 * time.Millisecond, 8: 500 * time.Millisecond, 12: 5 * time.Second, 40: 5 * time.Second} {
		for range 50 {
			if got := retryBackoff(tries); got < want*4/5 || got > want*6/5 {
				t.Fatalf("retryBackoff(%d) = %v, want %v ± 20%%", tries, got, want)
			}
		}
	}
}
