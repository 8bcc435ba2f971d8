package transforms

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// TestMaskFieldAsConnectWritesIt masks every type of a record and writes
// it with the JSON converter: the expected texts are what Kafka Connect
// 4.3.0's MaskField and JsonConverter printed for the same struct.
func TestMaskFieldAsConnectWritesIt(t *testing.T) {
	logical := func(typ change.Type, name string) change.Field {
		return change.Field{Type: typ, Logical: name, Version: 1}
	}
	s := &change.Field{Type: change.Struct, Logical: "r", Fields: []change.Field{
		{Name: "i", Type: change.Int32}, {Name: "s", Type: change.Int16}, {Name: "d", Type: change.Float64}, {Name: "f", Type: change.Float32},
		{Name: "dec", Type: change.Bytes, Logical: connectDecimal, Version: 1, Params: []change.Param{{Key: "scale", Value: "2"}}},
		named(logical(change.Int32, connectDate), "day"), named(logical(change.Int32, connectTime), "tm"), named(logical(change.Int64, connectTimestamp), "ts"),
		{Name: "str", Type: change.String},
		{Name: "l", Type: change.Array, Elem: &change.Field{Type: change.String}},
		{Name: "m", Type: change.Map, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.Int32}},
	}}
	in := &change.Record{Topic: "t", Partition: change.NoPartition, ValueSchema: s, Value: change.StructValue{
		int32(5), int16(6), 1.5, float32(2.5), []byte{0x7b}, int32(3), int32(1000), int64(123456), "x", []any{"a"}, change.MapValue{{Key: "k", Value: int32(1)}}}}
	const schemaJSON = `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"i"},{"type":"int16","optional":false,"field":"s"},{"type":"double","optional":false,"field":"d"},{"type":"float","optional":false,"field":"f"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"dec"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"day"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"tm"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},{"type":"string","optional":false,"field":"str"},{"type":"array","items":{"type":"string","optional":false},"optional":false,"field":"l"},{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false,"field":"m"}],"optional":false,"name":"r"}`
	for _, c := range []struct {
		opts    map[string]string
		payload string
	}{
		{map[string]string{"fields": "i,s,d,f,day,tm,ts,str,l,m"},
			`{"i":0,"s":0,"d":0.0,"f":0.0,"dec":"ew==","day":0,"tm":0,"ts":0,"str":"","l":[],"m":{}}`},
		{map[string]string{"fields": "i,s,d,f,dec,str", "replacement": "9.99"},
			`{"i":9,"s":9,"d":9.99,"f":9.99,"dec":"A+c=","day":3,"tm":1000,"ts":123456,"str":"9.99","l":["a"],"m":{"k":1}}`},
	} {
		out := mustApply(t, "MaskField$Value", c.opts, in)
		msgs, err := schema.NewJSON(schema.JSONOptions{ValueSchemas: true}).EncodeRecord(nil, out)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%v: %v, %v", c.opts, msgs, err)
		}
		var got, want any
		if err := json.Unmarshal(msgs[0].Value, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(`{"schema":`+schemaJSON+`,"payload":`+c.payload+`}`), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v:\n got %s\nwant payload %s", c.opts, msgs[0].Value, c.payload)
		}
	}
}
