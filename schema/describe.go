package schema

import "github.com/sluicecdc/sluice/connectors/change"

// ConnectSchemaJSON returns f as Kafka Connect's JsonConverter writes a
// schema in the "schema" member of a record with schemas.enable=true.
func ConnectSchemaJSON(f *change.Field) ([]byte, error) {
	return appendSchema(nil, f, false)
}

// AvroSchemaText returns the Avro schema the Avro encoder registers for
// Connect schema f (see avroSchemaGen), as JSON text.
func AvroSchemaText(f *change.Field) (string, error) {
	text, _, err := avroSchemaText(f)
	return text, err
}
