package schema

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Debezium's context headers (DebeziumHeaders, 3.2.1 and later), which it
// adds to every data record, tombstone and schema-change record when
// extended.headers.enabled is true (its default). Heartbeats and
// transaction-metadata records carry none.
const (
	HeaderConnectorLogicalName = "__debezium.context.connectorLogicalName"
	HeaderTaskID               = "__debezium.context.taskId"
	HeaderConnectorName        = "__debezium.context.connectorName"
	HeaderRunID                = "__debezium.context.runId"
)

// ContextHeaders returns Debezium's context headers in the order Debezium
// adds them: the connector's logical name (topic.prefix), the task id
// ("0": one task per connector), the connector's Debezium module name
// ("postgresql", "mysql", "mariadb") and the run id, a UUID new for every
// start of the task. Values are the strings' UTF-8 bytes, as Kafka
// Connect's default SimpleHeaderConverter writes a STRING header.
//
// Build them once per run of a connector and pass them in JSONOptions or
// AvroOptions: every record then shares them.
func ContextHeaders(logicalName, taskID, connectorName, runID string) []change.Header {
	h := []change.Header{
		{Key: HeaderConnectorLogicalName, Value: []byte(logicalName)},
		{Key: HeaderTaskID, Value: []byte(taskID)},
		{Key: HeaderConnectorName, Value: []byte(connectorName)},
		{Key: HeaderRunID, Value: []byte(runID)},
	}
	return h[:len(h):len(h)]
}

// NewRunID returns a run id as Debezium makes one (UUIDUtils): a version 7
// UUID of the current time in its canonical text form, so that later runs
// sort after earlier ones.
func NewRunID(now time.Time) string {
	var u [16]byte
	_, _ = rand.Read(u[6:]) // crypto/rand.Read never fails (Go 1.24+)
	ms := uint64(now.UnixMilli())
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 9562 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}
