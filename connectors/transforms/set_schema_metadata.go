package transforms

import (
	"errors"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// SetSchemaMetadata is
// org.apache.kafka.connect.transforms.SetSchemaMetadata$Key and $Value: it
// sets the name, the version or both of the key or value schema, keeping
// everything else of the schema. A struct value is copied onto the new
// schema (with members' defaults for nulls unless
// replace.null.with.default=false). A null without schema passes; a
// schemaless value fails, and so does any schema that is not a struct
// (Kafka's transform reads its fields), as in Kafka Connect 4.3.0.
type SetSchemaMetadata struct {
	side           kafkaSide
	name           *string
	version        *int
	replaceNullDef bool
	schemas        schemaCache
}

// Apply renames r's key or value schema.
func (t *SetSchemaMetadata) Apply(r *change.Record) (*change.Record, error) {
	schema, v := t.side.schema(r), t.side.value(r)
	if v == nil && schema == nil {
		return r, nil
	}
	if err := requireSchema(schema, "updating schema metadata"); err != nil {
		return nil, err
	}
	// Kafka builds the new schema with the old one's fields(), which a
	// schema that is not a struct refuses.
	if schema.Type != change.Struct {
		return nil, dataErrorf("Cannot list fields on non-struct type")
	}
	updated, _ := t.schemas.get(schema, func() (*change.Field, error) {
		u := *schema
		if t.name != nil {
			u.Logical = *t.name
		}
		if t.version != nil {
			u.Version = *t.version
		}
		return &u, nil
	})
	if s, ok := structOf(v); ok && schema.Type == change.Struct {
		out := make(change.StructValue, len(schema.Fields))
		for i := range schema.Fields {
			out[i] = member(schema, s, i, t.replaceNullDef)
		}
		v = out
	}
	return t.side.with(r, updated, v), nil
}

func newSetSchemaMetadata(c *Config, s kafkaSide) (Transform, error) {
	t := &SetSchemaMetadata{side: s, replaceNullDef: c.Bool("replace.null.with.default", true)}
	if c.Has("schema.name") {
		n := kafkaString(c, "schema.name", "")
		t.name = &n
	}
	if c.Has("schema.version") {
		v := c.Int("schema.version", 0)
		t.version = &v
	}
	if t.name == nil && t.version == nil {
		return nil, errors.New("Neither schema name nor version configured")
	}
	return t, nil
}

func init() {
	registerKeyValue("SetSchemaMetadata", []configdef.Key{
		kafkaOptionalKey("schema.name", configdef.String, configdef.High, "Schema name to set."),
		kafkaOptionalKey("schema.version", configdef.Int, configdef.High, "Schema version to set."),
		replaceNullKey,
	}, newSetSchemaMetadata)
}
