package transforms

import (
	"reflect"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Records shaped as Debezium's Postgres connector writes them for a table
// public.orders (id int primary key, name text default 'none', qty int,
// data bytea) under topic prefix "pg": the key struct pg.public.orders.Key,
// the envelope pg.public.orders.Envelope (version 2) with before/after
// pg.public.orders.Value, source, transaction, op, ts_ms, ts_us, ts_ns.

var fxKey = change.Field{Type: change.Struct, Logical: "pg.public.orders.Key",
	Fields: []change.Field{{Name: "id", Type: change.Int32}}}

var fxColumns = []change.Field{
	{Name: "id", Type: change.Int32},
	{Name: "name", Type: change.String, Optional: true, Default: "none"},
	{Name: "qty", Type: change.Int32, Optional: true},
	{Name: "data", Type: change.Bytes, Optional: true},
}

var fxSource = change.Field{Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Version: 1,
	Fields: []change.Field{
		{Name: "version", Type: change.String},
		{Name: "connector", Type: change.String},
		{Name: "name", Type: change.String},
		{Name: "ts_ms", Type: change.Int64},
		{Name: "snapshot", Type: change.String, Optional: true, Logical: "io.debezium.data.Enum", Version: 1,
			Params: []change.Param{{Key: "allowed", Value: "true,first,last,false,incremental"}}, Default: "false"},
		{Name: "db", Type: change.String},
		{Name: "schema", Type: change.String},
		{Name: "table", Type: change.String},
		{Name: "txId", Type: change.Int64, Optional: true},
		{Name: "lsn", Type: change.Int64, Optional: true},
	}}

var fxTransaction = change.Field{Name: "transaction", Type: change.Struct, Optional: true, Logical: "event.block", Version: 1,
	Fields: []change.Field{
		{Name: "id", Type: change.String},
		{Name: "total_order", Type: change.Int64},
		{Name: "data_collection_order", Type: change.Int64},
	}}

// fxRow is the row schema as a schema of its own (Name cleared), as the
// transforms return it for the tombstone mode.
var fxRow = change.Field{Type: change.Struct, Optional: true, Logical: "pg.public.orders.Value", Fields: fxColumns}

var fxEnvelope = func() change.Field {
	before, after := fxRow, fxRow
	before.Name, after.Name = "before", "after"
	return change.Field{Type: change.Struct, Logical: "pg.public.orders.Envelope", Version: 2,
		Fields: []change.Field{before, after, fxSource, fxTransaction,
			{Name: "op", Type: change.String},
			{Name: "ts_ms", Type: change.Int64, Optional: true},
			{Name: "ts_us", Type: change.Int64, Optional: true},
			{Name: "ts_ns", Type: change.Int64, Optional: true},
		}}
}()

var fxTime = time.Unix(1700000000, 0)

// fxEvent returns a change event record; before and after are
// change.StructValue or nil, tx the transaction block or nil.
func fxEvent(op string, before, after, tx any) *change.Record {
	src := change.StructValue{"3.6.1.Final", "postgresql", "pg", int64(1000), "false", "db", "public", "orders", int64(7), int64(4242)}
	id := int32(1)
	if r, ok := after.(change.StructValue); ok {
		id = r[0].(int32)
	} else if r, ok := before.(change.StructValue); ok {
		id = r[0].(int32)
	}
	return &change.Record{Topic: "pg.public.orders", Partition: change.NoPartition,
		KeySchema: &fxKey, Key: change.StructValue{id},
		ValueSchema: &fxEnvelope, Value: change.StructValue{before, after, src, tx, op, int64(2000), int64(2000000), int64(2000000000)},
		Timestamp: fxTime,
		Headers:   []change.RecordHeader{{Key: "src", Raw: []byte("x")}}}
}

// fxTombstone is the tombstone Debezium writes after a delete.
func fxTombstone() *change.Record {
	return &change.Record{Topic: "pg.public.orders", Partition: change.NoPartition,
		KeySchema: &fxKey, Key: change.StructValue{int32(1)}, Timestamp: fxTime}
}

// fxOther is a record of another kind: a heartbeat, schema change or
// transaction record.
func fxOther(schemaName string) *change.Record {
	s := &change.Field{Type: change.Struct, Logical: schemaName, Fields: []change.Field{{Name: "ts_ms", Type: change.Int64}}}
	return &change.Record{Topic: "other", Partition: change.NoPartition, ValueSchema: s, Value: change.StructValue{int64(5)}}
}

// fxFlat is the flattened row schema ExtractNewRecordState writes for
// inserts and updates: the row's basics, required, plus extra members.
func fxFlat(extra ...change.Field) *change.Field {
	f := &change.Field{Type: change.Struct, Logical: "pg.public.orders.Value", Fields: append(append([]change.Field{}, fxColumns...), extra...)}
	return f
}

// row values.
var (
	fxRow1  = change.StructValue{int32(1), "apple", int32(3), []byte{1, 2}}
	fxRow1b = change.StructValue{int32(1), "apple", int32(4), []byte{1, 2}}
	fxRowN  = change.StructValue{int32(1), nil, nil, nil} // nulls; name has a default
	fxTx    = change.StructValue{"7:4242", int64(3), int64(1)}
)

// dbzDeepCopyRecord copies r's values and headers, to check that a transform
// wrote into none of them.
func dbzDeepCopyRecord(r *change.Record) *change.Record {
	if r == nil {
		return nil
	}
	c := *r
	c.Key, c.Value = dbzDeepCopyValue(r.Key), dbzDeepCopyValue(r.Value)
	c.Headers = append([]change.RecordHeader(nil), r.Headers...)
	for i := range c.Headers {
		c.Headers[i].Value = dbzDeepCopyValue(c.Headers[i].Value)
	}
	if r.ValueSchema != nil {
		s := *r.ValueSchema
		s.Fields = append([]change.Field(nil), s.Fields...)
		c.ValueSchema = &s
	}
	return &c
}

func dbzDeepCopyValue(v any) any {
	switch x := v.(type) {
	case change.StructValue:
		out := make(change.StructValue, len(x))
		for i := range x {
			out[i] = dbzDeepCopyValue(x[i])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = dbzDeepCopyValue(x[i])
		}
		return out
	case []byte:
		return append([]byte(nil), x...)
	}
	return v
}

// dbzApplyUnchangedInput applies tr to in and fails the test when in changed.
func dbzApplyUnchangedInput(t *testing.T, tr Transform, in *change.Record) (*change.Record, error) {
	t.Helper()
	before := dbzDeepCopyRecord(in)
	out, err := tr.Apply(in)
	if !reflect.DeepEqual(before, dbzDeepCopyRecord(in)) {
		t.Errorf("the input record changed:\n was %+v\n now %+v", before, in)
	}
	return out, err
}

func dbzNegZero() float64 { z := 0.0; return -z }

func dbzNaN() float64 { z := 0.0; return z / z }
