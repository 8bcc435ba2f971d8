package transforms

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// HeaderFrom is Kafka's org.apache.kafka.connect.transforms.HeaderFrom$Key
// and $Value: each of fields becomes the header at the same position in
// headers, with the field's schema; operation move also removes the fields
// from the struct (or map).
//
// As in Kafka: a null key or value (a tombstone) fails, since there is no
// struct or map to read; a field the schema lacks fails with Java's
// NullPointerException text; a schemaless field that is absent gives a
// null header. With replace.null.with.default (the default) a null field
// is read as its schema's default, for the header and for the fields a
// move keeps.
type HeaderFrom struct {
	side         kafkaSide
	fields       []string
	headers      []string
	move         bool
	replaceNulls bool
	purpose      string
}

func init() {
	kafkaClasses("HeaderFrom", []configdef.Key{
		kafkaSMTKey("fields", configdef.List, nil, configdef.High,
			"Field names in the record whose values are to be copied or moved to headers."),
		kafkaSMTKey("headers", configdef.List, nil, configdef.High,
			"Header names, in the same order as the field names listed in the fields configuration property."),
		kafkaSMTKey("operation", configdef.String, nil, configdef.High,
			"Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value)."),
		kafkaSMTKey("replace.null.with.default", configdef.Boolean, configdef.Def("true"), configdef.Medium,
			"Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
	}, func(c *Config, side kafkaSide) Transform {
		t := &HeaderFrom{side: side,
			fields:       requireNonEmptyList(c, "fields"),
			headers:      requireNonEmptyList(c, "headers"),
			replaceNulls: c.Bool("replace.null.with.default", true),
		}
		op := requireSet(c, "operation")
		if c.Has("operation") && op != "move" && op != "copy" {
			c.Fail("operation", "String must be one of: move, copy")
		}
		t.move, t.purpose = op == "move", "header "+op
		if c.Err() == nil && len(t.fields) != len(t.headers) {
			c.errs = append(c.errs, errors.New("'fields' config must have the same number of elements as 'headers' config."))
		}
		return t
	})
}

// Apply implements Transform.
func (t *HeaderFrom) Apply(r *change.Record) (*change.Record, error) {
	v, schema := t.side.value(r), t.side.schema(r)
	hs := make([]change.RecordHeader, len(r.Headers), len(r.Headers)+len(t.fields))
	copy(hs, r.Headers)
	if schema == nil {
		m, err := requireMap(v, t.purpose)
		if err != nil {
			return nil, err
		}
		kept := m
		if t.move {
			kept = make(map[string]any, len(m))
			for k, x := range m {
				if !slices.Contains(t.fields, k) {
					kept[k] = x
				}
			}
		}
		for i, f := range t.fields {
			hs = append(hs, change.RecordHeader{Key: t.headers[i], Value: m[f]})
		}
		out := t.side.with(r, nil, kept)
		out.Headers = hs
		return out, nil
	}
	sv, err := requireStruct(v, t.purpose)
	if err != nil {
		return nil, err
	}
	keptSchema, kept := schema, sv
	if t.move {
		keptSchema = copySchemaBasics(schema, change.Struct)
		kept = make(change.StructValue, 0, len(schema.Fields))
		for i := range schema.Fields {
			if !slices.Contains(t.fields, schema.Fields[i].Name) {
				keptSchema.Fields = append(keptSchema.Fields, schema.Fields[i])
				kept = append(kept, t.get(schema, sv, i))
			}
		}
	}
	for i, f := range t.fields {
		m := schema.Member(f)
		if m < 0 {
			return nil, fmt.Errorf(`Cannot invoke "org.apache.kafka.connect.data.Field.schema()" because the return value of "org.apache.kafka.connect.data.Schema.field(String)" is null`)
		}
		hschema := schema.Fields[m] // the member's schema, as a top-level one
		hschema.Name = ""
		hs = append(hs, change.RecordHeader{Key: t.headers[i], Schema: &hschema, Value: t.get(schema, sv, m)})
	}
	out := t.side.with(r, keptSchema, kept)
	out.Headers = hs
	return out, nil
}

// get reads member i as Struct.get (defaults) or getWithoutDefault.
func (t *HeaderFrom) get(schema *change.Field, v change.StructValue, i int) any {
	if t.replaceNulls {
		return structGet(schema, v, i)
	}
	if i < len(v) {
		return v[i]
	}
	return nil
}
