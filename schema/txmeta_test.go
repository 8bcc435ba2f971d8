package schema

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

// txEvents returns a two-event source transaction as a source with
// provide.transaction.metadata=true hands it over: BEGIN on the first event,
// END on the last, a transaction block on each.
func txEvents() []*change.Event {
	m := txmeta.New(txmeta.DefaultTopic)
	ts := time.UnixMilli(1486500577125)
	var evs []*change.Event
	for i, id := range []string{"571:53195830", "571:53195831"} {
		ev := event(customers(), change.OpCreate, nil, anne())
		tot, co := m.Count("public.customers")
		ev.Tx = txmeta.Block(id, tot, co)
		if i == 0 {
			ev.TxBegin = m.Begin("571:53195829", ts)
		}
		evs = append(evs, ev)
	}
	evs[1].TxEnd = m.End("571:53195832", ts.Add(566*time.Millisecond))
	return evs
}

func TestJSONTransactionMetadata(t *testing.T) {
	j := NewJSON(opts())
	var ms []Message
	var err error
	for _, ev := range txEvents() {
		if ms, err = j.Encode(ms, ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(ms) != 4 {
		t.Fatalf("%d records, want BEGIN, 2 events, END", len(ms))
	}
	want := []struct{ topic, key, value string }{
		{"dbserver1.transaction", `{"id":"571:53195829"}`, `{"status":"BEGIN","id":"571:53195829","event_count":null,"data_collections":null,"ts_ms":1486500577125}`},
		{"dbserver1.public.customers", `{"id":1}`, `"transaction":{"id":"571:53195830","total_order":1,"data_collection_order":1},"op":"c"`},
		{"dbserver1.public.customers", `{"id":1}`, `"transaction":{"id":"571:53195831","total_order":2,"data_collection_order":2},"op":"c"`},
		{"dbserver1.transaction", `{"id":"571:53195832"}`, `{"status":"END","id":"571:53195832","event_count":2,"data_collections":[{"data_collection":"public.customers","event_count":2}],"ts_ms":1486500577691}`},
	}
	for i, w := range want {
		m := ms[i]
		if m.Topic != w.topic || string(m.Key) != w.key || !strings.Contains(string(m.Value), w.value) {
			t.Errorf("record %d: %s %s %s\nwant %s %s …%s…", i, m.Topic, m.Key, m.Value, w.topic, w.key, w.value)
		}
	}
	// An event without the block keeps "transaction":null.
	plain, err := j.Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil || !strings.Contains(string(plain[0].Value), `"transaction":null,"op":"c"`) {
		t.Errorf("plain event %s %v", plain[0].Value, err)
	}

	// With schemas: the transaction value's schema is Debezium's.
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	ms, err = NewJSON(o).Encode(nil, txEvents()[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d records, want the event and END", len(ms))
	}
	wantSchema := `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},{"type":"string","optional":false,"field":"id"},` +
		`{"type":"int64","optional":true,"field":"event_count"},{"type":"array","items":{"type":"struct","fields":[{"type":"string","optional":false,"field":"data_collection"},` +
		`{"type":"int64","optional":false,"field":"event_count"}],"optional":true,"name":"event.collection","version":1},"optional":true,"field":"data_collections"},` +
		`{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataValue","version":1},` +
		`"payload":{"status":"END","id":"571:53195832","event_count":2,"data_collections":[{"data_collection":"public.customers","event_count":2}],"ts_ms":1486500577691}}`
	if got := string(ms[1].Value); got != wantSchema {
		t.Errorf("END with schema\n got %s\nwant %s", got, wantSchema)
	}
	var env struct {
		Payload struct {
			Transaction map[string]any `json:"transaction"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(ms[0].Value, &env); err != nil || env.Payload.Transaction["id"] != "571:53195831" {
		t.Errorf("event with schema: %v %s", err, ms[0].Value)
	}
}

func TestAvroTransactionMetadata(t *testing.T) {
	reg := fakeRegistry(t)
	r := newTestRegistry(t, reg.URL(), 0)
	a, err := NewAvro(avroOpts(r, r))
	if err != nil {
		t.Fatal(err)
	}
	var ms []Message
	for _, ev := range txEvents() {
		if ms, err = a.Encode(ms, ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(ms) != 4 {
		t.Fatalf("%d records, want 4", len(ms))
	}
	_, begin := decodeWire(t, reg.URL(), ms[0].Value)
	_, ev := decodeWire(t, reg.URL(), ms[2].Value)
	_, end := decodeWire(t, reg.URL(), ms[3].Value)
	if got := asJSON(t, begin); !strings.Contains(got, `"status":"BEGIN"`) || !strings.Contains(got, `"data_collections":null`) {
		t.Errorf("BEGIN %s", got)
	}
	if got := asJSON(t, ev); !strings.Contains(got, `"transaction":{"data_collection_order":2,"id":"571:53195831","total_order":2}`) {
		t.Errorf("event %s", got)
	}
	if got := asJSON(t, end); !strings.Contains(got, `"data_collections":[{"data_collection":"public.customers","event_count":2}]`) || !strings.Contains(got, `"event_count":2`) {
		t.Errorf("END %s", got)
	}
	if ms[0].Topic != "dbserver1.transaction" || ms[3].Topic != "dbserver1.transaction" {
		t.Errorf("topics %s %s", ms[0].Topic, ms[3].Topic)
	}
}

// TestTransactionRecordsAroundMessages checks that a message event (a Postgres
// logical decoding message, or a transaction without captured events whose
// only record is its BEGIN) carries its BEGIN and END records too.
func TestTransactionRecordsAroundMessages(t *testing.T) {
	m := txmeta.New(txmeta.DefaultTopic)
	ts := time.UnixMilli(1486500577125)
	ev := testMessage()
	ev.TxBegin = m.Begin("9:1", ts)
	ev.TxEnd = m.End("9:2", ts)
	reg := fakeRegistry(t)
	r := newTestRegistry(t, reg.URL(), 0)
	a, err := NewAvro(avroOpts(r, r))
	if err != nil {
		t.Fatal(err)
	}
	for name, enc := range map[string]interface {
		Encode([]Message, *change.Event) ([]Message, error)
	}{"json": NewJSON(opts()), "avro": a} {
		ms, err := enc.Encode(nil, ev)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ms) != 3 || ms[0].Topic != "dbserver1.transaction" || ms[1].Topic != "dbserver1" || ms[2].Topic != "dbserver1.transaction" {
			t.Errorf("%s: %d records %+v, want BEGIN, the message, END", name, len(ms), ms)
		}
	}
}
