package transforms

import (
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// HasHeaderKey is Kafka's predicate
// org.apache.kafka.connect.transforms.predicates.HasHeaderKey: true for a
// record with at least one header called name.
type HasHeaderKey struct {
	name string
}

// Test implements Predicate.
func (p *HasHeaderKey) Test(r *change.Record) bool {
	for i := range r.Headers {
		if r.Headers[i].Key == p.name {
			return true
		}
	}
	return false
}

func init() {
	Register(Plugin{
		Class:   "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
		Kind:    KindPredicate,
		Version: KafkaVersion,
		Keys:    []configdef.Key{kafkaSMTKey("name", configdef.String, nil, configdef.Medium, "The header name.")},
		NewPredicate: func(c *Config) (Predicate, error) {
			return &HasHeaderKey{name: requireNonEmpty(c, "name")}, nil
		},
	})
}
