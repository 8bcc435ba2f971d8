package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// manualOr is a partitioner that sends a record whose Partition is set
// (zero or more) to that partition, as Kafka Connect's producer does for a
// record a transform gave a partition, and leaves every other record
// (Partition -1, as the sink writes them) to the wrapped partitioner. A
// partition the topic does not have fails the record, as it fails in
// Kafka Connect.
type manualOr struct{ kgo.Partitioner }

// ForTopic wraps the wrapped partitioner's partitioner of topic t.
func (p manualOr) ForTopic(t string) kgo.TopicPartitioner {
	return &manualOrTopic{p.Partitioner.ForTopic(t)}
}

type manualOrTopic struct{ kgo.TopicPartitioner }

// RequiresConsistency is true for a record with a partition: the
// partition picked indexes all of the topic's partitions, not only the
// writable ones.
func (p *manualOrTopic) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || p.TopicPartitioner.RequiresConsistency(r)
}

// Partition returns the record's own partition, or the wrapped
// partitioner's choice.
func (p *manualOrTopic) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return p.TopicPartitioner.Partition(r, n)
}

// OnNewBatch passes the new-batch signal on to the wrapped partitioner
// when it wants it (the sticky partitioner of keyless records does).
func (p *manualOrTopic) OnNewBatch() {
	if o, ok := p.TopicPartitioner.(kgo.TopicPartitionerOnNewBatch); ok {
		o.OnNewBatch()
	}
}
