package transforms

import "github.com/sluicecdc/sluice/connectors/change"

// Filter is Kafka's org.apache.kafka.connect.transforms.Filter: it drops
// every record it sees, so it is used with a predicate (and negate) to drop
// the records that match, or do not match, it. It has no options.
type Filter struct{}

// Apply implements Transform.
func (Filter) Apply(*change.Record) (*change.Record, error) { return nil, nil }

func init() {
	Register(Plugin{
		Class:   "org.apache.kafka.connect.transforms.Filter",
		Kind:    KindTransformation,
		Version: KafkaVersion,
		New:     func(*Config) (Transform, error) { return Filter{}, nil },
	})
}
