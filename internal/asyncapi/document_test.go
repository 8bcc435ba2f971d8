package asyncapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	checker "github.com/sluicecdc/sluice/integration/asyncapi"
	"github.com/sluicecdc/sluice/schema"
)

// testChannel is a table channel with most of the Connect types and
// Debezium's logical types, keyed by id, as the runtime notes it.
func testChannel() Channel {
	cols := []change.Field{
		{Name: "id", Type: change.Int32},
		{Name: "small", Type: change.Int16, Optional: true},
		{Name: "big", Type: change.Int64, Optional: true},
		{Name: "ratio", Type: change.Float64, Optional: true},
		{Name: "ok", Type: change.Boolean, Optional: true},
		{Name: "name", Type: change.String},
		{Name: "raw", Type: change.Bytes, Optional: true},
		{Name: "price", Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
			Params: []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}},
		{Name: "at", Type: change.String, Optional: true, Logical: "io.debezium.time.ZonedTimestamp", Version: 1},
		{Name: "ts", Type: change.Int64, Optional: true, Logical: "io.debezium.time.MicroTimestamp", Version: 1},
		{Name: "d", Type: change.Int32, Optional: true, Logical: "io.debezium.time.Date", Version: 1},
		{Name: "tag", Type: change.String, Optional: true, Logical: "io.debezium.data.Uuid", Version: 1},
		{Name: "size", Type: change.String, Optional: true, Logical: "io.debezium.data.Enum", Version: 1,
			Params: []change.Param{{Key: "allowed", Value: "S,M,L"}}},
		{Name: "tags", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String, Optional: true}},
		{Name: "attrs", Type: change.Map, Optional: true, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.Int32}},
	}
	t := &change.TableSchema{ID: change.TableID{Namespace: "public", Name: "items"}, Version: 3, Columns: cols, Key: []int{0}}
	// The records' schemas, as the encoder gives them.
	enc := schema.NewJSON(schema.JSONOptions{TopicPrefix: "inv", KeySchemas: true, ValueSchemas: true, Tombstones: true})
	src := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source",
		Fields: []change.Field{{Name: "db", Type: change.String}, {Name: "lsn", Type: change.Int64, Optional: true}}}
	row := make(change.Row, len(cols))
	row[0], row[5] = int32(1), "x"
	recs, err := enc.Records(nil, &change.Event{Op: change.OpCreate, Table: t, After: row,
		Source: change.StructValue{"db", nil}, SourceSchema: src})
	if err != nil || len(recs) != 1 {
		panic(err)
	}
	return Channel{Topic: recs[0].Topic, Table: "public.items", Version: 3, Key: recs[0].KeySchema, Value: recs[0].ValueSchema,
		Tombstones: true, Headers: []string{schema.VersionHeader}}
}

// TestDocumentValid checks documents against the official AsyncAPI parser
// (integration/asyncapi; it needs Node.js), each message's example
// against its own payload schema, and YAML against JSON.
func TestDocumentValid(t *testing.T) {
	ch := testChannel()
	hb := Channel{Topic: "__debezium-heartbeat.inv",
		Key:   &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.ServerNameKey", Fields: []change.Field{{Name: "serverName", Type: change.String}}},
		Value: &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.Heartbeat", Fields: []change.Field{{Name: "ts_ms", Type: change.Int64}}}}
	for _, tc := range []struct {
		name       string
		key, value Format
		srv        Server
	}{
		{"json with schemas", Format{Schemas: true}, Format{Schemas: true}, Server{Hosts: []string{"127.0.0.1:9092"}}},
		{"json without schemas", Format{}, Format{}, Server{Hosts: []string{"a:9093", "b:9093"}, TLS: true, SASLMechanism: "SCRAM-SHA-512"}},
		{"avro", Format{Avro: true, RegistryURL: "http://127.0.0.1:8081"}, Format{Avro: true, RegistryURL: "http://127.0.0.1:8081"},
			Server{Hosts: []string{"127.0.0.1:9092"}, TLS: true, ClientCert: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Connector{Name: "inv", Class: "io.debezium.connector.postgresql.PostgresConnector", Source: "PostgreSQL database app on db:5432",
				Generation: 4, Key: tc.key, Value: tc.value, Channels: []Channel{ch, hb}}
			doc, err := Document("1.0.0", tc.srv, c)
			if err != nil {
				t.Fatal(err)
			}
			j, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			// Each example is a record its channel accepts.
			var samples []checker.Sample
			for id, v := range doc["channels"].(map[string]any) {
				msg := v.(map[string]any)["messages"].(map[string]any)["record"].(map[string]any)
				if ex, ok := msg["examples"].([]any); ok {
					samples = append(samples, checker.Sample{Channel: id, Payload: ex[0].(map[string]any)["payload"]})
				}
			}
			if !tc.value.Avro && len(samples) != 2 {
				t.Errorf("%d examples, want 2", len(samples))
			}
			res := checker.Validate(t, j, samples)
			for _, d := range res.Diagnostics {
				t.Logf("%s %s at %s: %s", d.Severity, d.Code, d.Path, d.Message)
			}
			if !res.Valid {
				t.Fatalf("not valid: %s", j)
			}
			for _, s := range res.Samples {
				if !s.OK {
					t.Errorf("the example of %s fails its schema: %v", s.Channel, s.Errors)
				}
			}
			y, err := YAML(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(y), "asyncapi: 3.0.0\n") {
				t.Errorf("YAML starts %.60q", y)
			}
			if res := checker.Validate(t, y, samples); !res.Valid {
				t.Errorf("the YAML is not valid: %v", res.Diagnostics)
			}
		})
	}
}

// TestJSONSchemaRejects checks that the payload schemas are exact: a
// record with a missing or extra column, a wrong type or an out of range
// number is refused.
func TestJSONSchemaRejects(t *testing.T) {
	ch := testChannel()
	c := Connector{Name: "inv", Generation: 1, Channels: []Channel{ch}}
	doc, err := Document("1.0.0", Server{}, c)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(doc)
	good := exampleValue(ch.Value).(map[string]any)
	after := func(edit func(a map[string]any)) any {
		b, _ := json.Marshal(good)
		var v map[string]any
		_ = json.Unmarshal(b, &v)
		edit(v["after"].(map[string]any))
		return v
	}
	samples := []checker.Sample{
		{Channel: ch.Topic, Payload: good},
		{Channel: ch.Topic, Payload: nil}, // a tombstone
		{Channel: ch.Topic, Payload: after(func(a map[string]any) { delete(a, "name") })},
		{Channel: ch.Topic, Payload: after(func(a map[string]any) { a["extra"] = 1 })},
		{Channel: ch.Topic, Payload: after(func(a map[string]any) { a["id"] = "1" })},
		{Channel: ch.Topic, Payload: after(func(a map[string]any) { a["small"] = 70000 })},
		{Channel: ch.Topic, Payload: after(func(a map[string]any) { a["size"] = "XL" })},
		{Channel: ch.Topic, Payload: after(func(a map[string]any) { a["name"] = nil })},
	}
	res := checker.Validate(t, j, samples)
	if !res.Valid || len(res.Samples) != len(samples) {
		t.Fatalf("valid %v, %d samples checked: %v", res.Valid, len(res.Samples), res.Diagnostics)
	}
	for i, s := range res.Samples {
		if want := i < 2; s.OK != want {
			t.Errorf("sample %d: ok %v, want %v (%v)", i, s.OK, want, s.Errors)
		}
	}
}
