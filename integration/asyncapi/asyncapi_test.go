package asyncapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// doc is a small AsyncAPI 3.0 document: one Kafka server, one topic, one send
// operation, one Debezium-like change message with a Kafka key.
const doc = `{
  "asyncapi": "3.0.0",
  "info": {"title": "sluice test", "version": "1.0.0"},
  "servers": {
    "kafka": {
      "host": "localhost:9092",
      "protocol": "kafka",
      "bindings": {"kafka": {"schemaRegistryUrl": "http://localhost:8081", "bindingVersion": "0.5.0"}}
    }
  },
  "channels": {
    "customers": {
      "address": "pg.public.customers",
      "messages": {
        "change": {
          "contentType": "application/json",
          "payload": {
            "type": "object",
            "required": ["op", "ts_ms"],
            "properties": {
              "before": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/row"}]},
              "after": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/row"}]},
              "op": {"type": "string", "enum": ["c", "u", "d", "r"]},
              "ts_ms": {"type": "integer"}
            },
            "x-sluice-table": "public.customers"
          },
          "bindings": {
            "kafka": {
              "key": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
              "bindingVersion": "0.5.0"
            }
          }
        }
      }
    }
  },
  "operations": {
    "sendCustomers": {
      "action": "send",
      "channel": {"$ref": "#/channels/customers"},
      "messages": [{"$ref": "#/channels/customers/messages/change"}]
    }
  },
  "components": {
    "schemas": {
      "row": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}, "email": {"type": ["string", "null"], "format": "email"}}
      }
    }
  }
}`

// edit returns doc with the JSON value at path (object keys) set to v.
func edit(t *testing.T, src string, v any, path ...string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	obj := m
	for _, k := range path[:len(path)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			t.Fatalf("no object at %q in %v", k, path)
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasError(r Result, code string) bool {
	for _, d := range r.Errors() {
		if code == "" || d.Code == code {
			return true
		}
	}
	return false
}

func TestValidDocAndSamples(t *testing.T) {
	t.Parallel()
	r := Validate(t, []byte(doc), []Sample{
		{Channel: "customers", Key: map[string]any{"id": 1},
			Payload: json.RawMessage(`{"before": null, "after": {"id": 1, "email": "a@example.com"}, "op": "c", "ts_ms": 1}`)},
		{Channel: "customers", Key: map[string]any{"id": 1},
			Payload: json.RawMessage(`{"before": {"id": 1}, "after": null, "op": 1, "ts_ms": 2}`)},
		{Channel: "customers", Key: map[string]any{"id": "one"},
			Payload: json.RawMessage(`{"before": null, "after": {"id": 1}, "op": "c", "ts_ms": 3}`)},
		{Channel: "customers",
			Payload: json.RawMessage(`{"before": null, "after": {"id": 1, "email": "not an address"}, "op": "c", "ts_ms": 4}`)},
		{Channel: "nosuch", Payload: map[string]any{}},
	})
	for _, d := range r.Diagnostics {
		t.Logf("diagnostic: %+v", d)
	}
	if !r.Valid || hasError(r, "") {
		t.Fatalf("valid doc: got valid=%v, errors %+v", r.Valid, r.Errors())
	}
	want := []struct {
		ok     bool
		errSub string
	}{
		{true, ""},
		{false, "payload: /op must be string"},
		{false, "key: /id must be integer"},
		{false, `payload: /after/email must match format "email"`},
		{false, `no channel "nosuch"`},
	}
	for i, w := range want {
		s := r.Samples[i]
		if s.Line != i+1 || s.OK != w.ok || !strings.Contains(strings.Join(s.Errors, "\n"), w.errSub) {
			t.Errorf("sample %d: got %+v, want ok=%v with an error containing %q", i+1, s, w.ok, w.errSub)
		}
	}
}

func TestInvalidDoc(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		doc  []byte
		code string
	}{
		{"missing channel", edit(t, doc, map[string]any{"$ref": "#/channels/nosuch"}, "operations", "sendCustomers", "channel"), "invalid-ref"},
		{"bad action", edit(t, doc, "publish", "operations", "sendCustomers", "action"), "asyncapi-document-resolved"},
		{"unknown info field", edit(t, doc, "x", "info", "owner"), "asyncapi-document-resolved"},
		{"bad key schema", edit(t, doc, map[string]any{"type": "nosuchtype"},
			"channels", "customers", "messages", "change", "bindings", "kafka", "key"), "asyncapi-document-resolved"},
		{"not asyncapi", []byte(`{"openapi": "3.1.0"}`), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := Validate(t, c.doc, []Sample{{Channel: "customers", Payload: map[string]any{"op": "c", "ts_ms": 1}}})
			if r.Valid || !hasError(r, c.code) {
				t.Fatalf("got valid=%v, diagnostics %+v; want invalid with an error %q", r.Valid, r.Diagnostics, c.code)
			}
			if r.Samples[0].OK {
				t.Errorf("sample passed without a document: %+v", r.Samples[0])
			}
		})
	}
}

// avro is a record schema for the Avro Multi Format Schema Object.
const avro = `{
  "type": "record", "name": "Customer", "namespace": "pg.public",
  "fields": [
    {"name": "id", "type": "int"},
    {"name": "email", "type": ["null", "string"], "default": null}
  ]
}`

func avroDoc(t *testing.T, schema string) []byte {
	t.Helper()
	var s any
	if err := json.Unmarshal([]byte(schema), &s); err != nil {
		t.Fatal(err)
	}
	payload := map[string]any{"schemaFormat": "application/vnd.apache.avro;version=1.9.0", "schema": s}
	return edit(t, doc, payload, "channels", "customers", "messages", "change", "payload")
}

func TestAvroPayload(t *testing.T) {
	t.Parallel()
	r := Validate(t, avroDoc(t, avro), []Sample{
		{Channel: "customers", Key: map[string]any{"id": 1}, Payload: map[string]any{"id": 1}},
		{Channel: "customers", Key: map[string]any{"id": "one"}, Payload: map[string]any{"id": 1}},
	})
	if !r.Valid {
		t.Fatalf("avro doc: got invalid, diagnostics %+v", r.Diagnostics)
	}
	if s := r.Samples[0]; !s.OK || s.Skipped != "avro" {
		t.Errorf("avro payload: got %+v, want ok and skipped avro", s)
	}
	// The key is still JSON Schema and still checked.
	if s := r.Samples[1]; s.OK {
		t.Errorf("bad key beside an avro payload: got %+v, want a key error", s)
	}

	bad := strings.Replace(avro, `"type": "int"`, `"type": "nosuchtype"`, 1)
	r = Validate(t, avroDoc(t, bad), nil)
	if r.Valid || !hasError(r, "avro-schema") {
		t.Fatalf("broken avro: got valid=%v, diagnostics %+v; want an avro-schema error", r.Valid, r.Diagnostics)
	}
}
