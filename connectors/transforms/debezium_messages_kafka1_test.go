package transforms

import (
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestKafkaSMTsOnHeartbeats runs the chains users put on data records over
// a Debezium heartbeat record (key ServerNameKey, value Heartbeat), which
// reaches the same chain: what passes and what fails as in Kafka Connect.
func TestKafkaSMTsOnHeartbeats(t *testing.T) {
	ev := change.NewHeartbeat("__debezium-heartbeat.pg", "pg", time.UnixMilli(1700000000000), change.Position{})
	m := ev.Message
	hb := func() *change.Record {
		return &change.Record{Topic: m.Topic, Partition: change.NoPartition, KeySchema: m.KeySchema, Key: m.Key, ValueSchema: m.ValueSchema, Value: m.Value}
	}
	runCases(t, []transformCase{
		{"routed", "RegexRouter", map[string]string{"regex": "__debezium-heartbeat\\.(.*)", "replacement": "hb-$1"}, hb(), func() *change.Record {
			r := hb()
			r.Topic = "hb-pg"
			return r
		}()},
		{"static field", "InsertField$Value", map[string]string{"static.field": "origin", "static.value": "pg"}, hb(), func() *change.Record {
			r := hb()
			r.ValueSchema = &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.Heartbeat", Version: 1,
				Fields: []change.Field{{Name: "ts_ms", Type: change.Int64}, {Name: "origin", Type: change.String, Optional: true}}}
			r.Value = change.StructValue{int64(1700000000000), "pg"}
			return r
		}()},
		{"key extracted", "ExtractField$Key", map[string]string{"field": "serverName"}, hb(), withKey(hb(), &change.Field{Type: change.String}, "pg")},
	})
	runErrCases(t, []errCase{
		// The usual ExtractField$Value field=after fails on a heartbeat.
		{"after", "ExtractField$Value", map[string]string{"field": "after"}, hb(), "Unknown field: after"},
		{"value to key", "ValueToKey", map[string]string{"fields": "id"}, hb(), "Field does not exist: id"},
	})
}
