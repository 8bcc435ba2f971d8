package schema

import (
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestJSONHeartbeat checks a heartbeat record against the one real
// Debezium 3.6.1 (PostgresConnector on Kafka Connect 4.3.0, JsonConverter
// with schemas, heartbeat.interval.ms=1000, topic.prefix heartbeat_dbz1)
// wrote, byte for byte: topic __debezium-heartbeat.<topic.prefix>, no
// headers (not even the context headers), key ServerNameKey, value
// Heartbeat with the time it was made.
func TestJSONHeartbeat(t *testing.T) {
	ctx := ContextHeaders("heartbeat_dbz1", "0", "postgresql", "run")
	hb := change.NewHeartbeat(change.HeartbeatTopic("", change.DefaultHeartbeatPrefix, "heartbeat_dbz1"), "heartbeat_dbz1",
		time.UnixMilli(1796205454791), change.Position{Tx: 41, Last: true})
	ms, err := NewJSON(JSONOptions{TopicPrefix: "heartbeat_dbz1", KeySchemas: true, ValueSchemas: true, Headers: ctx}).Encode(nil, hb)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("%d records, want 1", len(ms))
	}
	m := ms[0]
	if m.Topic != "__debezium-heartbeat.heartbeat_dbz1" {
		t.Errorf("topic %q, want __debezium-heartbeat.heartbeat_dbz1", m.Topic)
	}
	if len(m.Headers) != 0 {
		t.Errorf("headers %v, want none", m.Headers)
	}
	wantKey := `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],"optional":false,"name":"io.debezium.connector.common.ServerNameKey","version":1},"payload":{"serverName":"heartbeat_dbz1"}}`
	wantValue := `{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.Heartbeat","version":1},"payload":{"ts_ms":1796205454791}}`
	if string(m.Key) != wantKey {
		t.Errorf("key\n got %s\nwant %s", m.Key, wantKey)
	}
	if string(m.Value) != wantValue {
		t.Errorf("value\n got %s\nwant %s", m.Value, wantValue)
	}

	// Without schemas, and with topic.heartbeat.name naming the topic.
	hb = change.NewHeartbeat(change.HeartbeatTopic("shared-heartbeats", "ignored", "dbserver1"), "dbserver1", time.UnixMilli(1714558530123), change.Position{})
	ms, err = NewJSON(JSONOptions{TopicPrefix: "dbserver1"}).Encode(nil, hb)
	if err != nil {
		t.Fatal(err)
	}
	if got := ms[0].Topic + " " + string(ms[0].Key) + " " + string(ms[0].Value); got != `shared-heartbeats {"serverName":"dbserver1"} {"ts_ms":1714558530123}` {
		t.Errorf("got %s", got)
	}
}

// TestAvroHeartbeat checks a heartbeat record in Avro: on the heartbeat
// topic, its key and value decoded with the schemas it registered.
func TestAvroHeartbeat(t *testing.T) {
	reg := fakeRegistry(t)
	r := newTestRegistry(t, reg.URL(), 0)
	a, err := NewAvro(avroOpts(r, r))
	if err != nil {
		t.Fatal(err)
	}
	hb := change.NewHeartbeat(change.HeartbeatTopic("", change.DefaultHeartbeatPrefix, "dbserver1"), "dbserver1", time.UnixMilli(1714558530123), change.Position{})
	ms, err := a.Encode(nil, hb)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Topic != "__debezium-heartbeat.dbserver1" {
		t.Fatalf("records %+v", ms)
	}
	_, k := decodeWire(t, reg.URL(), ms[0].Key)
	_, v := decodeWire(t, reg.URL(), ms[0].Value)
	if got := asJSON(t, k); got != `{"serverName":"dbserver1"}` {
		t.Errorf("key %s", got)
	}
	if got := asJSON(t, v); got != `{"ts_ms":1714558530123}` {
		t.Errorf("value %s", got)
	}
}
