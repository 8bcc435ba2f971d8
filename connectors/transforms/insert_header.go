package transforms

import (
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// InsertHeader is Kafka's org.apache.kafka.connect.transforms.InsertHeader:
// it adds header with the value of value.literal, parsed as Kafka
// Connect's Values.parseString infers a literal's type (see
// parseConnectLiteral), after the record's other headers.
type InsertHeader struct {
	header change.RecordHeader
}

// Apply implements Transform.
func (t *InsertHeader) Apply(r *change.Record) (*change.Record, error) {
	hs := make([]change.RecordHeader, len(r.Headers), len(r.Headers)+1)
	copy(hs, r.Headers)
	out := *r
	out.Headers = append(hs, t.header)
	return &out, nil
}

func init() {
	Register(Plugin{
		Class:   "org.apache.kafka.connect.transforms.InsertHeader",
		Kind:    KindTransformation,
		Version: KafkaVersion,
		Keys: []configdef.Key{
			kafkaSMTKey("header", configdef.String, nil, configdef.High, "The name of the header."),
			kafkaSMTKey("value.literal", configdef.String, nil, configdef.High,
				"The literal value that is to be set as the header value on all records."),
		},
		New: func(c *Config) (Transform, error) {
			// Kafka's NonNullValidator: an empty name or literal is allowed.
			name, lit := requireSet(c, "header"), requireSet(c, "value.literal")
			schema, value := parseConnectLiteral(lit)
			return &InsertHeader{header: change.RecordHeader{Key: name, Schema: schema, Value: value}}, nil
		},
	})
}
