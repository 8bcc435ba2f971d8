package transforms

import (
	"slices"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// DropHeaders is Kafka's org.apache.kafka.connect.transforms.DropHeaders:
// it removes every header whose key is one of headers, keeping the others
// in order.
type DropHeaders struct {
	headers []string
}

// Apply implements Transform.
func (t *DropHeaders) Apply(r *change.Record) (*change.Record, error) {
	if !slices.ContainsFunc(r.Headers, func(h change.RecordHeader) bool { return slices.Contains(t.headers, h.Key) }) {
		return r, nil
	}
	kept := make([]change.RecordHeader, 0, len(r.Headers))
	for _, h := range r.Headers {
		if !slices.Contains(t.headers, h.Key) {
			kept = append(kept, h)
		}
	}
	out := *r
	out.Headers = kept
	return &out, nil
}

func init() {
	Register(Plugin{
		Class:   "org.apache.kafka.connect.transforms.DropHeaders",
		Kind:    KindTransformation,
		Version: KafkaVersion,
		Keys: []configdef.Key{kafkaSMTKey("headers", configdef.List, nil, configdef.High,
			"The name of the headers to be removed.")},
		New: func(c *Config) (Transform, error) {
			return &DropHeaders{headers: requireNonEmptyList(c, "headers")}, nil
		},
	})
}
