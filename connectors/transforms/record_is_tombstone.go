package transforms

import "github.com/sluicecdc/sluice/connectors/change"

// RecordIsTombstone is Kafka's predicate
// org.apache.kafka.connect.transforms.predicates.RecordIsTombstone: true for
// a record whose value is null (a tombstone). It has no options.
type RecordIsTombstone struct{}

// Test implements Predicate.
func (RecordIsTombstone) Test(r *change.Record) bool { return r.Value == nil }

func init() {
	Register(Plugin{
		Class:        "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
		Kind:         KindPredicate,
		Version:      KafkaVersion,
		NewPredicate: func(*Config) (Predicate, error) { return RecordIsTombstone{}, nil },
	})
}
