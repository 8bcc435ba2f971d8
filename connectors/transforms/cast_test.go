package transforms

import (
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestCastValues holds what Kafka 4.3.0's Cast$Value returned for each
// input (jshell against connect-transforms-4.3.0.jar).
func TestCastValues(t *testing.T) {
	dec := func(scale int, s string) []byte {
		x, _ := new(big.Int).SetString(s, 10)
		return change.BigIntBytes(x)
	}
	decSchema := func(scale string) *change.Field {
		return &change.Field{Type: change.Bytes, Logical: connectDecimalName, Version: 1, Params: []change.Param{{Key: "scale", Value: scale}}}
	}
	date := &change.Field{Type: change.Int32, Logical: connectDateName, Version: 1}
	ts := &change.Field{Type: change.Int64, Logical: connectTimestampName, Version: 1}
	tm := &change.Field{Type: change.Int32, Logical: connectTimeName, Version: 1}
	for i, c := range []struct {
		schema *change.Field
		in     any
		spec   string
		want   any // or an error text (Kafka's DataException message)
	}{
		{nil, int64(300), "int8", int8(44)},
		{nil, int64(300), "int16", int16(300)},
		{nil, 1e10, "int32", int32(2147483647)},
		{nil, 1e10, "int8", int8(-1)},
		{nil, -0.5, "boolean", false},
		{nil, 2.5, "boolean", true},
		{nil, float32(1.1), "float64", 1.100000023841858},
		{nil, float32(1.1), "string", "1.1"},
		{nil, 1e7, "string", "1.0E7"},
		{nil, "127", "int8", int8(127)},
		{nil, "128", "int8", "Value (128) was out of range for requested data type"},
		{nil, " 1", "int32", "Value ( 1) was out of range for requested data type"},
		{nil, "1.5", "float32", float32(1.5)},
		{nil, " 2.5 ", "float64", 2.5},
		{nil, "1e3f", "float32", float32(1000)},
		{nil, "abc", "boolean", false},
		{nil, "TRUE", "boolean", true},
		{nil, true, "int32", int32(1)},
		{nil, true, "string", "true"},
		{nil, []byte{1, 2, 3}, "string", "AQID"},
		{nil, []byte{1, 2, 3}, "int8", "Unexpected type in Cast transformation: class [B"},
		{nil, map[string]any{"a": 1}, "int8", "Cast transformation does not support casting from MAP; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{decSchema("2"), dec(2, "12345"), "string", "123.45"},
		{decSchema("2"), dec(2, "-12345"), "int32", int32(-123)},
		{decSchema("2"), dec(2, "12345"), "float64", 123.45},
		{date, int32(19724), "string", "2024-01-02"},
		{date, int32(19724), "int64", int64(19724)},
		{ts, int64(1704190272123), "string", "2024-01-02T10:11:12.123Z"},
		{tm, int32(36672123), "string", "10:11:12.123Z"},
		{&change.Field{Type: change.Int32, Logical: "io.debezium.time.Date", Version: 1}, int32(19724), "string", "19724"},
		{nil, -1e10, "int64", int64(-10000000000)},
		{nil, float64FromBits(0x7ff8000000000001), "int16", int16(0)},
		{nil, int64(123456789012), "float32", float32(1.23456791e11)},
		{nil, "+5", "int64", int64(5)},
		{nil, []any{int32(1)}, "string", "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{nil, float32(0.001), "string", "0.001"},
		{decSchema("0"), dec(0, "99999999999999999999"), "int64", int64(7766279631452241919)},
		{nil, "0x10", "int32", "Value (0x10) was out of range for requested data type"},
		{nil, "1_000", "int32", "Value (1_000) was out of range for requested data type"},
		{nil, ".5", "float64", 0.5},
		{nil, "5.", "float64", 5.0},
		{nil, "Infinity", "float64", posInf()},
	} {
		tr := mustTransform(t, kafkaTransforms+"Cast$Value", map[string]string{"spec": c.spec})
		out, err := tr.Apply(&change.Record{Topic: "t", ValueSchema: c.schema, Value: c.in})
		if want, isErr := c.want.(string); isErr && (strings.HasPrefix(want, "Value (") || strings.HasPrefix(want, "Unexpected type") || strings.HasPrefix(want, "Cast transformation")) {
			if err == nil || err.Error() != want {
				t.Errorf("%d: %v to %s: err = %v, want %q", i+1, c.in, c.spec, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%d: %v to %s: %v", i+1, c.in, c.spec, err)
			continue
		}
		if !reflect.DeepEqual(out.Value, c.want) {
			t.Errorf("%d: %#v to %s = %#v, want %#v", i+1, c.in, c.spec, out.Value, c.want)
		}
		if c.schema != nil {
			if out.ValueSchema.Logical != c.schema.Logical || out.ValueSchema.Type.String() != strings.ReplaceAll(strings.ReplaceAll(c.spec, "float32", "float"), "float64", "double") {
				t.Errorf("%d: schema %+v: a whole-value cast keeps the name and takes the target type", i+1, out.ValueSchema)
			}
		}
	}
}

func TestCastStructFields(t *testing.T) {
	s := &change.Field{Type: change.Struct, Logical: "n", Version: 2, Fields: []change.Field{
		{Name: "a", Type: change.Int64, Optional: true, Default: int64(5)},
		{Name: "b", Type: change.String},
	}}
	in := &change.Record{Topic: "t", ValueSchema: s, Value: change.StructValue{nil, "x"}}
	out, err := mustTransform(t, kafkaTransforms+"Cast$Value", map[string]string{"spec": "a:string"}).Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	wantSchema := &change.Field{Type: change.Struct, Logical: "n", Version: 2, Fields: []change.Field{
		{Name: "a", Type: change.String, Optional: true, Default: "5"},
		{Name: "b", Type: change.String},
	}}
	if !reflect.DeepEqual(out.ValueSchema, wantSchema) || !reflect.DeepEqual(out.Value, change.StructValue{"5", "x"}) {
		t.Errorf("got %+v %#v", out.ValueSchema, out.Value)
	}
	out, _ = mustTransform(t, kafkaTransforms+"Cast$Value", map[string]string{"spec": "a:string", "replace.null.with.default": "false"}).Apply(in)
	if !reflect.DeepEqual(out.Value, change.StructValue{nil, "x"}) {
		t.Errorf("without replacing nulls: %#v", out.Value)
	}
	if _, err := mustTransform(t, kafkaTransforms+"Cast$Value", map[string]string{"spec": "string"}).Apply(in); err == nil ||
		err.Error() != "Cast transformation does not support casting from STRUCT; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]" {
		t.Errorf("whole struct: %v", err)
	}
	if s.Fields[0].Type != change.Int64 || in.Value.(change.StructValue)[0] != nil {
		t.Errorf("the input changed")
	}

	// Schemaless: a field the map lacks is added as null, as Kafka's HashMap.put does.
	out, err = mustTransform(t, kafkaTransforms+"Cast$Key", map[string]string{"spec": "a:int8,zz:int8"}).Apply(&change.Record{Key: map[string]any{"a": int32(300)}})
	if err != nil || !reflect.DeepEqual(out.Key, map[string]any{"a": int8(44), "zz": nil}) {
		t.Errorf("schemaless key: %#v, %v", out.Key, err)
	}
	// A Debezium envelope: tombstones pass, a key cast leaves the value.
	tomb := &change.Record{Topic: "t", KeySchema: s, Key: change.StructValue{int64(1), "k"}}
	if out, err := mustTransform(t, kafkaTransforms+"Cast$Value", map[string]string{"spec": "a:int8"}).Apply(tomb); out != tomb || err != nil {
		t.Errorf("tombstone: %+v %v", out, err)
	}
	out, err = mustTransform(t, kafkaTransforms+"Cast$Key", map[string]string{"spec": "a:int8"}).Apply(tomb)
	if err != nil || !reflect.DeepEqual(out.Key, change.StructValue{int8(1), "k"}) || out.Value != nil {
		t.Errorf("key of a tombstone: %+v %v", out, err)
	}
}

func TestCastSpecErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"", "Must specify at least one field to cast."},
		{"a:foo", "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.FOO for configuration Invalid type found in casting spec: foo"},
		{"a:int8,b", "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.B for configuration Invalid type found in casting spec: b"},
		{"bytes", "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"},
		{"a:b:c", "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c"},
		{"int8,a:int16", "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"},
	} {
		_, err := transform(t, kafkaTransforms+"Cast$Value", map[string]string{"spec": c.spec})
		if err == nil || !strings.Contains(err.Error(), "transforms.t.spec: "+c.want) {
			t.Errorf("spec %q: err = %v, want %q", c.spec, err, c.want)
		}
	}
	if _, err := transform(t, kafkaTransforms+"Cast$Value", nil); err == nil || !strings.Contains(err.Error(), `"transforms.t.spec"`) {
		t.Errorf("no spec: %v", err)
	}
}
