package transforms

import (
	"errors"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// InsertField is org.apache.kafka.connect.transforms.InsertField$Key and
// $Value: it appends fields holding the record's topic, partition,
// timestamp or a static string to the struct (or schemaless map). A field
// name ending in "!" makes the field required, "?" (or nothing) optional.
// A null key or value passes unchanged. The partition and timestamp fields
// stay null (absent when schemaless) on records that have none, which is
// every Debezium record; offset.field needs a sink record, so it fails on
// sluice's source records as in Kafka Connect.
type InsertField struct {
	side                                 kafkaSide
	topic, partition, offset, ts, static *insertionSpec
	staticValue                          string
	replaceNullDef                       bool
	schemas                              schemaCache
}

// insertionSpec is a field to insert: its name and whether it is optional.
type insertionSpec struct {
	name     string
	optional bool
}

func parseInsertionSpec(c *Config, key string) *insertionSpec {
	if !c.Has(key) {
		return nil
	}
	v := kafkaString(c, key, "")
	if n, ok := strings.CutSuffix(v, "?"); ok {
		return &insertionSpec{n, true}
	}
	if n, ok := strings.CutSuffix(v, "!"); ok {
		return &insertionSpec{n, false}
	}
	return &insertionSpec{v, true}
}

const insertPurpose = "field insertion"

// Apply inserts the fields into r.
func (t *InsertField) Apply(r *change.Record) (*change.Record, error) {
	schema, v := t.side.schema(r), t.side.value(r)
	if v == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(v, insertPurpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m)+5)
		for k, x := range m {
			out[k] = x
		}
		if t.topic != nil {
			out[t.topic.name] = r.Topic
		}
		if t.partition != nil && r.Partition != change.NoPartition {
			out[t.partition.name] = r.Partition
		}
		if t.offset != nil {
			return nil, errSinkOnly(insertPurpose)
		}
		if t.ts != nil && !r.Timestamp.IsZero() {
			out[t.ts.name] = r.Timestamp.UnixMilli()
		}
		if t.static != nil {
			out[t.static.name] = t.staticValue
		}
		return t.side.with(r, nil, out), nil
	}
	s, err := requireStruct(v, insertPurpose)
	if err != nil {
		return nil, err
	}
	updated, err := t.schemas.get(schema, func() (*change.Field, error) { return t.schema(schema) })
	if err != nil {
		return nil, err
	}
	out := make(change.StructValue, len(updated.Fields))
	for i := range schema.Fields {
		out[i] = member(schema, s, i, t.replaceNullDef)
	}
	n := len(schema.Fields)
	put := func(spec *insertionSpec, x any) {
		if spec != nil {
			out[n] = x
			n++
		}
	}
	put(t.topic, r.Topic)
	if r.Partition != change.NoPartition {
		put(t.partition, r.Partition)
	} else {
		put(t.partition, nil)
	}
	if t.offset != nil {
		return nil, errSinkOnly(insertPurpose)
	}
	if !r.Timestamp.IsZero() {
		put(t.ts, r.Timestamp.UnixMilli())
	} else {
		put(t.ts, nil)
	}
	put(t.static, t.staticValue)
	return t.side.with(r, updated, out), nil
}

// schema returns the struct schema with the inserted fields appended.
func (t *InsertField) schema(s *change.Field) (*change.Field, error) {
	b := newStructBuilder(s)
	for i := range s.Fields {
		if err := b.add(s.Fields[i].Name, &s.Fields[i]); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		spec *insertionSpec
		typ  change.Field
	}{
		{t.topic, change.Field{Type: change.String}},
		{t.partition, change.Field{Type: change.Int32}},
		{t.offset, change.Field{Type: change.Int64}},
		{t.ts, change.Field{Type: change.Int64, Logical: connectTimestamp, Version: 1}},
		{t.static, change.Field{Type: change.String}},
	} {
		if f.spec == nil {
			continue
		}
		f.typ.Optional = f.spec.optional
		if err := b.add(f.spec.name, &f.typ); err != nil {
			return nil, err
		}
	}
	return b.build(), nil
}

func newInsertField(c *Config, s kafkaSide) (Transform, error) {
	t := &InsertField{side: s,
		topic: parseInsertionSpec(c, "topic.field"), partition: parseInsertionSpec(c, "partition.field"),
		offset: parseInsertionSpec(c, "offset.field"), ts: parseInsertionSpec(c, "timestamp.field"),
		static: parseInsertionSpec(c, "static.field"), staticValue: kafkaString(c, "static.value", ""),
		replaceNullDef: c.Bool("replace.null.with.default", true)}
	if t.topic == nil && t.partition == nil && t.offset == nil && t.ts == nil && t.static == nil {
		return nil, errors.New("No field insertion configured")
	}
	if t.static != nil && !c.Has("static.value") {
		c.invalid("static.value", "null", "No value specified for static field: "+t.static.name)
	}
	return t, nil
}

func init() {
	const opt = " Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."
	registerKeyValue("InsertField", []configdef.Key{
		kafkaOptionalKey("topic.field", configdef.String, configdef.Medium, "Field name for Kafka topic."+opt),
		kafkaOptionalKey("partition.field", configdef.String, configdef.Medium, "Field name for Kafka partition."+opt),
		kafkaOptionalKey("offset.field", configdef.String, configdef.Medium, "Field name for Kafka offset - only applicable to sink connectors.<br/>"+opt[1:]),
		kafkaOptionalKey("timestamp.field", configdef.String, configdef.Medium, "Field name for record timestamp."+opt),
		kafkaOptionalKey("static.field", configdef.String, configdef.Medium, "Field name for static data field."+opt),
		kafkaOptionalKey("static.value", configdef.String, configdef.Medium, "Static field value, if field name configured."),
		replaceNullKey,
	}, newInsertField)
}
