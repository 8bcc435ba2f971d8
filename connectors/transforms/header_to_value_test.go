package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestHeaderToValue(t *testing.T) {
	hs := []change.RecordHeader{
		{Key: "a", Schema: &dbzOptString, Value: "A"},
		{Key: "keep", Raw: []byte("k")},
		{Key: "b", Schema: &dbzOptInt64, Value: int64(2)},
	}
	// A value with a nested struct member s {x}, and a null member with a
	// default.
	sub := change.Field{Name: "s", Type: change.Struct, Optional: true, Logical: "sub", Fields: []change.Field{{Name: "x", Type: change.Int32}}}
	schema := &change.Field{Type: change.Struct, Logical: "v", Version: 3, Fields: []change.Field{
		{Name: "id", Type: change.Int32}, {Name: "name", Type: change.String, Optional: true, Default: "none"}, sub}}
	rec := func() *change.Record {
		return &change.Record{Topic: "t", ValueSchema: schema, Value: change.StructValue{int32(1), nil, change.StructValue{int32(9)}}, Headers: hs}
	}
	subWith := func(extra ...change.Field) change.Field {
		f := change.Field{Name: "s", Type: change.Struct, Logical: "sub", Fields: append([]change.Field{{Name: "x", Type: change.Int32}}, extra...)}
		return f
	}
	top := func(fields ...change.Field) *change.Field {
		return &change.Field{Type: change.Struct, Logical: "v", Version: 3, Fields: fields}
	}
	id, name := schema.Fields[0], schema.Fields[1]
	for _, c := range []struct {
		name    string
		opts    map[string]string
		schema  *change.Field
		value   change.StructValue
		headers []change.RecordHeader
	}{
		// Copied at the top level: nulls take their default (Struct.get).
		{"copy", map[string]string{"headers": "a,b", "fields": "fa,fb", "operation": "copy"},
			top(id, name, sub, dbzNamed("fa", dbzOptString), dbzNamed("fb", dbzOptInt64)),
			change.StructValue{int32(1), "none", change.StructValue{int32(9)}, "A", int64(2)}, hs},
		{"move", map[string]string{"headers": "b", "fields": "fb", "operation": "MOVE"},
			top(id, name, sub, dbzNamed("fb", dbzOptInt64)),
			change.StructValue{int32(1), "none", change.StructValue{int32(9)}, int64(2)}, hs[:2]},
		// Into an existing struct (rebuilt required, as copySchemaBasics
		// does), and into a new optional parent struct.
		{"nested", map[string]string{"headers": "a,b", "fields": "s.y,meta.b", "operation": "copy"},
			top(id, name, subWith(dbzNamed("y", dbzOptString)),
				change.Field{Name: "meta", Type: change.Struct, Optional: true, Fields: []change.Field{dbzNamed("b", dbzOptInt64)}}),
			change.StructValue{int32(1), "none", change.StructValue{int32(9), "A"}, change.StructValue{int64(2)}}, hs},
	} {
		tr, err := configureTransform(HeaderToValueClass, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		in := rec()
		got, err := dbzApplyUnchangedInput(t, tr, in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := &change.Record{Topic: "t", ValueSchema: c.schema, Value: c.value, Headers: c.headers}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", c.name, got.ValueSchema, got.Value, want.ValueSchema, want.Value)
		}
	}

	tr, _ := configureTransform(HeaderToValueClass, map[string]string{"headers": "a", "fields": "id.z", "operation": "copy"})
	if _, err := tr.Apply(rec()); err == nil || err.Error() != "Field 'id' is a primitive type, not a struct. Cannot add nested field 'id.z'." {
		t.Errorf("nested under a primitive: %v", err)
	}
	tr, _ = configureTransform(HeaderToValueClass, map[string]string{"headers": "zz", "fields": "f", "operation": "copy"})
	for _, in := range []*change.Record{rec(), fxTombstone()} {
		if got, err := tr.Apply(in); got != in || err != nil {
			t.Errorf("no header or a tombstone: %+v, %v", got, err)
		}
	}
	if _, err := tr.Apply(&change.Record{Value: map[string]any{"a": 1}}); err == nil || !strings.Contains(err.Error(), "Only Struct objects supported for [Header field insertion], found: java.util.HashMap") {
		t.Errorf("schemaless: %v", err)
	}
}

func TestHeaderToValueConfig(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"fields": "a", "operation": "copy"}, `"transforms.t.headers" which has no default value: A value is required`},
		{map[string]string{"headers": "a,b", "fields": "a", "operation": "copy"}, "'fields' config must have the same number of elements as 'headers' config."},
		{map[string]string{"headers": "a,,b", "fields": "a,b,c", "operation": "copy"}, "Invalid value a,,b for configuration transforms.t.headers: Empty string element(s) not permitted"},
		{map[string]string{"headers": "a b", "fields": "a", "operation": "copy"}, "transforms.t.headers: Element(s) containing space not permitted"},
		{map[string]string{"headers": "a", "fields": "a", "operation": "cp"}, "Invalid value cp for configuration transforms.t.operation: Value must be one of move, copy"},
	} {
		_, err := configureTransform(HeaderToValueClass, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.opts, err, c.want)
		}
	}
}
