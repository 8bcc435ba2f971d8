package transforms

import (
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// HoistField is org.apache.kafka.connect.transforms.HoistField$Key and
// $Value: the key or value becomes the single field of an unnamed struct
// (a schemaless map when it has no schema). A schemaless null, such as a
// tombstone, becomes a map holding one null, as in Kafka Connect.
type HoistField struct {
	side    kafkaSide
	field   string
	schemas schemaCache
}

// Apply wraps r's key or value.
func (t *HoistField) Apply(r *change.Record) (*change.Record, error) {
	schema, v := t.side.schema(r), t.side.value(r)
	if schema == nil {
		return t.side.with(r, nil, map[string]any{t.field: v}), nil
	}
	updated, err := t.schemas.get(schema, func() (*change.Field, error) {
		b := newStructBuilder(nil)
		if err := b.add(t.field, schema); err != nil {
			return nil, err
		}
		return b.build(), nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkPut(&updated.Fields[0], t.field, v); err != nil {
		return nil, err
	}
	return t.side.with(r, updated, change.StructValue{v}), nil
}

func newHoistField(c *Config, s kafkaSide) (Transform, error) {
	return &HoistField{side: s, field: requireSet(c, "field")}, nil
}

func init() {
	registerKeyValue("HoistField", []configdef.Key{
		kafkaSMTKey("field", configdef.String, nil, configdef.Medium,
			"Field name for the single field that will be created in the resulting Struct or Map."),
	}, newHoistField)
}
