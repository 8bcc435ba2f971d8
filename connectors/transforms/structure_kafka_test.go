package transforms

import (
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// transformCase is one record through one transform and what comes out.
type transformCase struct {
	name  string
	class string
	opts  map[string]string
	in    *change.Record
	want  *change.Record
}

func runCases(t *testing.T, cases []transformCase) {
	t.Helper()
	for _, c := range cases {
		before := deepCopy(c.in)
		out, err := apply(t, c.class, c.opts, c.in)
		if err != nil || !reflect.DeepEqual(out, c.want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", c.name, out, err, c.want)
		}
		if !reflect.DeepEqual(c.in, before) {
			t.Errorf("%s: the input changed", c.name)
		}
	}
}

// errCase is one record through one transform that fails with want.
type errCase struct {
	name, class string
	opts        map[string]string
	in          *change.Record
	want        string
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		_, err := apply(t, c.class, c.opts, c.in)
		wantErr(t, c.name, err, c.want)
	}
}

func withKey(r *change.Record, schema *change.Field, key any) *change.Record {
	r.KeySchema, r.Key = schema, key
	return r
}

func withValue(r *change.Record, schema *change.Field, v any) *change.Record {
	r.ValueSchema, r.Value = schema, v
	return r
}

func TestValueToKey(t *testing.T) {
	keySchema := &change.Field{Type: change.Struct, Fields: []change.Field{rowField("name"), rowField("qty"), rowField("id")}}
	runCases(t, []transformCase{
		{"struct", "ValueToKey", map[string]string{"fields": "name,qty,id"}, rowRecord(),
			withKey(rowRecord(), keySchema, change.StructValue{"ann", int16(5), int32(7)})},
		// Kafka 4.3's ConfigDef drops a duplicate from the list.
		{"a field twice", "ValueToKey", map[string]string{"fields": "name, qty,id,name"}, rowRecord(),
			withKey(rowRecord(), keySchema, change.StructValue{"ann", int16(5), int32(7)})},
		{"no defaults", "ValueToKey", map[string]string{"fields": "name,qty,id", "replace.null.with.default": "false"}, rowRecord(),
			withKey(rowRecord(), keySchema, change.StructValue{"ann", nil, int32(7)})},
		{"schemaless", "ValueToKey", map[string]string{"fields": "a,b"},
			&change.Record{KeySchema: &change.Field{Type: change.String}, Key: "k", Value: map[string]any{"a": int32(1), "c": "x"}},
			&change.Record{Key: map[string]any{"a": int32(1), "b": nil}, Value: map[string]any{"a": int32(1), "c": "x"}}},
	})
	runErrCases(t, []errCase{
		{"missing field", "ValueToKey", map[string]string{"fields": "id,nope"}, rowRecord(), "Field does not exist: nope"},
		{"tombstone", "ValueToKey", map[string]string{"fields": "id"}, tombstone(),
			"Only Map objects supported in absence of schema for [copying fields from value to key], found: null"},
		{"string value", "ValueToKey", map[string]string{"fields": "id"}, &change.Record{ValueSchema: &change.Field{Type: change.String}, Value: "x"},
			"Only Struct objects supported for [copying fields from value to key], found: java.lang.String"},
	})
	wantErr(t, "empty", configError("ValueToKey", map[string]string{"fields": ""}),
		"Configuration 'transforms.x.fields' must not be empty. Valid values include: any non-empty value")
}

func TestExtractField(t *testing.T) {
	row := topLevel(&ordersRow)
	nameSchema := &change.Field{Type: change.String, Optional: true}
	v2 := func(field string) map[string]string {
		return map[string]string{"field": field, "field.syntax.version": "v2"}
	}
	deleted := ordersRecord()
	deleted.Value = change.StructValue{ordersAfter(), nil, change.StructValue{"3.6.1.Final", "orders"}, "d", int64(1)}
	runCases(t, []transformCase{
		{"key id", "ExtractField$Key", map[string]string{"field": "id"}, ordersRecord(),
			withKey(ordersRecord(), &change.Field{Type: change.Int32}, int32(7))},
		{"after", "ExtractField$Value", map[string]string{"field": "after"}, ordersRecord(), withValue(ordersRecord(), row, ordersAfter())},
		{"after of a delete", "ExtractField$Value", map[string]string{"field": "after"}, deleted, withValue(deepCopy(deleted), row, nil)},
		{"nested", "ExtractField$Value", v2("after.name"), ordersRecord(), withValue(ordersRecord(), nameSchema, "ann")},
		{"nested default", "ExtractField$Value", v2("after.qty"), ordersRecord(), withValue(ordersRecord(), topLevel(&ordersRow.Fields[2]), int16(5))},
		{"nested without default", "ExtractField$Value", merge(v2("after.qty"), map[string]string{"replace.null.with.default": "false"}),
			ordersRecord(), withValue(ordersRecord(), topLevel(&ordersRow.Fields[2]), nil)},
		{"through a null", "ExtractField$Value", v2("before.name"), ordersRecord(), withValue(ordersRecord(), nameSchema, nil)},
		{"schemaless nested", "ExtractField$Value", v2("a.b"), &change.Record{Value: map[string]any{"a": map[string]any{"b": int32(1)}}},
			&change.Record{Value: int32(1)}},
		{"schemaless missing", "ExtractField$Value", v2("a.c"), &change.Record{Value: map[string]any{"a": map[string]any{"b": int32(1)}}},
			&change.Record{}},
		{"schemaless V1 keeps dots", "ExtractField$Value", map[string]string{"field": "a.b"}, &change.Record{Value: map[string]any{"a.b": "x"}},
			&change.Record{Value: "x"}},
		{"null value with schema", "ExtractField$Value", map[string]string{"field": "after"}, withValue(ordersRecord(), ordersEnvelope, nil),
			withValue(ordersRecord(), row, nil)},
	})
	if r := tombstone(); mustApply(t, "ExtractField$Value", map[string]string{"field": "after"}, r) != r {
		t.Errorf("a tombstone is not passed as it is")
	}
	runErrCases(t, []errCase{
		{"unknown", "ExtractField$Value", map[string]string{"field": "after.name"}, ordersRecord(), "Unknown field: after.name"},
		{"unknown nested", "ExtractField$Value", v2("after.nope"), ordersRecord(), "Unknown field: after.nope"},
		{"into a string", "ExtractField$Value", v2("op.x"), ordersRecord(), "Cannot look up fields on non-struct type"},
		{"string value", "ExtractField$Value", map[string]string{"field": "x"}, &change.Record{ValueSchema: &change.Field{Type: change.String}, Value: "s"},
			"Only Struct objects supported for [field extraction], found: java.lang.String"},
		{"schemaless into a string", "ExtractField$Value", v2("a.b"), &change.Record{Value: map[string]any{"a": "s"}},
			"Only Map objects supported in absence of schema for [nested field access], found: java.lang.String"},
		{"schemaless list", "ExtractField$Value", map[string]string{"field": "a"}, &change.Record{Value: []any{}},
			"Only Map objects supported in absence of schema for [field extraction], found: java.util.ArrayList"},
	})
	wantErr(t, "version", configError("ExtractField$Value", map[string]string{"field": "a", "field.syntax.version": "V3"}),
		"Invalid value V3 for configuration transforms.x.field.syntax.version: String must be one of (case insensitive): V1, V2")
	wantErr(t, "backtick", configError("ExtractField$Value", v2("`a")),
		"Incomplete backtick pair in path: [`a], consider adding a backslash before backtick at position 0 to escape it")
}

func TestHoistField(t *testing.T) {
	row := topLevel(&ordersRow)
	hoisted := &change.Field{Type: change.Struct, Fields: []change.Field{named(ordersRow, "row")}}
	runCases(t, []transformCase{
		{"value", "HoistField$Value", map[string]string{"field": "row"}, rowRecord(), withValue(rowRecord(), hoisted, change.StructValue{ordersAfter()})},
		{"key", "HoistField$Key", map[string]string{"field": "k"}, ordersRecord(), withKey(ordersRecord(),
			&change.Field{Type: change.Struct, Fields: []change.Field{{Name: "k", Type: change.Struct, Logical: "pg.public.orders.Key", Fields: ordersKeySchema.Fields}}},
			change.StructValue{change.StructValue{int32(7)}})},
		{"tombstone", "HoistField$Value", map[string]string{"field": "row"}, tombstone(), withValue(tombstone(), nil, map[string]any{"row": nil})},
		{"schemaless", "HoistField$Value", map[string]string{"field": "w"}, &change.Record{Value: int64(1)}, &change.Record{Value: map[string]any{"w": int64(1)}}},
		{"optional null", "HoistField$Value", map[string]string{"field": "row"}, withValue(rowRecord(), row, nil),
			withValue(rowRecord(), hoisted, change.StructValue{nil})},
	})
	runErrCases(t, []errCase{
		{"required null", "HoistField$Value", map[string]string{"field": "f"}, &change.Record{ValueSchema: &change.Field{Type: change.String}},
			`Invalid value: null used for required field: "f", schema type: STRING`},
	})
	wantErr(t, "no field", configError("HoistField$Value", nil), `Missing required configuration "transforms.x.field" which has no default value.`)
}

func TestSetSchemaMetadata(t *testing.T) {
	renamed := *ordersEnvelope
	renamed.Logical, renamed.Version = "my.Envelope", 3
	row := *topLevel(&ordersRow)
	row.Version = 9
	after := ordersAfter()
	after[2] = int16(5)
	keyString := &change.Field{Type: change.String, Optional: true, Doc: "d"}
	runCases(t, []transformCase{
		{"name and version", "SetSchemaMetadata$Value", map[string]string{"schema.name": "my.Envelope", "schema.version": "3"}, ordersRecord(),
			withValue(ordersRecord(), &renamed, ordersRecord().Value)},
		{"version, defaults", "SetSchemaMetadata$Value", map[string]string{"schema.version": "9"}, rowRecord(), withValue(rowRecord(), &row, after)},
		{"version, no defaults", "SetSchemaMetadata$Value", map[string]string{"schema.version": "9", "replace.null.with.default": "false"}, rowRecord(),
			withValue(rowRecord(), &row, ordersAfter())},
		{"key", "SetSchemaMetadata$Key", map[string]string{"schema.name": "k"}, ordersRecord(),
			withKey(ordersRecord(), &change.Field{Type: change.Struct, Logical: "k", Fields: ordersKeySchema.Fields}, change.StructValue{int32(7)})},
		{"null with schema", "SetSchemaMetadata$Value", map[string]string{"schema.name": "n"}, withValue(rowRecord(), &ordersRow, nil),
			withValue(rowRecord(), &change.Field{Type: change.Struct, Optional: true, Logical: "n", Fields: ordersRow.Fields}, nil)},
	})
	if r := tombstone(); mustApply(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": "n"}, r) != r {
		t.Errorf("a tombstone is not passed as it is")
	}
	runErrCases(t, []errCase{
		{"schemaless", "SetSchemaMetadata$Value", map[string]string{"schema.name": "n"}, &change.Record{Value: map[string]any{}},
			"Schema required for [updating schema metadata]"},
		// Seen on Kafka Connect 4.3.0: ConnectSchema.fields() of the string.
		{"not a struct", "SetSchemaMetadata$Key", map[string]string{"schema.name": "k"}, withKey(rowRecord(), keyString, "x"),
			"Cannot list fields on non-struct type"},
	})
	wantErr(t, "nothing", configError("SetSchemaMetadata$Value", nil), "Neither schema name nor version configured")
	wantErr(t, "version", configError("SetSchemaMetadata$Value", map[string]string{"schema.version": "x"}),
		"Invalid value x for configuration transforms.x.schema.version: Not a number of type INT")
}

// TestKafkaSMTsShareOutputSchemas checks that two records of one schema
// get one output schema (the converters cache by schema pointer).
func TestKafkaSMTsShareOutputSchemas(t *testing.T) {
	for _, c := range []struct {
		class string
		opts  map[string]string
		key   bool
	}{
		{"InsertField$Value", map[string]string{"topic.field": "t"}, false},
		{"ReplaceField$Value", map[string]string{"exclude": "id"}, false},
		{"ValueToKey", map[string]string{"fields": "id"}, true},
		{"ExtractField$Value", map[string]string{"field": "name"}, false},
		{"HoistField$Value", map[string]string{"field": "h"}, false},
		{"SetSchemaMetadata$Value", map[string]string{"schema.name": "n"}, false},
	} {
		cfg := map[string]string{"transforms": "x", "transforms.x.type": "org.apache.kafka.connect.transforms." + c.class}
		for k, v := range c.opts {
			cfg["transforms.x."+k] = v
		}
		ch, err := Parse(cfg)
		if err != nil {
			t.Fatal(err)
		}
		in := rowRecord()
		a, err1 := ch.Apply(in)
		b, err2 := ch.Apply(rowRecord2(in))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", c.class, err1, err2)
		}
		sa, sb := a.ValueSchema, b.ValueSchema
		if c.key {
			sa, sb = a.KeySchema, b.KeySchema
		}
		if sa != sb || sa == in.ValueSchema {
			t.Errorf("%s: output schemas %p and %p (input %p), want one new schema", c.class, sa, sb, in.ValueSchema)
		}
	}
}

// rowRecord2 is another record of r's value schema.
func rowRecord2(r *change.Record) *change.Record {
	v := ordersAfter()
	v[0] = int32(8)
	return &change.Record{Topic: r.Topic, Partition: r.Partition, KeySchema: r.KeySchema, Key: change.StructValue{int32(8)}, ValueSchema: r.ValueSchema, Value: v}
}

// TestKafkaSMTsTrimStringOptions checks that STRING options are read as
// Kafka's ConfigDef parses them: trimmed, and (without a validator) empty
// allowed.
func TestKafkaSMTsTrimStringOptions(t *testing.T) {
	out := mustApply(t, "RegexRouter", map[string]string{"regex": " pg\\.(.*) ", "replacement": " x_$1 "}, rowRecord())
	if out.Topic != "x_public.orders" {
		t.Errorf("RegexRouter: topic %q", out.Topic)
	}
	out = mustApply(t, "InsertField$Value", map[string]string{"topic.field": " t! ", "static.field": "s", "static.value": " v "}, rowRecord())
	n := len(out.ValueSchema.Fields)
	if f := out.ValueSchema.Fields[n-2]; f.Name != "t" || f.Optional || out.Value.(change.StructValue)[n-1] != "v" {
		t.Errorf("InsertField: %+v %v", out.ValueSchema.Fields[n-2:], out.Value)
	}
	out = mustApply(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": " n "}, rowRecord())
	if out.ValueSchema.Logical != "n" {
		t.Errorf("SetSchemaMetadata: %q", out.ValueSchema.Logical)
	}
	out = mustApply(t, "ExtractField$Value", map[string]string{"field": " name ", "field.syntax.version": " v2 "}, rowRecord())
	if out.Value != "ann" {
		t.Errorf("ExtractField: %v", out.Value)
	}
	wantErr(t, "blank replacement", configError("MaskField$Value", map[string]string{"fields": "a", "replacement": "  "}), "String must be non-empty")
	_, err := apply(t, "HoistField$Value", map[string]string{"field": " "}, rowRecord())
	wantErr(t, "empty hoist field", err, "fieldName cannot be null.")
}
