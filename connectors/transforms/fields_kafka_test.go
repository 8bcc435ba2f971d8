package transforms

import (
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// rowSchemaRequired is the fixture's row schema as Kafka's SchemaBuilder
// copies its basics: same name, version, doc and parameters, but required.
func rowSchemaRequired(fields ...change.Field) *change.Field {
	return &change.Field{Type: change.Struct, Logical: "pg.public.orders.Value", Fields: fields}
}

func rowField(name string) change.Field { return ordersRow.Fields[ordersRow.Member(name)] }

func TestInsertField(t *testing.T) {
	withTS := rowRecord()
	withTS.Timestamp = fixtureTime
	opts := map[string]string{"topic.field": "t", "partition.field": "p", "timestamp.field": "ts?", "static.field": "s!", "static.value": "v"}
	inserted := []change.Field{
		{Name: "t", Type: change.String, Optional: true},
		{Name: "p", Type: change.Int32, Optional: true},
		{Name: "ts", Type: change.Int64, Optional: true, Logical: connectTimestamp, Version: 1},
		{Name: "s", Type: change.String},
	}
	wantSchema := rowSchemaRequired(append(append([]change.Field{}, ordersRow.Fields...), inserted...)...)
	after := ordersAfter()
	after[2] = int16(5) // qty's default
	runCases(t, []transformCase{
		{"value with schema", "InsertField$Value", opts, withTS, func() *change.Record {
			r := rowRecord()
			r.Timestamp, r.ValueSchema = fixtureTime, wantSchema
			r.Value = append(append(change.StructValue{}, after...), "pg.public.orders", nil, fixtureTime.UnixMilli(), "v")
			return r
		}()},
		{"no timestamp, partition 2, nulls kept", "InsertField$Value", merge(opts, map[string]string{"replace.null.with.default": "false"}), func() *change.Record {
			r := rowRecord()
			r.Partition = 2
			return r
		}(), func() *change.Record {
			r := rowRecord()
			r.Partition, r.ValueSchema = 2, wantSchema
			r.Value = append(ordersAfter(), "pg.public.orders", int32(2), nil, "v")
			return r
		}()},
		{"key", "InsertField$Key", map[string]string{"topic.field": "topic!"}, rowRecord(), func() *change.Record {
			r := rowRecord()
			r.KeySchema = &change.Field{Type: change.Struct, Logical: "pg.public.orders.Key",
				Fields: []change.Field{{Name: "id", Type: change.Int32}, {Name: "topic", Type: change.String}}}
			r.Key = change.StructValue{int32(7), "pg.public.orders"}
			return r
		}()},
		{"schemaless", "InsertField$Value", opts, &change.Record{Topic: "tp", Partition: change.NoPartition, Value: map[string]any{"a": int32(1)}},
			&change.Record{Topic: "tp", Partition: change.NoPartition, Value: map[string]any{"a": int32(1), "t": "tp", "s": "v"}}},
		{"schemaless with partition and timestamp", "InsertField$Value", opts,
			&change.Record{Topic: "tp", Partition: 1, Timestamp: fixtureTime, Value: map[string]any{}},
			&change.Record{Topic: "tp", Partition: 1, Timestamp: fixtureTime, Value: map[string]any{"t": "tp", "p": int32(1), "ts": fixtureTime.UnixMilli(), "s": "v"}}},
	})
	if r := tombstone(); mustApply(t, "InsertField$Value", opts, r) != r {
		t.Errorf("a tombstone is not passed as it is")
	}
	for _, c := range []struct {
		name, class string
		opts        map[string]string
		in          *change.Record
		want        string
	}{
		{"offset", "InsertField$Value", map[string]string{"offset.field": "o"}, rowRecord(),
			"Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord"},
		{"not a struct", "InsertField$Value", opts, &change.Record{ValueSchema: &change.Field{Type: change.String}, Value: "x"},
			"Only Struct objects supported for [field insertion], found: java.lang.String"},
		{"not a map", "InsertField$Value", opts, &change.Record{Value: int64(3)},
			"Only Map objects supported in absence of schema for [field insertion], found: java.lang.Long"},
		{"duplicate", "InsertField$Value", map[string]string{"topic.field": "name"}, rowRecord(),
			"Cannot create field because of field name duplication name"},
	} {
		_, err := apply(t, c.class, c.opts, c.in)
		wantErr(t, c.name, err, c.want)
	}
	wantErr(t, "nothing", configError("InsertField$Value", nil), "No field insertion configured")
	wantErr(t, "no static value", configError("InsertField$Value", map[string]string{"static.field": "s"}),
		"Invalid value null for configuration transforms.x.static.value: No value specified for static field: s")
}

func TestReplaceField(t *testing.T) {
	id, name := rowField("id"), rowField("name")
	runCases(t, []transformCase{
		{"include, exclude wins, rename", "ReplaceField$Value",
			map[string]string{"include": "id, name,qty", "exclude": "qty", "renames": "name:full_name,nope:x"}, rowRecord(), func() *change.Record {
				r := rowRecord()
				r.ValueSchema = rowSchemaRequired(id, named(name, "full_name"))
				r.Value = change.StructValue{int32(7), "ann"}
				return r
			}()},
		{"defaults", "ReplaceField$Value", map[string]string{"include": "qty"}, rowRecord(), func() *change.Record {
			r := rowRecord()
			r.ValueSchema, r.Value = rowSchemaRequired(rowField("qty")), change.StructValue{int16(5)}
			return r
		}()},
		{"no defaults", "ReplaceField$Value", map[string]string{"include": "qty", "replace.null.with.default": "false"}, rowRecord(), func() *change.Record {
			r := rowRecord()
			r.ValueSchema, r.Value = rowSchemaRequired(rowField("qty")), change.StructValue{nil}
			return r
		}()},
		{"key rename", "ReplaceField$Key", map[string]string{"renames": "id:key_id"}, ordersRecord(), func() *change.Record {
			r := ordersRecord()
			r.KeySchema = &change.Field{Type: change.Struct, Logical: "pg.public.orders.Key", Fields: []change.Field{{Name: "key_id", Type: change.Int32}}}
			return r
		}()},
		{"envelope", "ReplaceField$Value", map[string]string{"exclude": "before,source,ts_ms"}, ordersRecord(), func() *change.Record {
			r := ordersRecord()
			r.ValueSchema = &change.Field{Type: change.Struct, Logical: "pg.public.orders.Envelope", Version: 2,
				Fields: []change.Field{ordersEnvelope.Fields[1], ordersEnvelope.Fields[3]}}
			r.Value = change.StructValue{ordersAfter(), "c"}
			return r
		}()},
		{"schemaless", "ReplaceField$Value", map[string]string{"exclude": "b", "renames": "a:z"},
			&change.Record{Value: map[string]any{"a": int32(1), "b": "x", "c": nil}},
			&change.Record{Value: map[string]any{"z": int32(1), "c": nil}}},
	})
	if r := tombstone(); mustApply(t, "ReplaceField$Value", map[string]string{"exclude": "a"}, r) != r {
		t.Errorf("a tombstone is not passed as it is")
	}
	for _, c := range []struct {
		name string
		opts map[string]string
		want string
	}{
		{"rename onto a kept field", map[string]string{"renames": "name:id"}, "Cannot create field because of field name duplication id"},
		// Kafka reads the kept field "ok" from the field renamed to it
		// (name, excluded), and Struct.put refuses the string.
		{"reverse rename", map[string]string{"exclude": "name", "renames": "name:ok"},
			`Invalid Java object for schema with type BOOLEAN: class java.lang.String for field: "ok"`},
	} {
		_, err := apply(t, "ReplaceField$Value", c.opts, rowRecord())
		wantErr(t, c.name, err, c.want)
	}
	wantErr(t, "empty exclude item", configError("ReplaceField$Value", map[string]string{"exclude": ","}),
		"Configuration 'transforms.x.exclude' values must not be empty.")
	if err := configError("ReplaceField$Value", map[string]string{"exclude": " ", "include": ""}); err != nil {
		t.Errorf("empty exclude and include lists: %v", err)
	}
	wantErr(t, "bad mapping", configError("ReplaceField$Value", map[string]string{"renames": "a:b, c"}),
		"Invalid value [a:b, c] for configuration transforms.x.renames: Invalid rename mapping: c")
	wantErr(t, "empty mapping", configError("ReplaceField$Value", map[string]string{"renames": "a:b,"}),
		"Invalid value [a:b, ] for configuration transforms.x.renames: Invalid rename mapping: ")
	if err := configError("ReplaceField$Value", map[string]string{"renames": "a:b::,:c"}); err != nil {
		t.Errorf("Java's split drops trailing empty strings, so a:b:: is a pair: %v", err)
	}
	if err := configError("ReplaceField$Value", map[string]string{"whitelist": "a"}); err != nil {
		t.Errorf("whitelist: %v", err)
	} else if ch, _ := Parse(map[string]string{"transforms": "x", "transforms.x.type": "org.apache.kafka.connect.transforms.ReplaceField$Value", "transforms.x.whitelist": "a"}); ch.Unused["transforms.x.whitelist"] == "" {
		t.Errorf("whitelist (removed in Kafka 4.0) is not named unused: %v", ch.Unused)
	}
}

func TestMaskField(t *testing.T) {
	masked := func(f func(v change.StructValue)) *change.Record {
		r := rowRecord()
		v := ordersAfter()
		f(v)
		r.Value = v
		return r
	}
	for _, c := range []struct {
		name string
		opts map[string]string
		in   *change.Record
		want *change.Record
	}{
		{"every type's null value", map[string]string{"fields": "id,name,qty,day,at,tags,ok,score,dday,nope"}, rowRecord(), masked(func(v change.StructValue) {
			v[0], v[1], v[2], v[4], v[5], v[7], v[8], v[9], v[10] = int32(0), "", int16(0), int32(0), int64(0), []any{}, false, 0.0, int32(0)
		})},
		{"null kept without its default", map[string]string{"fields": "qty", "replace.null.with.default": "false"}, rowRecord(), rowRecord()},
		{"replacement", map[string]string{"fields": "id,qty,score,name,price", "replacement": "9.99"}, rowRecord(), masked(func(v change.StructValue) {
			v[0], v[1], v[2], v[3], v[9] = int32(9), "9.99", int16(9), []byte{0x03, 0xe7}, 9.99
		})},
		{"zero-scale decimal", map[string]string{"fields": "n"}, &change.Record{
			ValueSchema: &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "n", Type: change.Bytes, Logical: connectDecimal, Params: []change.Param{{Key: "scale", Value: "0"}}}}},
			Value:       change.StructValue{[]byte{0x01, 0x00}}}, &change.Record{
			ValueSchema: &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "n", Type: change.Bytes, Logical: connectDecimal, Params: []change.Param{{Key: "scale", Value: "0"}}}}},
			Value:       change.StructValue{[]byte{0}}}},
		{"key", map[string]string{"fields": "id"}, ordersRecord(), nil},
		{"schemaless", map[string]string{"fields": "a,m,c", "replacement": "x"},
			&change.Record{Value: map[string]any{"a": "secret", "b": int32(1), "m": nil}},
			&change.Record{Value: map[string]any{"a": "x", "b": int32(1), "m": nil, "c": nil}}},
	} {
		class := "MaskField$Value"
		if c.want == nil {
			class = "MaskField$Key"
			c.want = ordersRecord()
			c.want.Key = change.StructValue{int32(0)}
		}
		before := deepCopy(c.in)
		out, err := apply(t, class, c.opts, c.in)
		if err != nil || !reflect.DeepEqual(out, c.want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", c.name, out, err, c.want)
		}
		if !reflect.DeepEqual(c.in, before) {
			t.Errorf("%s: the input changed", c.name)
		}
	}
	for _, c := range []struct {
		name string
		opts map[string]string
		in   *change.Record
		want string
	}{
		{"decimal with a scale", map[string]string{"fields": "price"}, rowRecord(), "Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 0."},
		{"decimal replacement of another scale", map[string]string{"fields": "price", "replacement": "1"}, rowRecord(), "Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 0."},
		{"bytes", map[string]string{"fields": "data"}, rowRecord(), "Cannot mask value of type: class java.nio.HeapByteBuffer"},
		{"boolean replacement", map[string]string{"fields": "ok", "replacement": "x"}, rowRecord(), "Cannot mask value of type class java.lang.Boolean with custom replacement."},
		{"date replacement", map[string]string{"fields": "day", "replacement": "1"}, rowRecord(), "Cannot mask value of type class java.util.Date with custom replacement."},
		{"array replacement", map[string]string{"fields": "tags", "replacement": "1"}, rowRecord(), "Cannot mask value of type class java.util.ArrayList with custom replacement."},
		{"not a number", map[string]string{"fields": "id", "replacement": "abc"}, rowRecord(), "Unable to convert abc (class java.lang.String) to a number"},
		{"not a decimal", map[string]string{"fields": "price", "replacement": "abc"}, rowRecord(), "Unable to convert abc (class java.lang.String) to number"},
		{"struct", map[string]string{"fields": "source"}, ordersRecord(), "Cannot mask value of type: class org.apache.kafka.connect.data.Struct"},
		{"tombstone", map[string]string{"fields": "id"}, tombstone(), "Only Map objects supported in absence of schema for [mask fields], found: null"},
	} {
		_, err := apply(t, "MaskField$Value", c.opts, c.in)
		wantErr(t, c.name, err, c.want)
	}
	wantErr(t, "no fields", configError("MaskField$Value", nil), `Missing required configuration "transforms.x.fields" which has no default value.`)
	// Kafka 4.3's ValidList texts (printed by Kafka Connect 4.3.0).
	wantErr(t, "empty fields", configError("MaskField$Value", map[string]string{"fields": " "}),
		"Configuration 'transforms.x.fields' must not be empty. Valid values include: any non-empty value")
	wantErr(t, "empty field", configError("MaskField$Value", map[string]string{"fields": "a,,b"}),
		"Configuration 'transforms.x.fields' values must not be empty.")
	wantErr(t, "empty replacement", configError("MaskField$Value", map[string]string{"fields": "a", "replacement": ""}),
		"Invalid value  for configuration transforms.x.replacement: String must be non-empty")
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func mustApply(t *testing.T, class string, opts map[string]string, r *change.Record) *change.Record {
	t.Helper()
	out, err := apply(t, class, opts, r)
	if err != nil {
		t.Fatalf("%s: %v", class, err)
	}
	return out
}

// deepCopy copies a record's values (not its schemas, which the tests
// compare by content anyway) so a test can tell whether a transform wrote
// into its input.
func deepCopy(r *change.Record) *change.Record {
	out := *r
	out.Key, out.Value = copyValue(r.Key), copyValue(r.Value)
	if r.KeySchema != nil {
		ks := *r.KeySchema
		ks.Fields = append([]change.Field(nil), ks.Fields...)
		out.KeySchema = &ks
	}
	if r.ValueSchema != nil {
		vs := *r.ValueSchema
		vs.Fields = append([]change.Field(nil), vs.Fields...)
		out.ValueSchema = &vs
	}
	return &out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case change.StructValue:
		out := make(change.StructValue, len(x))
		for i := range x {
			out[i] = copyValue(x[i])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = copyValue(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	case []byte:
		return append([]byte(nil), x...)
	}
	return v
}
