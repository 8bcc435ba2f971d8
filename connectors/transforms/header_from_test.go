package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestHeaderFromWithSchema(t *testing.T) {
	row := dbzRow(5, "n")
	row[5] = nil // qty: null, default 7
	rowSchema := &change.Field{Type: change.Struct, Logical: "pg.public.items.Value", Version: 3, Fields: dbzColumns}
	in := &change.Record{Topic: "t", KeySchema: rowSchema, Key: row, Value: "v", Headers: rawHeaders("x", "1")}
	qtySchema := dbzColumns[5]
	qtySchema.Name = ""
	idSchema := dbzColumns[0]
	idSchema.Name = ""
	for _, c := range []struct {
		name       string
		opts       map[string]string
		wantFields string
		wantValue  change.StructValue
		wantHdr    []change.RecordHeader
	}{
		{"copy", map[string]string{"fields": "id,qty", "headers": "h_id,h_qty", "operation": "copy"},
			"id,name?,born?,seen?,at?,qty?", row,
			[]change.RecordHeader{{Key: "x", Raw: []byte("1")}, {Key: "h_id", Schema: &idSchema, Value: int32(5)}, {Key: "h_qty", Schema: &qtySchema, Value: int16(7)}}},
		{"move", map[string]string{"fields": "qty,id", "headers": "a,b", "operation": "move"},
			"name?,born?,seen?,at?", change.StructValue{"n", int32(19724), "2024-01-02T10:11:12.123456Z", int64(1704190272123)},
			[]change.RecordHeader{{Key: "x", Raw: []byte("1")}, {Key: "a", Schema: &qtySchema, Value: int16(7)}, {Key: "b", Schema: &idSchema, Value: int32(5)}}},
		{"copy without defaults", map[string]string{"fields": "qty", "headers": "q", "operation": "copy", "replace.null.with.default": "false"},
			"id,name?,born?,seen?,at?,qty?", row,
			[]change.RecordHeader{{Key: "x", Raw: []byte("1")}, {Key: "q", Schema: &qtySchema, Value: nil}}},
	} {
		tr := mustTransform(t, kafkaTransforms+"HeaderFrom$Key", c.opts)
		out, err := tr.Apply(in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := fieldNames(out.KeySchema); got != c.wantFields {
			t.Errorf("%s: fields %s, want %s", c.name, got, c.wantFields)
		}
		if !reflect.DeepEqual(out.Key, c.wantValue) {
			t.Errorf("%s: key %#v, want %#v", c.name, out.Key, c.wantValue)
		}
		if !reflect.DeepEqual(out.Headers, c.wantHdr) {
			t.Errorf("%s: headers %+v, want %+v", c.name, out.Headers, c.wantHdr)
		}
		if out.KeySchema.Logical != rowSchema.Logical || out.KeySchema.Version != 3 || out.Value != "v" {
			t.Errorf("%s: schema basics or value lost: %+v", c.name, out)
		}
	}
	if len(in.Headers) != 1 || len(rowSchema.Fields) != 6 || in.Key.(change.StructValue)[5] != nil {
		t.Errorf("the input changed: %+v", in)
	}
}

func TestHeaderFromSchemaless(t *testing.T) {
	in := &change.Record{Topic: "t", Value: map[string]any{"a": int64(1), "b": "x", "c": nil}}
	tr := mustTransform(t, kafkaTransforms+"HeaderFrom$Value", map[string]string{"fields": "a,zz", "headers": "ha,hz", "operation": "move"})
	out, err := tr.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[string]any{"b": "x", "c": nil}); !reflect.DeepEqual(out.Value, want) {
		t.Errorf("value %v, want %v", out.Value, want)
	}
	if want := []change.RecordHeader{{Key: "ha", Value: int64(1)}, {Key: "hz"}}; !reflect.DeepEqual(out.Headers, want) {
		t.Errorf("headers %+v, want %+v", out.Headers, want)
	}
	if len(in.Value.(map[string]any)) != 3 {
		t.Errorf("the input map changed")
	}
}

func TestHeaderFromErrors(t *testing.T) {
	copyV := mustTransform(t, kafkaTransforms+"HeaderFrom$Value", map[string]string{"fields": "nope", "headers": "h", "operation": "copy"})
	for _, c := range []struct {
		rec  *change.Record
		want string
	}{
		{&change.Record{Topic: "t", Key: change.StructValue{int32(1)}}, "Only Map objects supported in absence of schema for [header copy], found: null"},
		{&change.Record{ValueSchema: &change.Field{Type: change.String}, Value: "s"}, "Only Struct objects supported for [header copy], found: java.lang.String"},
		{dbzRecord("c", nil, dbzRow(1, "a")), `Cannot invoke "org.apache.kafka.connect.data.Field.schema()" because the return value of "org.apache.kafka.connect.data.Schema.field(String)" is null`},
	} {
		_, err := copyV.Apply(c.rec)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: err = %v, want %q", c.rec, err, c.want)
		}
	}
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"fields": "a", "headers": "h"}, `Missing required configuration "transforms.t.operation" which has no default value.`},
		{map[string]string{"fields": "a", "headers": "h", "operation": "MOVE"}, "Invalid value MOVE for configuration transforms.t.operation: String must be one of: move, copy"},
		{map[string]string{"fields": "a,b", "headers": "h", "operation": "move"}, "'fields' config must have the same number of elements as 'headers' config."},
		{map[string]string{"fields": "", "headers": "h", "operation": "move"}, "Invalid value  for configuration transforms.t.fields: Empty list"},
		{map[string]string{"fields": "a", "headers": "h", "operation": "move", "replace.null.with.default": "yes"}, "Invalid value yes for configuration transforms.t.replace.null.with.default: Expected value to be either true or false"},
	} {
		_, err := transform(t, kafkaTransforms+"HeaderFrom$Key", c.opts)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.opts, err, c.want)
		}
	}
}
