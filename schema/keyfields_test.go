package schema

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestKeyFieldsKeepMapperParamsOffTheKey checks that a table whose value
// fields carry column-mapper parameters (column.propagate.source.type) has
// a key schema built from TableSchema.KeyFields, without them, as Debezium's.
func TestKeyFieldsKeepMapperParamsOffTheKey(t *testing.T) {
	ts := customers()
	ts.KeyFields = []change.Field{ts.Columns[0]}
	ts.Columns[0].Params = []change.Param{{Key: "__debezium.source.column.type", Value: "INT4"}}
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	msgs, err := NewJSON(o).Encode(nil, event(ts, change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	wantKey := `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"default":0,"field":"id"}],"optional":false,"name":"dbserver1.public.customers.Key"},"payload":{"id":1}}`
	if got := string(msgs[0].Key); got != wantKey {
		t.Errorf("key\n got %s\nwant %s", got, wantKey)
	}
	if !strings.Contains(string(msgs[0].Value), `"parameters":{"__debezium.source.column.type":"INT4"},"default":0,"field":"id"`) {
		t.Errorf("the value's id field lost its parameter: %s", msgs[0].Value[:300])
	}
}

// TestKeyFromEvent checks a table whose key values come with the event
// (a key column the value leaves out): the key is Event.KeyRow laid out by
// KeyFields, the value has no such column, and the tombstone keeps the key.
func TestKeyFromEvent(t *testing.T) {
	ts := customers()
	ts.KeyFields = []change.Field{ts.Columns[0]}
	ts.Columns = ts.Columns[1:] // id left out of the value
	ts.Key, ts.KeyFromEvent = nil, true
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	ev := event(ts, change.OpDelete, anne()[1:], nil)
	ev.KeyRow = change.Row{int32(7)}
	msgs, err := NewJSON(o).Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	wantKey := `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"default":0,"field":"id"}],"optional":false,"name":"dbserver1.public.customers.Key"},"payload":{"id":7}}`
	if len(msgs) != 2 || string(msgs[0].Key) != wantKey || string(msgs[1].Key) != wantKey || msgs[1].Value != nil {
		t.Fatalf("got %d messages, key %s", len(msgs), msgs[0].Key)
	}
	if !strings.Contains(string(msgs[0].Value), `"payload":{"before":{"name":"Anne",`) {
		t.Errorf("the value has the left-out column: %s", msgs[0].Value)
	}
	// Without schemas, and a truncate (null key).
	o.KeySchemas, o.ValueSchemas = false, false
	if msgs, err = NewJSON(o).Encode(nil, ev); err != nil || string(msgs[0].Key) != `{"id":7}` {
		t.Errorf("key %s, err %v", msgs[0].Key, err)
	}
	tr := event(ts, change.OpTruncate, nil, nil)
	if msgs, err = NewJSON(o).Encode(nil, tr); err != nil || msgs[0].Key != nil {
		t.Errorf("truncate key %s, err %v", msgs[0].Key, err)
	}
}

// TestAvroKeyFromEvent is TestKeyFromEvent for the Avro converter.
func TestAvroKeyFromEvent(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	ts := customers()
	ts.KeyFields = []change.Field{ts.Columns[0]}
	ts.Columns = ts.Columns[1:]
	ts.Key, ts.KeyFromEvent = nil, true
	ev := event(ts, change.OpCreate, nil, anne()[1:])
	ev.KeyRow = change.Row{int32(7)}
	msgs, err := a.Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, key := decodeWire(t, fake.URL(), msgs[0].Key); asJSON(t, key) != `{"id":7}` {
		t.Errorf("key %s", asJSON(t, key))
	}
}
