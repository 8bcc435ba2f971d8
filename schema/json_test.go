package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// now is the envelope clock of every test: REFERENCE §2's envelope ts_ns.
var now = time.Unix(0, 1714558530200123456)

func fixedNow() time.Time { return now }

// customers is REFERENCE §2's public.customers(id serial PK, name varchar(255)
// NOT NULL, balance numeric(10,2), created_at timestamptz) as a Postgres
// source would describe it.
func customers() *change.TableSchema {
	return &change.TableSchema{
		ID:      change.TableID{Namespace: "public", Name: "customers"},
		Version: 1,
		Columns: []change.Field{
			{Name: "id", Type: change.Int32, Default: int32(0), SourceType: "int4"},
			{Name: "name", Type: change.String, SourceType: "varchar(255)"},
			{Name: "balance", Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
				Params: []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}, SourceType: "numeric(10,2)"},
			{Name: "created_at", Type: change.String, Optional: true, Logical: "io.debezium.time.ZonedTimestamp", Version: 1, SourceType: "timestamptz"},
		},
		Key: []int{0},
	}
}

// pgSource is the Postgres source block schema of Debezium 3.1+ (REFERENCE §4).
var pgSource = &change.Field{
	Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Version: 1,
	Fields: []change.Field{
		{Name: "version", Type: change.String},
		{Name: "connector", Type: change.String},
		{Name: "name", Type: change.String},
		{Name: "ts_ms", Type: change.Int64},
		{Name: "snapshot", Type: change.String, Optional: true, Logical: "io.debezium.data.Enum", Version: 1,
			Params:  []change.Param{{Key: "allowed", Value: "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}},
			Default: "false"},
		{Name: "db", Type: change.String},
		{Name: "sequence", Type: change.String, Optional: true},
		{Name: "ts_us", Type: change.Int64, Optional: true},
		{Name: "ts_ns", Type: change.Int64, Optional: true},
		{Name: "schema", Type: change.String},
		{Name: "table", Type: change.String},
		{Name: "txId", Type: change.Int64, Optional: true},
		{Name: "lsn", Type: change.Int64, Optional: true},
		{Name: "xmin", Type: change.Int64, Optional: true},
	},
}

// pgSourceValue is REFERENCE §2's source block; snapshot is left null so
// that the schema default "false" is written, as JsonConverter does.
func pgSourceValue(table string, txID, lsn int64) change.StructValue {
	return change.StructValue{
		"3.0.7.Final", "postgresql", "dbserver1", int64(1714558530123), nil, "inventory",
		`["24023064","24023128"]`, int64(1714558530123456), int64(1714558530123456000),
		"public", table, txID, lsn, nil,
	}
}

func event(t *change.TableSchema, op change.Op, before, after change.Row) *change.Event {
	return &change.Event{
		Op: op, Table: t, Before: before, After: after,
		Source: pgSourceValue(t.ID.Name, 555, 24023128), SourceSchema: pgSource,
	}
}

// anne is REFERENCE §2's row: balance 123.45 is unscaled 12345 = 0x3039.
func anne() change.Row {
	return change.Row{int32(1), "Anne", []byte{0x30, 0x39}, "2024-05-01T10:15:30.123456Z"}
}

func opts() JSONOptions {
	return JSONOptions{TopicPrefix: "dbserver1", Tombstones: true, Now: fixedNow}
}

// oneLine joins a JSON example written over several lines, as REFERENCE.md
// prints them, back into the compact bytes JsonConverter writes.
func oneLine(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		b.WriteString(strings.TrimSpace(l))
	}
	return b.String()
}

// TestReferenceCreate checks the create event of REFERENCE §2 byte for byte.
func TestReferenceCreate(t *testing.T) {
	j := NewJSON(opts())
	msgs, err := j.Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Topic != "dbserver1.public.customers" {
		t.Errorf("topic %q", m.Topic)
	}
	if got, want := string(m.Key), `{"id":1}`; got != want {
		t.Errorf("key\n got %s\nwant %s", got, want)
	}
	want := oneLine(`
{"before":null,"after":{"id":1,"name":"Anne","balance":"MDk=","created_at":"2024-05-01T10:15:30.123456Z"},
 "source":{"version":"3.0.7.Final","connector":"postgresql","name":"dbserver1","ts_ms":1714558530123,"snapshot":"false","db":"inventory",
  "sequence":"[\"24023064\",\"24023128\"]","ts_us":1714558530123456,"ts_ns":1714558530123456000,"schema":"public","table":"customers","txId":555,"lsn":24023128,"xmin":null},
 "transaction":null,"op":"c","ts_ms":1714558530200,"ts_us":1714558530200123,"ts_ns":1714558530200123456}`)
	if got := string(m.Value); got != want {
		t.Errorf("value\n got %s\nwant %s", got, want)
	}
	if len(m.Headers) != 1 || m.Headers[0].Key != VersionHeader || string(m.Headers[0].Value) != "1" {
		t.Errorf("headers %v", m.Headers)
	}
}

// TestReferenceSchemas checks the schemas.enable=true wrapper of REFERENCE §4
// byte for byte, with the one documented difference: sluice's <topic>.Value
// struct carries "version": the table's schema version.
func TestReferenceSchemas(t *testing.T) {
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	j := NewJSON(o)
	msgs, err := j.Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	wantKey := `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"default":0,"field":"id"}],"optional":false,"name":"dbserver1.public.customers.Key"},"payload":{"id":1}}`
	if got := string(msgs[0].Key); got != wantKey {
		t.Errorf("key\n got %s\nwant %s", got, wantKey)
	}
	row := oneLine(`
 {"type":"struct","fields":[
   {"type":"int32","optional":false,"default":0,"field":"id"},
   {"type":"string","optional":false,"field":"name"},
   {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"balance"},
   {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"created_at"}],
  "optional":true,"name":"dbserver1.public.customers.Value",`)
	wantSchema := `{"type":"struct","fields":[` + row + `"field":"before"},` + row + `"field":"after"},` + oneLine(`
 {"type":"struct","fields":[
   {"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},
   {"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},
   {"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},
   {"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},
   {"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},
   {"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},
   {"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"}],
  "optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"},
 {"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],
  "optional":true,"name":"event.block","version":1,"field":"transaction"},
 {"type":"string","optional":false,"field":"op"},
 {"type":"int64","optional":true,"field":"ts_ms"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],
 "optional":false,"name":"dbserver1.public.customers.Envelope","version":2}`)

	var env struct{ Schema, Payload json.RawMessage }
	if err := json.Unmarshal(msgs[0].Value, &env); err != nil {
		t.Fatal(err)
	}
	if got := string(env.Schema); got != wantSchema {
		t.Errorf("value schema\n got %s\nwant %s", got, wantSchema)
	}
	plain, err := NewJSON(opts()).Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(msgs[0].Value), `{"schema":`+wantSchema+`,"payload":`+string(plain[0].Value)+`}`; got != want {
		t.Errorf("value\n got %s\nwant %s", got, want)
	}
}

// goldenCase is one golden test: the events encoded in order with opts.
type goldenCase struct {
	name   string
	opts   JSONOptions
	events []*change.Event
	check  func(t *testing.T, msgs []Message) // optional further checks
}

// goldenCases are TestGolden's events: every kind of change event and
// column the JSON encoder writes.
func goldenCases() []goldenCase {
	withSchemas := opts()
	withSchemas.KeySchemas, withSchemas.ValueSchemas = true, true
	noTomb := opts()
	noTomb.Tombstones = false

	cust := customers()
	anneRich := anne()
	anneRich[2] = []byte{0x00, 0x98, 0x96, 0x7f} // 99999.99
	keyless := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "audit_log"}, Version: 3,
		Columns: []change.Field{
			{Name: "at", Type: change.Int64, Logical: "io.debezium.time.MicroTimestamp", Version: 1},
			{Name: "msg", Type: change.String, Optional: true},
		},
	}
	arrays := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "tags"}, Version: 1,
		Columns: []change.Field{
			{Name: "id", Type: change.Int64},
			{Name: "labels", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String, Optional: true}},
			{Name: "scores", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.Int32, Optional: true}},
			{Name: "blobs", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.Bytes, Optional: true}},
		},
		Key: []int{0},
	}
	vsd := &change.Field{Type: change.Struct, Optional: true, Logical: "io.debezium.data.VariableScaleDecimal", Version: 1,
		Doc: "Variable scaled decimal", Fields: []change.Field{
			{Name: "scale", Type: change.Int32},
			{Name: "value", Type: change.Bytes},
		}}
	numbers := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "numbers"}, Version: 2,
		Columns: []change.Field{
			{Name: "id", Type: change.Int16},
			{Name: "n", Type: vsd.Type, Optional: true, Logical: vsd.Logical, Version: vsd.Version, Doc: vsd.Doc, Fields: vsd.Fields},
			{Name: "ns", Type: change.Array, Optional: true, Elem: vsd},
		},
		Key: []int{0},
	}
	floats := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "floats"}, Version: 1,
		Columns: []change.Field{
			{Name: "id", Type: change.Int64},
			{Name: "f4", Type: change.Float32, Optional: true},
			{Name: "f8", Type: change.Float64, Optional: true},
			{Name: "f8s", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.Float64}},
		},
		Key: []int{0},
	}
	text := &change.TableSchema{
		ID: change.TableID{Namespace: "weird \"schema\"", Name: "t\\x"}, Version: 1,
		Columns: []change.Field{
			{Name: "k\"ey", Type: change.String},
			{Name: "v", Type: change.String, Optional: true, Doc: "comment with \"quotes\" <b> & \u2028"},
			{Name: "flag", Type: change.Boolean, Default: true},
			{Name: "note", Type: change.String, Optional: true, Default: "n/a"},
		},
		Key: []int{0},
	}
	multiKey := &change.TableSchema{
		ID: change.TableID{Namespace: "inventory", Name: "order_lines"}, Version: 5,
		Columns: []change.Field{
			{Name: "qty", Type: change.Int32},
			{Name: "order_id", Type: change.Int64},
			{Name: "line", Type: change.Int16},
			{Name: "sku", Type: change.String},
		},
		Key: []int{1, 2},
	}
	withHeaders := event(cust, change.OpDelete, anne(), nil)
	withHeaders.Headers = []change.Header{{Key: "__debezium.newkey", Value: []byte(`{"id":2}`)}}
	snapshot := event(cust, change.OpRead, nil, anne())
	snapshot.Source[4] = "first"

	return []goldenCase{
		{name: "create", opts: opts(), events: []*change.Event{event(cust, change.OpCreate, nil, anne())}},
		{name: "snapshot_read", opts: opts(), events: []*change.Event{snapshot}},
		{name: "update", opts: opts(), events: []*change.Event{
			event(cust, change.OpUpdate, nil, anneRich),    // REPLICA IDENTITY DEFAULT
			event(cust, change.OpUpdate, anne(), anneRich), // FULL
		}},
		{name: "delete", opts: opts(), events: []*change.Event{
			event(cust, change.OpDelete, change.Row{int32(1), "", nil, nil}, nil),
		}, check: func(t *testing.T, msgs []Message) {
			if len(msgs) != 2 || msgs[1].Value != nil || !bytes.Equal(msgs[0].Key, msgs[1].Key) || msgs[1].Topic != msgs[0].Topic {
				t.Errorf("want a delete and a tombstone with its key, got %+v", msgs)
			}
		}},
		{name: "delete_no_tombstone", opts: noTomb, events: []*change.Event{event(cust, change.OpDelete, anne(), nil)}},
		{name: "delete_headers", opts: opts(), events: []*change.Event{withHeaders}},
		{name: "truncate", opts: opts(), events: []*change.Event{event(cust, change.OpTruncate, nil, nil)},
			check: func(t *testing.T, msgs []Message) {
				if len(msgs) != 1 || msgs[0].Key != nil {
					t.Errorf("want one record with a null key, got %+v", msgs)
				}
			}},
		{name: "schemas_create", opts: withSchemas, events: []*change.Event{event(cust, change.OpCreate, nil, anne())}},
		{name: "schemas_delete", opts: withSchemas, events: []*change.Event{event(cust, change.OpDelete, anne(), nil)}},
		{name: "schemas_truncate", opts: withSchemas, events: []*change.Event{event(cust, change.OpTruncate, nil, nil)}},
		{name: "keyless", opts: opts(), events: []*change.Event{
			event(keyless, change.OpCreate, nil, change.Row{int64(1714558530123456), "hello"}),
			event(keyless, change.OpDelete, change.Row{int64(1714558530123456), nil}, nil),
		}, check: func(t *testing.T, msgs []Message) {
			for _, m := range msgs {
				if m.Key != nil {
					t.Errorf("keyless table: key %q, want nil", m.Key)
				}
			}
		}},
		{name: "keyless_schemas", opts: withSchemas, events: []*change.Event{
			event(keyless, change.OpCreate, nil, change.Row{int64(1714558530123456), nil}),
		}},
		{name: "composite_key", opts: withSchemas, events: []*change.Event{
			event(multiKey, change.OpCreate, nil, change.Row{int32(3), int64(10001), int16(2), "SKU-1"}),
		}},
		{name: "arrays", opts: opts(), events: []*change.Event{
			event(arrays, change.OpCreate, nil, change.Row{int64(1), []any{"a", nil, "c\"d"}, []any{int32(1), int32(-2), nil}, []any{[]byte("hi"), []byte{}}}),
			event(arrays, change.OpUpdate, nil, change.Row{int64(1), []any{}, nil, []any{}}),
		}},
		{name: "arrays_schemas", opts: withSchemas, events: []*change.Event{
			event(arrays, change.OpCreate, nil, change.Row{int64(2), []any{"x"}, []any{int32(7)}, nil}),
		}},
		{name: "variable_scale_decimal", opts: withSchemas, events: []*change.Event{
			// 3.14159: scale 5, unscaled 314159 = 0x04CB2F ("BMsv").
			event(numbers, change.OpCreate, nil, change.Row{int16(1), change.StructValue{int32(5), []byte{0x04, 0xcb, 0x2f}},
				[]any{change.StructValue{int32(0), []byte{0x01}}, nil}}),
		}, check: func(t *testing.T, msgs []Message) {
			if !bytes.Contains(msgs[0].Value, []byte(`"n":{"scale":5,"value":"BMsv"}`)) {
				t.Errorf("variable scale decimal not as REFERENCE §5: %s", msgs[0].Value)
			}
		}},
		{name: "floats", opts: opts(), events: []*change.Event{
			event(floats, change.OpCreate, nil, change.Row{int64(1), float32(math.NaN()), math.NaN(), []any{math.Inf(1), math.Inf(-1), math.NaN()}}),
			event(floats, change.OpCreate, nil, change.Row{int64(2), float32(0.1), 0.1, []any{1.0, math.Copysign(0, -1), 1e7, 1e-4, 0.001, 123.456, 1e23, math.MaxFloat64, 5e-324}}),
			event(floats, change.OpCreate, nil, change.Row{int64(3), float32(1e10), float64(float32(0.1)), []any{}}),
		}},
		{name: "floats_schemas", opts: withSchemas, events: []*change.Event{
			event(floats, change.OpCreate, nil, change.Row{int64(1), float32(1.5), math.NaN(), nil}),
		}},
		{name: "strings", opts: opts(), events: []*change.Event{
			event(text, change.OpCreate, nil, change.Row{"quote\" backslash\\ slash/", "tab\t nl\n cr\r bs\b ff\f nul\x00 us\x1f del\x7f", false, nil}),
			event(text, change.OpCreate, nil, change.Row{"<html> & 'x'", "é ü 中文 😀 \u2028\u2029 \ufeff", nil, "set"}),
			event(text, change.OpCreate, nil, change.Row{"bad utf8 \xff\xfe end", nil, true, nil}),
		}},
		{name: "strings_schemas", opts: withSchemas, events: []*change.Event{
			event(text, change.OpCreate, nil, change.Row{"k", nil, nil, nil}),
		}},
	}
}

func TestGolden(t *testing.T) {
	cases := goldenCases()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := NewJSON(c.opts)
			var msgs []Message
			for _, ev := range c.events {
				var err error
				if msgs, err = j.Encode(msgs, ev); err != nil {
					t.Fatal(err)
				}
			}
			for i, m := range msgs {
				checkValidJSON(t, i, m, c.opts)
			}
			if c.check != nil {
				c.check(t, msgs)
			}
			compareGolden(t, c.name, render(msgs))
		})
	}
}

// checkValidJSON checks that a message's key and value are valid JSON, carry
// the version header, and, with schemas, hold exactly schema and payload.
func checkValidJSON(t *testing.T, i int, m Message, o JSONOptions) {
	t.Helper()
	for _, part := range []struct {
		name    string
		b       []byte
		schemas bool
	}{{"key", m.Key, o.KeySchemas}, {"value", m.Value, o.ValueSchemas}} {
		if part.b == nil {
			continue
		}
		if !json.Valid(part.b) {
			t.Errorf("message %d: %s is not valid JSON: %s", i, part.name, part.b)
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(part.b, &obj); err != nil {
			t.Errorf("message %d: %s is not an object: %v", i, part.name, err)
			continue
		}
		if part.schemas && (len(obj) != 2 || obj["schema"] == nil || obj["payload"] == nil) {
			t.Errorf("message %d: %s has keys %v, want schema and payload", i, part.name, keys(obj))
		}
	}
	if m.Value != nil {
		payload := m.Value
		if o.ValueSchemas {
			var env struct{ Payload json.RawMessage }
			if err := json.Unmarshal(m.Value, &env); err != nil {
				t.Errorf("message %d: %v", i, err)
			}
			payload = env.Payload
		}
		want := "before,after,source,transaction,op,ts_ms,ts_us,ts_ns"
		if got := strings.Join(objectKeys(t, payload), ","); got != want {
			t.Errorf("message %d: envelope keys %s, want %s", i, got, want)
		}
	}
	last := m.Headers[len(m.Headers)-1]
	if last.Key != VersionHeader {
		t.Errorf("message %d: last header %q, want %s", i, last.Key, VersionHeader)
	}
}

// objectKeys returns the member names of the JSON object b, in order.
func objectKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var ks []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}

func keys(m map[string]json.RawMessage) []string {
	return slices.Sorted(maps.Keys(m))
}

// render writes messages in the golden file format: one block per message,
// the key and value raw.
func render(msgs []Message) []byte {
	var b bytes.Buffer
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "topic: %s\n", m.Topic)
		for _, h := range m.Headers {
			fmt.Fprintf(&b, "header: %s=%s\n", h.Key, h.Value)
		}
		for _, part := range []struct {
			name string
			b    []byte
		}{{"key", m.Key}, {"value", m.Value}} {
			if part.b == nil {
				fmt.Fprintf(&b, "%s: <nil>\n", part.name)
			} else {
				fmt.Fprintf(&b, "%s: %s\n", part.name, part.b)
			}
		}
	}
	return b.Bytes()
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestDecoded decodes records with encoding/json and checks their content,
// independently of the golden files.
func TestDecoded(t *testing.T) {
	j := NewJSON(opts())
	ev := event(customers(), change.OpUpdate, anne(), change.Row{int32(1), "Anne <Smith> & co", nil, nil})
	msgs, err := j.Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Before, After map[string]any
		Source        map[string]any
		Transaction   any
		Op            string
		TsMs          int64 `json:"ts_ms"`
		TsUs          int64 `json:"ts_us"`
		TsNs          int64 `json:"ts_ns"`
	}
	if err := json.Unmarshal(msgs[0].Value, &v); err != nil {
		t.Fatal(err)
	}
	if v.Op != "u" || v.Transaction != nil || v.TsMs != now.UnixMilli() || v.TsUs != now.UnixMicro() || v.TsNs != now.UnixNano() {
		t.Errorf("envelope %+v", v)
	}
	if v.Before["balance"] != "MDk=" || v.Before["id"] != 1.0 || v.After["name"] != "Anne <Smith> & co" || v.After["balance"] != nil {
		t.Errorf("before %v after %v", v.Before, v.After)
	}
	if v.Source["snapshot"] != "false" || v.Source["txId"] != 555.0 || v.Source["xmin"] != nil {
		t.Errorf("source %v", v.Source)
	}
	if !bytes.Contains(msgs[0].Value, []byte(`"Anne <Smith> & co"`)) {
		t.Errorf("<, > and & must not be escaped: %s", msgs[0].Value)
	}
}

// TestNowDefault checks that a nil Now uses the wall clock.
func TestNowDefault(t *testing.T) {
	o := opts()
	o.Now = nil
	before := time.Now()
	msgs, err := NewJSON(o).Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		TsNs int64 `json:"ts_ns"`
	}
	if err := json.Unmarshal(msgs[0].Value, &v); err != nil {
		t.Fatal(err)
	}
	if v.TsNs < before.UnixNano() || v.TsNs > time.Now().UnixNano() {
		t.Errorf("ts_ns %d not in [%d, now]", v.TsNs, before.UnixNano())
	}
}

// TestOwnBytes checks that every message owns its key and value: encoding
// more events, or writing into one message, changes no other.
func TestOwnBytes(t *testing.T) {
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	j := NewJSON(o)
	cust := customers()
	var msgs []Message
	var want []string
	for i := range 50 {
		row := anne()
		row[0] = int32(i)
		row[1] = strings.Repeat("x", i*7)
		var err error
		if msgs, err = j.Encode(msgs, event(cust, change.OpDelete, row, nil)); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range msgs {
		want = append(want, string(m.Key)+"|"+string(m.Value))
	}
	// Scribble over every slice up to its capacity, then check each other.
	for i := range msgs {
		k, v := msgs[i].Key, msgs[i].Value
		saveK, saveV := append([]byte(nil), k...), append([]byte(nil), v...)
		fill(k[:cap(k)])
		if v != nil {
			fill(v[:cap(v)])
		}
		for j2, m := range msgs {
			if j2 == i {
				continue
			}
			if got := string(m.Key) + "|" + string(m.Value); got != want[j2] {
				t.Fatalf("writing message %d changed message %d", i, j2)
			}
		}
		copy(k, saveK)
		copy(v, saveV)
	}
	// Appending to shared headers must not reach another message's headers.
	h := append(msgs[0].Headers, change.Header{Key: "x"})
	if len(msgs[1].Headers) != 1 || &h[0] == &msgs[1].Headers[0] {
		t.Errorf("headers share appendable memory")
	}
}

func fill(b []byte) {
	for i := range b {
		b[i] = '#'
	}
}

// TestSchemaCache checks that the Connect schemas are encoded once per table
// schema version and source schema, and that a new version is picked up.
func TestSchemaCache(t *testing.T) {
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	j := NewJSON(o)
	v1 := customers()
	if _, err := j.Encode(nil, event(v1, change.OpCreate, nil, anne())); err != nil {
		t.Fatal(err)
	}
	tc := j.tables[v1]
	if tc == nil || tc.valuePrefix == nil || tc.keyPrefix == nil {
		t.Fatalf("no cached schemas for the table: %+v", tc)
	}
	vp, kp := &tc.valuePrefix[0], &tc.keyPrefix[0]
	if _, err := j.Encode(nil, event(v1, change.OpUpdate, nil, anne())); err != nil {
		t.Fatal(err)
	}
	if &j.tables[v1].valuePrefix[0] != vp || &j.tables[v1].keyPrefix[0] != kp {
		t.Errorf("schemas were encoded again for the same table schema")
	}

	// Version 2 adds a column.
	v2 := customers()
	v2.Version = 2
	v2.Columns = append(v2.Columns, change.Field{Name: "email", Type: change.String, Optional: true})
	msgs, err := j.Encode(nil, event(v2, change.OpCreate, nil, append(anne(), "a@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	if h := msgs[0].Headers; len(h) == 0 || h[len(h)-1].Key != VersionHeader || string(h[len(h)-1].Value) != "2" {
		t.Errorf("headers %q, want %s=2 last", h, VersionHeader)
	}
	// The Value struct carries no version, as in Debezium: the new column
	// is the only change.
	if !bytes.Contains(msgs[0].Value, []byte(`"field":"email"}],"optional":true,"name":"dbserver1.public.customers.Value","field":"before"}`)) {
		t.Errorf("value schema does not show the new column, without a version: %s", msgs[0].Value)
	}

	// A different source schema rebuilds the envelope schema.
	src := *pgSource
	src.Fields = append(append([]change.Field(nil), pgSource.Fields...), change.Field{Name: "origin", Type: change.String, Optional: true})
	ev := event(v2, change.OpCreate, nil, append(anne(), nil))
	ev.SourceSchema, ev.Source = &src, append(ev.Source, nil)
	if msgs, err = j.Encode(nil, ev); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msgs[0].Value, []byte(`{"type":"string","optional":true,"field":"origin"}`)) {
		t.Errorf("new source schema not used: %s", msgs[0].Value)
	}

	// The cache stays bounded.
	for range maxCachedTables + 10 {
		if _, err := j.Encode(nil, event(customers(), change.OpCreate, nil, anne())); err != nil {
			t.Fatal(err)
		}
	}
	if len(j.tables) > maxCachedTables {
		t.Errorf("cache holds %d tables, bound %d", len(j.tables), maxCachedTables)
	}
}

func TestErrors(t *testing.T) {
	cust := customers()
	mapTable := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "m"}, Version: 1,
		Columns: []change.Field{{Name: "m", Type: change.Map, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.String}}},
	}
	badKey := customers()
	badKey.Key = []int{9}
	noSource := event(cust, change.OpCreate, nil, anne())
	noSource.SourceSchema = nil
	shortSource := event(cust, change.OpCreate, nil, anne())
	shortSource.Source = shortSource.Source[:3]
	badDefault := customers()
	badDefault.Columns[0].Default = "zero"
	badArray := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "a"}, Version: 1,
		Columns: []change.Field{{Name: "a", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.Int32}}},
	}
	withSchemas := opts()
	withSchemas.KeySchemas, withSchemas.ValueSchemas = true, true

	for _, c := range []struct {
		name string
		o    JSONOptions
		ev   *change.Event
		want error
		msg  string
	}{
		{"nil event", opts(), nil, ErrEvent, "no table schema"},
		{"no table", opts(), &change.Event{Op: change.OpCreate}, ErrEvent, "no table schema"},
		{"unknown op", opts(), event(cust, 'm', nil, anne()), ErrEvent, "unknown op"},
		{"no source schema", opts(), noSource, ErrEvent, "source schema"},
		{"short row", opts(), event(cust, change.OpCreate, nil, anne()[:2]), ErrEvent, "row has 2 values"},
		{"short before", opts(), event(cust, change.OpUpdate, anne()[:3], anne()), ErrEvent, "before: malformed"},
		{"key out of range", opts(), event(badKey, change.OpCreate, nil, anne()), ErrEvent, "key column index 9"},
		{"short source", opts(), shortSource, ErrValue, "source: value does not match its schema: struct value has 3 members"},
		{"wrong type", opts(), event(cust, change.OpCreate, nil, change.Row{int32(1), 7, nil, nil}), ErrValue, "after: name: value does not match its schema: int in a string field"},
		{"wrong key type", opts(), event(cust, change.OpCreate, nil, change.Row{"1", "a", nil, nil}), ErrValue, "key column id"},
		{"null required", opts(), event(cust, change.OpCreate, nil, change.Row{int32(1), nil, nil, nil}), ErrValue, "after: name: value does not match its schema: null in a required string field"},
		{"map", opts(), event(mapTable, change.OpCreate, nil, change.Row{"x"}), ErrValue, "after: m: value does not match its schema: string in a map field"},
		{"bad array element", opts(), event(badArray, change.OpCreate, nil, change.Row{[]any{int32(1), "2"}}), ErrValue, "after: a: [1]: value does not match"},
		{"bad default in schema", withSchemas, event(badDefault, change.OpCreate, nil, anne()), ErrValue, "key schema: id: default"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := NewJSON(c.o)
			dst := []Message{{Topic: "keep"}}
			got, err := j.Encode(dst, c.ev)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			if len(got) != 1 || got[0].Topic != "keep" {
				t.Errorf("dst changed on error: %+v", got)
			}
		})
	}
}

// TestTopic checks Debezium's topic naming: blank parts dropped, invalid
// characters replaced (per UTF-16 unit), length cut to 249.
func TestTopic(t *testing.T) {
	long := strings.Repeat("a", 300)
	for _, c := range []struct{ prefix, ns, name, want string }{
		{"dbserver1", "public", "customers", "dbserver1.public.customers"},
		{"p", "", "t", "p.t"},
		{"p", " \t", "t", "p.t"},
		{"p", `weird "schema"`, `t\x`, "p.weird__schema_.t_x"},
		{"p", "é-ü", "😀_x", "p._-_.___x"},
		{"p", "inventory", long, ("p.inventory." + long)[:249]},
		{"", "", ".", "_"},
	} {
		j := NewJSON(JSONOptions{TopicPrefix: c.prefix})
		if got := j.Topic(change.TableID{Namespace: c.ns, Name: c.name}); got != c.want {
			t.Errorf("%q %q %q: got %q, want %q", c.prefix, c.ns, c.name, got, c.want)
		}
	}
}

// TestTruncateIgnoresImages checks that a truncate writes null images and a
// null key even when the event carries rows.
func TestTruncateIgnoresImages(t *testing.T) {
	msgs, err := NewJSON(opts()).Encode(nil, event(customers(), change.OpTruncate, anne(), anne()))
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Key != nil || !bytes.HasPrefix(msgs[0].Value, []byte(`{"before":null,"after":null,`)) {
		t.Errorf("truncate: key %q value %s", msgs[0].Key, msgs[0].Value)
	}
}

// BenchmarkEncodeJSON encodes a create of a 6-column row without schemas.
func BenchmarkEncodeJSON(b *testing.B) {
	t := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "accounts"}, Version: 1,
		Columns: []change.Field{
			{Name: "id", Type: change.Int64},
			{Name: "email", Type: change.String},
			{Name: "name", Type: change.String, Optional: true},
			{Name: "balance", Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
				Params: []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "12"}}},
			{Name: "active", Type: change.Boolean},
			{Name: "created_at", Type: change.String, Optional: true, Logical: "io.debezium.time.ZonedTimestamp", Version: 1},
		},
		Key: []int{0},
	}
	row := change.Row{int64(123456789), "anne.smith@example.com", "Anne Smith", []byte{0x01, 0xe2, 0x40}, true, "2024-05-01T10:15:30.123456Z"}
	for _, schemas := range []bool{false, true} {
		b.Run(fmt.Sprintf("schemas=%v", schemas), func(b *testing.B) {
			o := opts()
			o.KeySchemas, o.ValueSchemas = schemas, schemas
			j := NewJSON(o)
			ev := event(t, change.OpCreate, nil, row)
			dst := make([]Message, 0, 1)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				var err error
				dst, err = j.Encode(dst[:0], ev)
				if err != nil {
					b.Fatal(err)
				}
				n += len(dst[0].Key) + len(dst[0].Value)
			}
			b.SetBytes(int64(n / b.N))
		})
	}
}

// TestSourceMemoMatchesFreshEncoder encodes a run of events whose source
// members change in every combination (same values, new values, a value of
// another type, a null) with one encoder, which reuses the members it
// remembers, and checks each record against an encoder that has seen
// nothing before it.
func TestSourceMemoMatchesFreshEncoder(t *testing.T) {
	tbl := &change.TableSchema{ID: change.TableID{Namespace: "public", Name: "a\"b"}, Version: 1,
		Columns: []change.Field{{Name: "id", Type: change.Int32}, {Name: "näme\n", Type: change.String, Optional: true}},
		Key:     []int{0}}
	other := &change.TableSchema{ID: change.TableID{Namespace: "s", Name: "o"}, Version: 2,
		Columns: []change.Field{{Name: "k", Type: change.Int64}}, Key: []int{0}}
	rng := rand.New(rand.NewPCG(5, 6))
	memo := NewJSON(opts())
	var prev []any
	for n := 0; n < 2000; n++ {
		tb := tbl
		row := change.Row{int32(n), "x"}
		if rng.IntN(4) == 0 {
			tb, row = other, change.Row{int64(n)}
		}
		src := pgSourceValue(tb.ID.Name, int64(rng.IntN(3)), int64(rng.IntN(3)))
		if prev != nil && rng.IntN(2) == 0 {
			// The last event's block again, as a snapshot's rows share
			// theirs; changed in place below at times.
			src = prev
		}
		prev = src
		switch rng.IntN(5) {
		case 0:
			src[4] = "true"
		case 1:
			src[6] = nil
		case 2:
			src[0] = "v\"" + strconv.Itoa(rng.IntN(2))
		}
		if rng.IntN(3) == 0 {
			src[11] = nil
		}
		ev := event(tb, change.OpCreate, nil, row)
		ev.Source = src
		got, err := memo.Encode(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		want, err := NewJSON(opts()).Encode(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[0].Value, want[0].Value) || !bytes.Equal(got[0].Key, want[0].Key) {
			t.Fatalf("event %d:\n got %s\nwant %s", n, got[0].Value, want[0].Value)
		}
	}
}

// TestAppendTimestamps compares appendTimestamps with formatting each
// member on its own, around the instants where the shared digits stop
// holding (before a millisecond after the epoch, before it, and where the
// nanoseconds leave int64).
func TestAppendTimestamps(t *testing.T) {
	times := []time.Time{
		time.Unix(0, 0),
		time.Unix(0, 999_999),
		time.Unix(0, 1_000_000),
		time.Unix(0, 1_000_001),
		time.Unix(1, 5),
		time.Unix(-1, 0),
		time.Date(1960, 3, 4, 5, 6, 7, 891011, time.UTC),
		time.Date(2026, 12, 2, 22, 5, 0, 123456789, time.UTC),
		time.Date(2026, 12, 2, 22, 5, 0, 100000, time.FixedZone("x", -3600)),
		time.Date(2262, 4, 11, 23, 47, 16, 854775807, time.UTC),
		time.Date(2262, 4, 11, 23, 47, 16, 854775808, time.UTC),
		time.Date(3000, 1, 1, 0, 0, 0, 1, time.UTC),
		{},
	}
	for _, tm := range times {
		want := fmt.Sprintf(`,"ts_ms":%d,"ts_us":%d,"ts_ns":%d`, tm.UnixMilli(), tm.UnixMicro(), tm.UnixNano())
		if got := string(appendTimestamps([]byte{}, tm)); got != want {
			t.Errorf("%v: %s, want %s", tm, got, want)
		}
	}
}

// TestMadeIsTheEnvelopeTime: with the real clock a record's Made is the
// time its envelope's ts_ms gives (the Kafka sink stamps it with it); a
// test's clock leaves Made unset, so no record is stamped with it.
func TestMadeIsTheEnvelopeTime(t *testing.T) {
	o := opts()
	o.Now = nil
	before := time.Now()
	msgs, err := NewJSON(o).Encode(nil, event(customers(), change.OpDelete, anne(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want the delete and its tombstone", len(msgs))
	}
	var env struct {
		TsNs int64 `json:"ts_ns"`
	}
	if err := json.Unmarshal(msgs[0].Value, &env); err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		if m.Made.Before(before) || m.Made.UnixNano() != env.TsNs || !m.Timestamp.IsZero() {
			t.Errorf("message %d: Made %v (ts_ns %d, encoding began %v), Timestamp %v; want Made at ts_ns and no Timestamp", i, m.Made, env.TsNs, before, m.Timestamp)
		}
	}
	msgs, err = NewJSON(opts()).Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	if !msgs[0].Made.IsZero() {
		t.Errorf("with a test's clock Made = %v, want unset", msgs[0].Made)
	}
}
