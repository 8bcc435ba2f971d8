package schema

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/twmb/avro"

	"github.com/sluicecdc/sluice/connectors/change"
)

// defaultsTable has fields with defaults at every depth: the key (a serial's
// 0), an optional column (int DEFAULT 42), a required one (text NOT NULL
// DEFAULT 'dflt'), an array whose elements have a default and a struct whose
// member has one.
func defaultsTable() *change.TableSchema {
	elem := change.Field{Type: change.Int32, Optional: true, Default: int32(7)}
	return &change.TableSchema{
		ID:      change.TableID{Namespace: "public", Name: "d"},
		Version: 1,
		Columns: []change.Field{
			{Name: "id", Type: change.Int32, Default: int32(0)},
			{Name: "n", Type: change.Int32, Optional: true, Default: int32(42)},
			{Name: "s", Type: change.String, Default: "dflt"},
			{Name: "arr", Type: change.Array, Optional: true, Elem: &elem},
			{Name: "st", Type: change.Struct, Optional: true, Logical: "x.St", Fields: []change.Field{
				{Name: "a", Type: change.String, Optional: true, Default: "A"},
				{Name: "b", Type: change.Int64, Optional: true},
			}},
			{Name: "plain", Type: change.String, Optional: true},
		},
		Key: []int{0},
	}
}

// payload returns the "payload" (or the whole value) of a record, from
// "before" on, and its key, as text.
func recordText(t *testing.T, m Message, schemas bool) (key, value string) {
	t.Helper()
	key, value = string(m.Key), string(m.Value)
	if schemas {
		i := strings.Index(value, `,"payload":`)
		if i < 0 {
			t.Fatalf("no payload in %s", value)
		}
		value = value[i+len(`,"payload":`) : len(value)-1]
		j := strings.Index(key, `,"payload":`)
		key = key[j+len(`,"payload":`) : len(key)-1]
	}
	return key, value
}

// TestReplaceNullWithDefault checks replace.null.with.default as Kafka
// Connect's JsonConverter applies it (convertToJson): true, the default,
// writes a field's default for a null at any depth (columns, array elements,
// struct members, the source block's snapshot), in both schemas.enable
// modes; false writes null, and a null in a required field is then an error.
func TestReplaceNullWithDefault(t *testing.T) {
	tbl := defaultsTable()
	row := change.Row{int32(1), nil, "x", []any{int32(1), nil}, change.StructValue{nil, nil}, nil}
	for _, schemas := range []bool{false, true} {
		for _, keep := range []bool{false, true} {
			o := opts()
			o.KeySchemas, o.ValueSchemas = schemas, schemas
			o.ValueKeepNulls = keep
			msgs, err := NewJSON(o).Encode(nil, event(tbl, change.OpCreate, nil, row))
			if err != nil {
				t.Fatalf("schemas %v keep %v: %v", schemas, keep, err)
			}
			key, value := recordText(t, msgs[0], schemas)
			want := `{"before":null,"after":{"id":1,"n":42,"s":"x","arr":[1,7],"st":{"a":"A","b":null},"plain":null},` +
				`"source":{"version":"3.0.7.Final","connector":"postgresql","name":"dbserver1","ts_ms":1714558530123,"snapshot":"false",`
			if keep {
				want = `{"before":null,"after":{"id":1,"n":null,"s":"x","arr":[1,null],"st":{"a":null,"b":null},"plain":null},` +
					`"source":{"version":"3.0.7.Final","connector":"postgresql","name":"dbserver1","ts_ms":1714558530123,"snapshot":null,`
			}
			if !strings.HasPrefix(value, want) {
				t.Errorf("schemas %v keep %v: value\n%s\nwant prefix\n%s", schemas, keep, value, want)
			}
			if key != `{"id":1}` {
				t.Errorf("schemas %v keep %v: key %s", schemas, keep, key)
			}
			if schemas && !strings.Contains(string(msgs[0].Value), `{"type":"int32","optional":true,"default":42,"field":"n"}`) {
				t.Errorf("schema lacks n's default: %s", msgs[0].Value)
			}
		}
	}

	// A null key column: written as its default, or an error when nulls
	// are kept (the key column is required).
	nullKey := change.Row{nil, nil, "x", nil, nil, nil}
	msgs, err := NewJSON(opts()).Encode(nil, event(tbl, change.OpCreate, nil, nullKey))
	if err != nil || string(msgs[0].Key) != `{"id":0}` {
		t.Errorf("null key with replacement: %v %s", err, msgs[0].Key)
	}
	o := opts()
	o.KeyKeepNulls = true
	if _, err := NewJSON(o).Encode(nil, event(tbl, change.OpCreate, nil, nullKey)); !errors.Is(err, ErrValue) ||
		!strings.Contains(err.Error(), "replace.null.with.default=false") {
		t.Errorf("null key kept: %v", err)
	}
	// Nulls in the value are kept while the key still replaces.
	o = opts()
	o.ValueKeepNulls = true
	if _, err := NewJSON(o).Encode(nil, event(tbl, change.OpCreate, nil, change.Row{int32(1), nil, nil, nil, nil, nil})); !errors.Is(err, ErrValue) {
		t.Errorf("null in the required s kept: %v", err)
	}
}

// TestAvroIgnoreDefaultForNullables checks the AvroConverter's
// ignore.default.for.nullables: false (the default) reads struct members
// with Struct.get, which gives a null member its default; true keeps it
// null.
func TestAvroIgnoreDefaultForNullables(t *testing.T) {
	tbl := defaultsTable()
	row := change.Row{int32(1), nil, "x", nil, change.StructValue{nil, int64(2)}, nil}
	for _, keep := range []bool{false, true} {
		m, err := avroRecord(tbl.Columns, row, map[*change.Field]string{&tbl.Columns[4]: "x.St"}, keep)
		if err != nil {
			t.Fatalf("keep %v: %v", keep, err)
		}
		st := m["st"].(map[string]any)["x.St"].(map[string]any)
		if keep {
			if m["n"] != nil || st["a"] != nil {
				t.Errorf("keep: n %#v, st.a %#v; want nil", m["n"], st["a"])
			}
		} else if m["n"] != int32(42) || st["a"] != "A" {
			t.Errorf("replace: n %#v, st.a %#v; want 42, A", m["n"], st["a"])
		}
	}
}

// TestAvroBytesDefault checks how a bytes default is written in the Avro
// schema, as Debezium 3.6.1 through the Apicurio AvroConverter (a fork of
// Confluent's AvroData) registered it for numeric(6,2) DEFAULT 1.50 and
// bit(4) DEFAULT B'1010': the field's "default" is Avro's string of
// ISO-8859-1 characters, the "connect.default" property Jackson's base64.
func TestAvroBytesDefault(t *testing.T) {
	f := &change.Field{Type: change.Struct, Logical: "x.V", Fields: []change.Field{
		{Name: "d", Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
			Params:  []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "6"}},
			Default: []byte{0x00, 0x96}},
		{Name: "bits", Type: change.Bytes, Optional: true, Logical: "io.debezium.data.Bits", Version: 1,
			Params: []change.Param{{Key: "length", Value: "4"}}, Default: []byte{0x0a}},
	}}
	text, _, err := avroSchemaText(f)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Fields []struct {
			Name    string
			Default string
			Type    []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		t.Fatalf("%v: %s", err, text)
	}
	for i, want := range []struct{ def, prop string }{{"\u0000\u0096", "AJY="}, {"\n", "Cg=="}} {
		fl := s.Fields[i]
		if fl.Default != want.def {
			t.Errorf("%s: default %q, want %q", fl.Name, fl.Default, want.def)
		}
		var branch map[string]any
		if err := json.Unmarshal(fl.Type[0], &branch); err != nil {
			t.Fatal(err)
		}
		if branch["connect.default"] != want.prop {
			t.Errorf("%s: connect.default %v, want %q", fl.Name, branch["connect.default"], want.prop)
		}
	}
}

// TestAvroNonNumberDefault checks float defaults that JSON has no number for.
// Debezium 3.6.1 through the Apicurio AvroConverter registered
// "connect.default":"NaN" and "default":"NaN" for real DEFAULT 'NaN' (and
// "-Infinity" for float8 DEFAULT '-Infinity'), but a string field default for
// a float fails Avro's default validation: the env's Apicurio answers 422
// through its Confluent-compatible API and twmb/avro cannot parse it. sluice
// keeps connect.default and leaves the field default out, so the schema
// registers and parses.
func TestAvroNonNumberDefault(t *testing.T) {
	f := &change.Field{Type: change.Struct, Logical: "x.V", Fields: []change.Field{
		{Name: "f4", Type: change.Float32, Optional: true, Default: float32(math.NaN())},
		{Name: "f8", Type: change.Float64, Optional: true, Default: math.Inf(-1)},
		{Name: "f8p", Type: change.Float64, Default: math.Inf(1)},
	}}
	text, _, err := avroSchemaText(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"name":"f4","type":[{"type":"float","connect.default":"NaN"},"null"]}`,
		`{"name":"f8","type":[{"type":"double","connect.default":"-Infinity"},"null"]}`,
		`{"name":"f8p","type":{"type":"double","connect.default":"Infinity"}}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("schema lacks %s:\n%s", want, text)
		}
	}
	s, err := avro.Parse(text)
	if err != nil {
		t.Fatalf("the schema does not parse: %v\n%s", err, text)
	}
	if _, err := s.Encode(map[string]any{"f4": nil, "f8": nil, "f8p": 1.5}); err != nil {
		t.Errorf("encode: %v", err)
	}

	// The same struct twice (an envelope's before and after) is one record,
	// though NaN != NaN in Go.
	twice := &change.Field{Type: change.Struct, Logical: "x.E", Fields: []change.Field{*f, *f}}
	twice.Fields[0].Name, twice.Fields[1].Name = "before", "after"
	if _, _, err := avroSchemaText(twice); err != nil {
		t.Errorf("a struct with a NaN default used twice: %v", err)
	}
}
