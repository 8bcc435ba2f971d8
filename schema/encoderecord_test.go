package schema

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

var (
	strSchema    = &change.Field{Type: change.String}
	optStr       = &change.Field{Type: change.String, Optional: true}
	strIntMap    = &change.Field{Type: change.Map, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.Int32}}
	intStrMap    = &change.Field{Type: change.Map, KeyElem: &change.Field{Type: change.Int64}, Elem: &change.Field{Type: change.String, Optional: true}}
	decimal2     = &change.Field{Type: change.Bytes, Logical: connectDecimal, Version: 1, Params: []change.Param{{Key: "scale", Value: "2"}}}
	flatValue    = &change.Field{Type: change.Struct, Logical: "x.Flat", Fields: []change.Field{{Name: "id", Type: change.Int32}, {Name: "m", Type: change.Map, Optional: true, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.String}}}}
	intWithDflt  = &change.Field{Type: change.Int32, Default: int32(9)}
	stringArrays = &change.Field{Type: change.Array, Elem: optStr}
)

// TestEncodeRecordJSON checks records of any Connect schema, and
// schemaless ones, against JsonConverter's output (fromConnectData), with
// schemas.enable off and on.
func TestEncodeRecordJSON(t *testing.T) {
	for _, c := range []struct {
		name              string
		schema            *change.Field
		value             any
		plain, withSchema string // "<nil>" for a null side
		err               string
	}{
		{"null", nil, nil, "<nil>", "<nil>", ""},
		{"string", strSchema, "x", `"x"`, `{"schema":{"type":"string","optional":false},"payload":"x"}`, ""},
		{"optional null", optStr, nil, `null`, `{"schema":{"type":"string","optional":true},"payload":null}`, ""},
		{"required null", strSchema, nil, "", "", "null in a required string field"},
		{"default for null", intWithDflt, nil, `9`, `{"schema":{"type":"int32","optional":false,"default":9},"payload":9}`, ""},
		{"string keys map", strIntMap, change.MapValue{{Key: "b", Value: int32(2)}, {Key: "a", Value: int32(1)}}, `{"b":2,"a":1}`,
			`{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"b":2,"a":1}}`, ""},
		{"int keys map", intStrMap, change.MapValue{{Key: int64(1), Value: "x"}, {Key: int64(2), Value: nil}}, `[[1,"x"],[2,null]]`, "", ""},
		{"struct with map", flatValue, change.StructValue{int32(1), change.MapValue{{Key: "k", Value: "v"}}}, `{"id":1,"m":{"k":"v"}}`, "", ""},
		{"decimal", decimal2, []byte{0x30, 0x39}, `"MDk="`, "", ""},
		{"array", stringArrays, []any{"a", nil}, `["a",null]`, "", ""},
		{"schemaless map", nil, map[string]any{"b": int64(1), "a": "x", "c": []any{true, 1.5}}, `{"a":"x","b":1,"c":[true,1.5]}`,
			`{"schema":null,"payload":{"a":"x","b":1,"c":[true,1.5]}}`, ""},
		{"schemaless pairs", nil, change.MapValue{{Key: int32(1), Value: []byte{1}}}, `[[1,"AQ=="]]`, "", ""},
		{"schemaless scalar", nil, float32(0.1), `0.1`, `{"schema":null,"payload":0.1}`, ""},
		{"schemaless struct", nil, change.StructValue{"x"}, "", "", "without its schema"},
		{"schemaless odd type", nil, struct{}{}, "", "", "has no Connect schema type"},
	} {
		for _, schemas := range []bool{false, true} {
			want := c.plain
			if schemas {
				want = c.withSchema
			}
			if want == "" && c.err == "" {
				continue
			}
			j := NewJSON(JSONOptions{ValueSchemas: schemas})
			r := &change.Record{Topic: "t", Partition: change.NoPartition, ValueSchema: c.schema, Value: c.value}
			ms, err := j.EncodeRecord(nil, r)
			if c.err != "" {
				if err == nil || !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), c.err) {
					t.Errorf("%s (schemas %v): error %v, want one saying %q", c.name, schemas, err, c.err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s (schemas %v): %v", c.name, schemas, err)
				continue
			}
			got := "<nil>"
			if ms[0].Value != nil {
				got = string(ms[0].Value)
			}
			if got != want || ms[0].Key != nil {
				t.Errorf("%s (schemas %v):\n got %s (key %q)\nwant %s", c.name, schemas, got, ms[0].Key, want)
			}
		}
	}
}

// TestEncodeRecordMetadata checks a record's partition, timestamp and
// headers: Raw bytes as they are, Connect values through the header
// converter, a null value as a header without one.
func TestEncodeRecordMetadata(t *testing.T) {
	ts := time.UnixMilli(1714558530123)
	r := &change.Record{Topic: "t", Partition: 2, Timestamp: ts, KeySchema: strSchema, Key: "k",
		Headers: []change.RecordHeader{
			{Key: "raw", Raw: []byte("as is")},
			{Key: "str", Schema: strSchema, Value: "v"},
			{Key: "num", Schema: &change.Field{Type: change.Int64}, Value: int64(42)},
			{Key: "null", Schema: optStr},
		}}
	ms, err := NewJSON(JSONOptions{}).EncodeRecord(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	if m.Topic != "t" || !m.Partitioned || m.Partition != 2 || !m.Timestamp.Equal(ts) || string(m.Key) != `"k"` || m.Value != nil {
		t.Errorf("message %+v", m)
	}
	want := []string{"raw=as is", "str=v", "num=42", "null=<nil>"}
	for i, h := range m.Headers {
		v := "<nil>"
		if h.Value != nil {
			v = string(h.Value)
		}
		if got := h.Key + "=" + v; i >= len(want) || got != want[i] {
			t.Errorf("header %d: %s, want %v", i, got, want)
		}
	}
	r.Partition = change.NoPartition
	if ms, _ = NewJSON(JSONOptions{}).EncodeRecord(nil, r); ms[0].Partitioned {
		t.Errorf("NoPartition gave partition %d", ms[0].Partition)
	}
}

// TestHeaderBytes checks values against what SimpleHeaderConverter
// (Values.convertToString) writes for them.
func TestHeaderBytes(t *testing.T) {
	st := &change.Field{Type: change.Struct, Fields: []change.Field{
		{Name: "a", Type: change.String}, {Name: "b", Type: change.Int32, Optional: true, Default: int32(3)},
		{Name: "c", Type: change.String, Optional: true}}}
	for _, c := range []struct {
		schema *change.Field
		value  any
		want   string
	}{
		{nil, nil, "<nil>"},
		{strSchema, `a "q" \ b`, `a "q" \ b`},
		{nil, int32(-5), "-5"},
		{nil, int8(7), "7"},
		{nil, 1.5, "1.5"},
		{nil, float32(0.1), "0.1"},
		{nil, 1e7, "1.0E7"},
		{nil, math.NaN(), "NaN"},
		{nil, math.Inf(-1), "-Infinity"},
		{nil, true, "true"},
		{nil, []byte{1, 2}, "AQI="},
		{nil, []any{"a", int32(1), nil, []byte{1}}, `["a",1,null,"AQ=="]`},
		{strIntMap, change.MapValue{{Key: `k"`, Value: int32(1)}}, `{"k\"":1}`},
		{intStrMap, change.MapValue{{Key: int64(1), Value: `\`}}, `{1:"\\"}`},
		{st, change.StructValue{"x", nil, nil}, `{"a":"x","b":3,"c":null}`},
		{decimal2, []byte{0x30, 0x39}, "123.45"},
		{decimal2, []byte{0xcf, 0xc7}, "-123.45"},
		{&change.Field{Type: change.Bytes, Logical: connectDecimal, Params: []change.Param{{Key: "scale", Value: "9"}}}, []byte{0x01}, "1E-9"},
		{&change.Field{Type: change.Int32, Logical: connectDate}, int32(19844), "2024-05-01"},
		{&change.Field{Type: change.Int64, Logical: connectTimestamp}, int64(1714558530123), "2024-05-01T10:15:30.123Z"},
		{&change.Field{Type: change.Int64, Logical: connectTimestamp}, int64(1714521600000), "2024-05-01"},
		{&change.Field{Type: change.Int32, Logical: connectTime}, int32(3600001), "01:00:00.001Z"},
	} {
		b, err := HeaderBytes(c.schema, c.value)
		if err != nil {
			t.Errorf("%v: %v", c.value, err)
			continue
		}
		got := "<nil>"
		if b != nil {
			got = string(b)
		}
		if got != c.want {
			t.Errorf("%#v: %s, want %s", c.value, got, c.want)
		}
	}
	if _, err := HeaderBytes(nil, change.StructValue{"x"}); err == nil {
		t.Error("a struct without its schema gave no error")
	}
}

// TestAvroEncodeRecord checks records of any schema on Avro sides: the
// schema registered under the record's topic, maps as Avro maps or arrays
// of MapEntry records, a primitive key, a changed schema registering the
// subject's next version, and a schemaless value refused.
func TestAvroEncodeRecord(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	v := &change.Field{Type: change.Struct, Logical: "x.V", Fields: []change.Field{
		{Name: "sm", Type: change.Map, Optional: true, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.Int32}},
		{Name: "im", Type: change.Map, KeyElem: &change.Field{Type: change.Int64}, Elem: optStr},
	}}
	r := &change.Record{Topic: "routed", Partition: change.NoPartition, KeySchema: &change.Field{Type: change.Int64}, Key: int64(5),
		ValueSchema: v, Value: change.StructValue{change.MapValue{{Key: "map", Value: int32(1)}}, change.MapValue{{Key: int64(2), Value: "two"}}}}
	ms, err := a.EncodeRecord(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	kid, k := decodeWire(t, fake.URL(), ms[0].Key)
	if got := asJSON(t, k); got != `5` {
		t.Errorf("key %s", got)
	}
	vid, val := decodeWire(t, fake.URL(), ms[0].Value)
	if got := asJSON(t, val); got != `{"im":[{"key":2,"value":"two"}],"sm":{"map":1}}` {
		t.Errorf("value %s", got)
	}
	text, _, err := avroSchemaText(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"type":["null",{"type":"map","values":"int"}]`,
		`{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"long"},{"name":"value","type":["null","string"],"default":null}]}}`} {
		if !strings.Contains(text, want) {
			t.Errorf("schema %s\nlacks %s", text, want)
		}
	}
	if kid == vid {
		t.Errorf("key and value share schema id %d", kid)
	}

	// A transform that adds a member: the subject's next version.
	v2 := &change.Field{Type: change.Struct, Logical: "x.V", Fields: append(append([]change.Field(nil), v.Fields...), change.Field{Name: "n", Type: change.String, Optional: true})}
	r2 := *r
	r2.ValueSchema, r2.Value = v2, change.StructValue{nil, change.MapValue{}, "new"}
	ms, err = a.EncodeRecord(nil, &r2)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := decodeWire(t, fake.URL(), ms[0].Value); id == vid {
		t.Errorf("changed schema kept id %d", id)
	}

	// Tombstone and null key; a schemaless value is refused.
	ms, err = a.EncodeRecord(nil, &change.Record{Topic: "routed", Partition: change.NoPartition})
	if err != nil || ms[0].Key != nil || ms[0].Value != nil {
		t.Errorf("null record: %+v %v", ms, err)
	}
	_, err = a.EncodeRecord(nil, &change.Record{Topic: "routed", Partition: change.NoPartition, Value: map[string]any{"a": "b"}})
	if !errors.Is(err, ErrSchemaless) || !strings.Contains(err.Error(), "transform") {
		t.Errorf("schemaless value: %v", err)
	}
}
