package transforms

import (
	"math"

	"github.com/sluicecdc/sluice/connectors/change"
)

// dbzTable is a Postgres table as Debezium describes it: id int4 key,
// name text, born date (io.debezium.time.Date), seen timestamptz
// (io.debezium.time.ZonedTimestamp), at timestamp(3)
// (io.debezium.time.Timestamp), qty int2 with default 7.
var dbzColumns = []change.Field{
	{Name: "id", Type: change.Int32},
	{Name: "name", Type: change.String, Optional: true},
	{Name: "born", Type: change.Int32, Optional: true, Logical: "io.debezium.time.Date", Version: 1},
	{Name: "seen", Type: change.String, Optional: true, Logical: "io.debezium.time.ZonedTimestamp", Version: 1},
	{Name: "at", Type: change.Int64, Optional: true, Logical: "io.debezium.time.Timestamp", Version: 1},
	{Name: "qty", Type: change.Int16, Optional: true, Default: int16(7)},
}

var dbzSource = change.Field{Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Fields: []change.Field{
	{Name: "version", Type: change.String},
	{Name: "connector", Type: change.String},
	{Name: "name", Type: change.String},
	{Name: "ts_ms", Type: change.Int64},
	{Name: "db", Type: change.String},
	{Name: "table", Type: change.String},
	{Name: "lsn", Type: change.Int64, Optional: true},
}}

var dbzTransaction = change.Field{Name: "transaction", Type: change.Struct, Optional: true, Logical: "event.block", Version: 1, Fields: []change.Field{
	{Name: "id", Type: change.String},
	{Name: "total_order", Type: change.Int64},
	{Name: "data_collection_order", Type: change.Int64},
}}

// dbzRecord returns a Debezium change record of pg.public.items: op, and
// the before and after rows (nil for none).
func dbzRecord(op string, before, after change.StructValue) *change.Record {
	topic := "pg.public.items"
	row := change.Field{Type: change.Struct, Optional: true, Logical: topic + ".Value", Fields: dbzColumns}
	b, a := row, row
	b.Name, a.Name = "before", "after"
	env := &change.Field{Type: change.Struct, Logical: topic + ".Envelope", Version: 2, Fields: []change.Field{
		b, a, dbzSource, dbzTransaction,
		{Name: "op", Type: change.String},
		{Name: "ts_ms", Type: change.Int64, Optional: true},
		{Name: "ts_us", Type: change.Int64, Optional: true},
		{Name: "ts_ns", Type: change.Int64, Optional: true},
	}}
	key := &change.Field{Type: change.Struct, Logical: topic + ".Key", Fields: dbzColumns[:1]}
	id := after
	if id == nil {
		id = before
	}
	var beforeV, afterV any
	if before != nil {
		beforeV = before
	}
	if after != nil {
		afterV = after
	}
	src := change.StructValue{"3.6.1.Final", "postgresql", "pg", int64(1700000000000), "db", "items", int64(123)}
	return &change.Record{
		Topic: topic, Partition: change.NoPartition,
		KeySchema: key, Key: change.StructValue{id[0]},
		ValueSchema: env,
		Value:       change.StructValue{beforeV, afterV, src, nil, op, int64(1700000000001), int64(1700000000001000), int64(1700000000001000000)},
	}
}

// dbzRow is a row of pg.public.items.
func dbzRow(id int32, name any) change.StructValue {
	return change.StructValue{id, name, int32(19724), "2024-01-02T10:11:12.123456Z", int64(1704190272123), int16(3)}
}

func float64FromBits(b uint64) float64 { return math.Float64frombits(b) }

func posInf() float64 { return math.Inf(1) }
