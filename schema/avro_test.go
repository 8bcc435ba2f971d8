package schema

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/sluicecdc/sluice/connectors/change"
)

// fakeRegistry starts an in-memory Confluent-compatible registry.
func fakeRegistry(t *testing.T) *srfake.Registry {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	return reg
}

// newTestRegistry returns a Registry for url with test-sized retries.
func newTestRegistry(t *testing.T, url string, retryFor time.Duration) *Registry {
	t.Helper()
	r, err := NewRegistry(RegistryOptions{
		URLs: []string{url}, RetryFor: retryFor,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func avroOpts(key, value *Registry) AvroOptions {
	return AvroOptions{TopicPrefix: "dbserver1", Tombstones: true, Now: fixedNow, KeyRegistry: key, ValueRegistry: value}
}

// decodeWire decodes a Confluent-framed Avro datum the way a consumer
// does: the id from the header, the writer schema fetched from the
// registry by that id (not taken from the encoder), then the datum.
func decodeWire(t *testing.T, url string, b []byte) (int, any) {
	t.Helper()
	var h sr.ConfluentHeader
	id, rest, err := h.DecodeID(b)
	if err != nil {
		t.Fatalf("wire header of %x: %v", b, err)
	}
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cl.SchemaByID(context.Background(), id)
	if err != nil {
		t.Fatalf("schema %d from the registry: %v", id, err)
	}
	as, err := avro.Parse(s.Schema)
	if err != nil {
		t.Fatalf("parse schema %d: %v", id, err)
	}
	var v any
	rest, err = as.Decode(rest, &v)
	if err != nil {
		t.Fatalf("decode with schema %d: %v", id, err)
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left after the datum", len(rest))
	}
	return id, normalize(v)
}

// normalize makes a decoded datum comparable as JSON: decimals (*big.Rat)
// become their exact decimal string.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case *big.Rat:
		return "decimal:" + x.FloatString(4)
	}
	return v
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAvroSchemaCustomers checks the key and value schemas of REFERENCE
// §2's customers table against golden files, and the parts of them that
// follow from Confluent's AvroData by hand.
func TestAvroSchemaCustomers(t *testing.T) {
	tbl := customers()
	key, _, err := avroSchemaText(keySchema(tbl, "dbserver1.public.customers"))
	if err != nil {
		t.Fatal(err)
	}
	value, _, err := avroSchemaText(envelopeSchema(tbl, "dbserver1.public.customers", pgSource))
	if err != nil {
		t.Fatal(err)
	}
	wantKey := `{"type":"record","name":"Key","namespace":"dbserver1.public.customers","fields":[` +
		`{"name":"id","type":{"type":"int","connect.default":0},"default":0}],"connect.name":"dbserver1.public.customers.Key"}`
	if key != wantKey {
		t.Errorf("key schema\n got %s\nwant %s", key, wantKey)
	}
	for _, want := range []string{
		`{"type":"record","name":"Envelope","namespace":"dbserver1.public.customers","fields":[{"name":"before","type":["null",{"type":"record","name":"Value","fields":[`,
		`{"name":"balance","type":["null",{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}],"default":null}`,
		`{"name":"created_at","type":["null",{"type":"string","connect.version":1,"connect.name":"io.debezium.time.ZonedTimestamp"}],"default":null}`,
		`],"connect.name":"dbserver1.public.customers.Value"}],"default":null},{"name":"after","type":["null","Value"],"default":null}`,
		`{"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql","fields":[`,
		`{"name":"snapshot","type":[{"type":"string","connect.version":1,"connect.parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"connect.default":"false","connect.name":"io.debezium.data.Enum"},"null"],"default":"false"}`,
		`{"name":"transaction","type":["null",{"type":"record","name":"block","namespace":"event","fields":[{"name":"id","type":"string"},{"name":"total_order","type":"long"},{"name":"data_collection_order","type":"long"}],"connect.version":1,"connect.name":"event.block"}],"default":null}`,
		`{"name":"op","type":"string"},{"name":"ts_ms","type":["null","long"],"default":null}`,
		`],"connect.version":2,"connect.name":"dbserver1.public.customers.Envelope"}`,
	} {
		if !strings.Contains(value, want) {
			t.Errorf("value schema lacks\n%s\nin\n%s", want, value)
		}
	}
	for name, text := range map[string]string{"avro_customers_key.avsc": key, "avro_customers_value.avsc": value} {
		if _, err := avro.Parse(text); err != nil {
			t.Errorf("%s does not parse: %v", name, err)
		}
		checkGolden(t, name, text+"\n")
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept)\n got %s\nwant %s", name, got, want)
	}
}

// TestAvroRoundTrip encodes REFERENCE §2's events and decodes every record
// with the schema the registry returns for the id in its header.
func TestAvroRoundTrip(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	tbl := customers()
	var msgs []Message
	for _, ev := range []*change.Event{
		event(tbl, change.OpCreate, nil, anne()),
		event(tbl, change.OpUpdate, anne(), change.Row{int32(1), "Anne", nil, nil}),
		event(tbl, change.OpDelete, change.Row{int32(1), "", nil, nil}, nil),
		event(tbl, change.OpTruncate, nil, nil),
	} {
		if msgs, err = a.Encode(msgs, ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(msgs) != 5 {
		t.Fatalf("%d messages, want 5 (c, u, d, tombstone, t)", len(msgs))
	}
	for _, m := range msgs {
		if m.Topic != "dbserver1.public.customers" {
			t.Errorf("topic %q", m.Topic)
		}
		if len(m.Headers) != 1 || m.Headers[0].Key != VersionHeader || string(m.Headers[0].Value) != "1" {
			t.Errorf("headers %v", m.Headers)
		}
	}

	keyID, key := decodeWire(t, fake.URL(), msgs[0].Key)
	if got := asJSON(t, key); got != `{"id":1}` {
		t.Errorf("key %s", got)
	}
	valueID, _ := decodeWire(t, fake.URL(), msgs[0].Value)
	if keyID == valueID {
		t.Errorf("key and value share schema id %d", keyID)
	}
	src := `"source":{"connector":"postgresql","db":"inventory","lsn":24023128,"name":"dbserver1","schema":"public",` +
		`"sequence":"[\"24023064\",\"24023128\"]","snapshot":"false","table":"customers","ts_ms":1714558530123,` +
		`"ts_ns":1714558530123456000,"ts_us":1714558530123456,"txId":555,"version":"3.0.7.Final","xmin":null}`
	env := `"transaction":null,"ts_ms":1714558530200,"ts_ns":1714558530200123456,"ts_us":1714558530200123}`
	anneJSON := `{"balance":"decimal:123.4500","created_at":"2024-05-01T10:15:30.123456Z","id":1,"name":"Anne"}`
	for i, want := range []string{
		`{"after":` + anneJSON + `,"before":null,"op":"c",` + src + `,` + env,
		`{"after":{"balance":null,"created_at":null,"id":1,"name":"Anne"},"before":` + anneJSON + `,"op":"u",` + src + `,` + env,
		`{"after":null,"before":{"balance":null,"created_at":null,"id":1,"name":""},"op":"d",` + src + `,` + env,
	} {
		id, v := decodeWire(t, fake.URL(), msgs[i].Value)
		if id != valueID {
			t.Errorf("record %d: value schema id %d, want %d", i, id, valueID)
		}
		if got := asJSON(t, v); got != want {
			t.Errorf("record %d value\n got %s\nwant %s", i, got, want)
		}
		if _, k := decodeWire(t, fake.URL(), msgs[i].Key); asJSON(t, k) != `{"id":1}` {
			t.Errorf("record %d key %s", i, asJSON(t, k))
		}
	}
	if tomb := msgs[3]; tomb.Value != nil || string(tomb.Key) != string(msgs[2].Key) {
		t.Errorf("tombstone %+v", tomb)
	}
	if tr := msgs[4]; tr.Key != nil {
		t.Errorf("truncate key %x, want null", tr.Key)
	} else if _, v := decodeWire(t, fake.URL(), tr.Value); !strings.Contains(asJSON(t, v), `"after":null,"before":null,"op":"t"`) {
		t.Errorf("truncate value %s", asJSON(t, v))
	}
	if vs, _ := fake.GetSchema("dbserver1.public.customers-value", 1); vs.ID != valueID {
		t.Errorf("subject dbserver1.public.customers-value version 1 has id %d, want %d", vs.ID, valueID)
	}
	if ks, _ := fake.GetSchema("dbserver1.public.customers-key", 1); ks.ID != keyID {
		t.Errorf("subject dbserver1.public.customers-key version 1 has id %d, want %d", ks.ID, keyID)
	}
}

// kinds is a table with one column of each kind the Avro mapping treats
// differently, including a one-member optional struct whose member is
// named "null" (a union tag if it were not wrapped).
func kinds() *change.TableSchema {
	one := change.Field{Type: change.Struct, Optional: true, Logical: "io.example.One",
		Fields: []change.Field{{Name: "null", Type: change.String, Optional: true}}}
	vsd := change.Field{Type: change.Struct, Optional: true, Logical: "io.debezium.data.VariableScaleDecimal", Version: 1,
		Doc: "Variable scaled decimal", Fields: []change.Field{{Name: "scale", Type: change.Int32}, {Name: "value", Type: change.Bytes}}}
	cols := []change.Field{
		{Name: "k", Type: change.Int64},
		{Name: "i8", Type: change.Int8, Optional: true},
		{Name: "i16", Type: change.Int16},
		{Name: "f", Type: change.Float32, Optional: true},
		{Name: "d", Type: change.Float64},
		{Name: "b", Type: change.Boolean, Default: true},
		{Name: "raw", Type: change.Bytes, Optional: true},
		{Name: "day", Type: change.Int32, Optional: true, Logical: "io.debezium.time.Date", Version: 1},
		{Name: "cday", Type: change.Int32, Optional: true, Logical: connectDate, Version: 1},
		{Name: "tags", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String, Optional: true}},
		{Name: "num", Type: vsd.Type, Optional: true, Logical: vsd.Logical, Version: 1, Doc: vsd.Doc, Fields: vsd.Fields},
		{Name: "num2", Type: vsd.Type, Optional: true, Logical: vsd.Logical, Version: 1, Doc: vsd.Doc, Fields: vsd.Fields},
		{Name: "one", Type: one.Type, Optional: true, Logical: one.Logical, Fields: one.Fields},
	}
	return &change.TableSchema{ID: change.TableID{Namespace: "public", Name: "kinds"}, Version: 1, Columns: cols, Key: []int{0, 2}}
}

func TestAvroValueKinds(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	row := change.Row{
		int64(7), int8(-3), int16(300), float32(1.5), 2.25, nil, []byte{0, 1, 0xff},
		int32(19844), int32(19845), []any{"a", nil},
		change.StructValue{int32(5), []byte{0x04, 0xcb, 0x2f}}, nil, change.StructValue{nil},
	}
	tbl := kinds()
	msgs, err := a.Encode(nil, event(tbl, change.OpRead, nil, row))
	if err != nil {
		t.Fatal(err)
	}
	_, k := decodeWire(t, fake.URL(), msgs[0].Key)
	if got := asJSON(t, k); got != `{"i16":300,"k":7}` {
		t.Errorf("key %s", got)
	}
	_, v := decodeWire(t, fake.URL(), msgs[0].Value)
	after := v.(map[string]any)["after"].(map[string]any)
	cday := after["cday"]
	delete(after, "cday")
	want := `{"b":true,"d":2.25,"day":19844,"f":1.5,"i16":300,"i8":-3,"k":7,"num":{"scale":5,"value":"BMsv"},"num2":null,"one":{"null":null},"raw":"AAH/","tags":["a",null]}`
	if got := asJSON(t, after); got != want {
		t.Errorf("after\n got %s\nwant %s", got, want)
	}
	// Connect's Date is Avro's date logical type: days since the epoch.
	if d, ok := cday.(time.Time); !ok || d.Format(time.DateOnly) != "2024-05-02" {
		t.Errorf("cday = %#v, want 2024-05-02", cday)
	}

	// The second VariableScaleDecimal is a reference to the first record.
	text := a.tables[tbl].value.text
	if strings.Count(text, `"name":"VariableScaleDecimal"`) != 1 || !strings.Contains(text, `{"name":"num2","type":["null","io.debezium.data.VariableScaleDecimal"],"default":null}`) {
		t.Errorf("VariableScaleDecimal not defined once and referenced after:\n%s", text)
	}
	for _, want := range []string{
		`{"name":"i8","type":["null",{"type":"int","connect.type":"int8"}],"default":null}`,
		`{"name":"b","type":{"type":"boolean","connect.default":true},"default":true}`,
		`{"name":"cday","type":["null",{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}],"default":null}`,
		`{"name":"tags","type":["null",{"type":"array","items":["null","string"]}],"default":null}`,
		`"connect.doc":"Variable scaled decimal","connect.version":1,"connect.name":"io.debezium.data.VariableScaleDecimal"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("value schema lacks %s", want)
		}
	}
}

// TestAvroMixedSides checks a JSON key with an Avro value and the reverse:
// the JSON side is byte for byte what the JSON encoder writes.
func TestAvroMixedSides(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	del := event(customers(), change.OpDelete, change.Row{int32(1), "", nil, nil}, nil)
	plain, err := NewJSON(opts()).Encode(nil, del)
	if err != nil {
		t.Fatal(err)
	}

	a, err := NewAvro(avroOpts(nil, reg))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := a.Encode(nil, del)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[1].Value != nil || string(msgs[1].Key) != `{"id":1}` {
		t.Fatalf("delete then tombstone: %+v", msgs)
	}
	if string(msgs[0].Key) != string(plain[0].Key) {
		t.Errorf("JSON key %s, want %s", msgs[0].Key, plain[0].Key)
	}
	if _, v := decodeWire(t, fake.URL(), msgs[0].Value); !strings.Contains(asJSON(t, v), `"op":"d"`) {
		t.Errorf("Avro value %s", asJSON(t, v))
	}
	if fake.SubjectExists("dbserver1.public.customers-key") {
		t.Error("a JSON key registered a key schema")
	}

	o := avroOpts(reg, nil)
	o.ValueSchemas = true
	a, err = NewAvro(o)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err = a.Encode(nil, del)
	if err != nil {
		t.Fatal(err)
	}
	if _, k := decodeWire(t, fake.URL(), msgs[0].Key); asJSON(t, k) != `{"id":1}` {
		t.Errorf("Avro key %s", asJSON(t, k))
	}
	jo := opts()
	jo.ValueSchemas = true
	withSchema, err := NewJSON(jo).Encode(nil, del)
	if err != nil {
		t.Fatal(err)
	}
	if string(msgs[0].Value) != string(withSchema[0].Value) {
		t.Errorf("JSON value\n got %s\nwant %s", msgs[0].Value, withSchema[0].Value)
	}
}

// TestAvroInvalidNames checks that a name Avro does not allow is a terminal
// error naming the rule, and that nothing is registered.
func TestAvroInvalidNames(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	tbl := customers()
	tbl.Columns[1].Name = "first name"
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Encode(nil, event(tbl, change.OpCreate, nil, anne()))
	if !errors.Is(err, ErrAvroSchema) || !strings.Contains(err.Error(), "letters, digits and '_'") {
		t.Fatalf("Encode = %v, want ErrAvroSchema", err)
	}
	var retryable interface{ Retryable() bool }
	if errors.As(err, &retryable) && retryable.Retryable() {
		t.Errorf("%v is retryable", err)
	}
	if fake.SubjectExists("dbserver1.public.customers-value") {
		t.Error("an invalid schema was registered")
	}
}

// TestAvroNullInRequiredField checks that a value error is reported, not
// encoded, and registers nothing wrong.
func TestAvroNullInRequiredField(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Encode(nil, event(customers(), change.OpCreate, nil, change.Row{int32(1), nil, nil, nil}))
	if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "name") {
		t.Fatalf("Encode = %v, want ErrValue naming the column", err)
	}
}
