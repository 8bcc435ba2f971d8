package schema

import (
	"encoding/json"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// schemaChangeKey and schemaChangeValue are a cut-down Debezium schema-change
// message: enough to check that a change.Message is written with its own
// schemas to <prefix>[.<topic>].
var (
	testMsgKeySchema = &change.Field{Type: change.Struct, Logical: "io.debezium.connector.mysql.SchemaChangeKey", Version: 1,
		Fields: []change.Field{{Name: "databaseName", Type: change.String}}}
	testMsgValueSchema = &change.Field{Type: change.Struct, Logical: "io.debezium.connector.mysql.SchemaChangeValue", Version: 1,
		Fields: []change.Field{
			{Name: "ts_ms", Type: change.Int64},
			{Name: "databaseName", Type: change.String, Optional: true},
			{Name: "ddl", Type: change.String, Optional: true},
		}}
)

func testMessage() *change.Event {
	return &change.Event{Message: &change.Message{
		KeySchema: testMsgKeySchema, ValueSchema: testMsgValueSchema,
		Key:   change.StructValue{"inventory"},
		Value: change.StructValue{int64(1714558530321), "inventory", "ALTER TABLE customers ADD c int"},
	}}
}

func TestJSONMessage(t *testing.T) {
	ms, err := NewJSON(JSONOptions{TopicPrefix: "dbserver1"}).Encode(nil, testMessage())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Topic != "dbserver1" {
		t.Fatalf("messages %+v, want one on topic dbserver1", ms)
	}
	if got, want := string(ms[0].Key), `{"databaseName":"inventory"}`; got != want {
		t.Errorf("key %s, want %s", got, want)
	}
	if got, want := string(ms[0].Value), `{"ts_ms":1714558530321,"databaseName":"inventory","ddl":"ALTER TABLE customers ADD c int"}`; got != want {
		t.Errorf("value %s, want %s", got, want)
	}

	ev := testMessage()
	ev.Message.Topic = "transaction"
	ms, err = NewJSON(JSONOptions{TopicPrefix: "dbserver1", KeySchemas: true, ValueSchemas: true}).Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Topic != "dbserver1.transaction" {
		t.Errorf("topic %q", ms[0].Topic)
	}
	want := `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"databaseName"}],"optional":false,"name":"io.debezium.connector.mysql.SchemaChangeKey","version":1},"payload":{"databaseName":"inventory"}}`
	if string(ms[0].Key) != want {
		t.Errorf("key with schema\n got %s\nwant %s", ms[0].Key, want)
	}
	if !json.Valid(ms[0].Value) {
		t.Errorf("value is not JSON: %s", ms[0].Value)
	}
}

func TestAvroMessage(t *testing.T) {
	reg := fakeRegistry(t)
	r := newTestRegistry(t, reg.URL(), 0)
	a, err := NewAvro(avroOpts(r, r))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := a.Encode(nil, testMessage())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Topic != "dbserver1" {
		t.Fatalf("messages %+v", ms)
	}
	_, k := decodeWire(t, reg.URL(), ms[0].Key)
	_, v := decodeWire(t, reg.URL(), ms[0].Value)
	if got := asJSON(t, k); got != `{"databaseName":"inventory"}` {
		t.Errorf("key %s", got)
	}
	if got := asJSON(t, v); got != `{"databaseName":"inventory","ddl":"ALTER TABLE customers ADD c int","ts_ms":1714558530321}` {
		t.Errorf("value %s", got)
	}
	// A second message reuses the registered schemas.
	if _, err := a.Encode(nil, testMessage()); err != nil {
		t.Fatal(err)
	}
	if n := len(a.messages); n != 2 {
		t.Errorf("%d cached message codecs, want 2 (key and value)", n)
	}
}
