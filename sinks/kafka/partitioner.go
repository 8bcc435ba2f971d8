package kafka

import (
	"math/rand/v2"

	"github.com/twmb/franz-go/pkg/kgo"
)

// keyHash partitions keyed records as Kafka's producer does (murmur2 of the
// key, sign bit masked, modulo the partitions). It is franz-go's key
// partitioner for one topic, shared by all: for a keyed record its choice
// depends on the key alone, and only its keyless path keeps state, which
// partitioner never uses.
var keyHash = kgo.StickyKeyPartitioner(nil).ForTopic("")

// partitioner sends a record whose Partition is set (zero or more) to that
// partition, as Kafka Connect's producer does for a record a transform gave
// a partition (a partition the topic does not have fails the record, as in
// Kafka Connect); a keyed record to its key's partition; and a keyless one
// to a partition kept until the batch being filled there is full (Java's
// sticky partitioning of null keys). This is franz-go's StickyKeyPartitioner
// but for its per-topic state: that one seeds a math/rand source of 5 KiB
// for every topic, a fifth of what a captured table cost in memory with
// 2,000 tables; this one keeps two ints and draws from the shared generator.
type partitioner struct{}

// ForTopic returns the partitioner of one topic.
func (partitioner) ForTopic(string) kgo.TopicPartitioner {
	return &topicPartitioner{last: -1, on: -1}
}

// topicPartitioner is one topic's state for keyless records: the partition
// they go to (on, -1 when a new one is to be picked) and the last one.
type topicPartitioner struct{ last, on int }

// RequiresConsistency is true for a record with a partition or a key: the
// partition picked indexes all of the topic's partitions, not only the
// writable ones.
func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || r.Key != nil
}

// Partition returns the record's own partition, its key's, or the sticky
// one of keyless records.
func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	switch {
	case r.Partition >= 0:
		return int(r.Partition)
	case r.Key != nil:
		return keyHash.Partition(r, n)
	}
	if p.on < 0 || p.on >= n {
		p.on = rand.IntN(n)
		if p.on == p.last && n > 1 {
			p.on = (p.on + 1) % n
		}
	}
	return p.on
}

// OnNewBatch moves keyless records to another partition once the batch
// they filled is full.
func (p *topicPartitioner) OnNewBatch() { p.last, p.on = p.on, -1 }
