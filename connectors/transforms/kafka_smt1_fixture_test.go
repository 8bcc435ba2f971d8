package transforms

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// A Debezium-shaped Postgres record of table public.orders on topic
// "pg.public.orders": key struct pg.public.orders.Key, value the version 2
// envelope whose before and after are pg.public.orders.Value.

var (
	ordersKeySchema = &change.Field{Type: change.Struct, Logical: "pg.public.orders.Key",
		Fields: []change.Field{{Name: "id", Type: change.Int32}}}
	ordersRow = change.Field{Type: change.Struct, Optional: true, Logical: "pg.public.orders.Value", Fields: []change.Field{
		{Name: "id", Type: change.Int32},
		{Name: "name", Type: change.String, Optional: true},
		{Name: "qty", Type: change.Int16, Optional: true, Default: int16(5)},
		{Name: "price", Type: change.Bytes, Optional: true, Logical: connectDecimal, Version: 1,
			Params: []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}},
		{Name: "day", Type: change.Int32, Optional: true, Logical: connectDate, Version: 1},
		{Name: "at", Type: change.Int64, Optional: true, Logical: connectTimestamp, Version: 1},
		{Name: "data", Type: change.Bytes, Optional: true},
		{Name: "tags", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String, Optional: true}},
		{Name: "ok", Type: change.Boolean, Optional: true},
		{Name: "score", Type: change.Float64, Optional: true},
		{Name: "dday", Type: change.Int32, Optional: true, Logical: "io.debezium.time.Date", Version: 1},
	}}
	ordersSource = change.Field{Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source",
		Fields: []change.Field{{Name: "version", Type: change.String}, {Name: "table", Type: change.String, Optional: true}}}
	ordersEnvelope = &change.Field{Type: change.Struct, Logical: "pg.public.orders.Envelope", Version: 2, Fields: []change.Field{
		named(ordersRow, "before"), named(ordersRow, "after"), ordersSource,
		{Name: "op", Type: change.String},
		{Name: "ts_ms", Type: change.Int64, Optional: true},
	}}
)

func named(f change.Field, name string) change.Field {
	f.Name = name
	return f
}

// ordersAfter is the after image of the fixture: id 7, name "ann", qty
// null (default 5), price 12.34, day 2024-01-01, at, data, tags, ok,
// score, dday.
func ordersAfter() change.StructValue {
	return change.StructValue{int32(7), "ann", nil, []byte{0x04, 0xd2}, int32(19723), int64(1704067200123),
		[]byte("xy"), []any{"a", "b"}, true, 2.5, int32(19723)}
}

// ordersRecord is a create of the fixture's row.
func ordersRecord() *change.Record {
	return &change.Record{Topic: "pg.public.orders", Partition: change.NoPartition,
		KeySchema: ordersKeySchema, Key: change.StructValue{int32(7)},
		ValueSchema: ordersEnvelope,
		Value:       change.StructValue{nil, ordersAfter(), change.StructValue{"3.6.1.Final", "orders"}, "c", int64(1704067200999)},
		Headers:     []change.RecordHeader{{Key: "h", Raw: []byte("v")}}}
}

// rowRecord is the fixture with the after image as its value (as after
// ExtractField$Value after), for the transforms that work on rows.
func rowRecord() *change.Record {
	r := ordersRecord()
	r.ValueSchema, r.Value = topLevel(&ordersRow), ordersAfter()
	return r
}

// tombstone is the fixture's tombstone: the key, no value, no schema.
func tombstone() *change.Record {
	r := ordersRecord()
	r.ValueSchema, r.Value = nil, nil
	return r
}

// apply runs r through a chain of one transform of class (after
// org.apache.kafka.connect.transforms.) with options opts.
func apply(t *testing.T, class string, opts map[string]string, r *change.Record) (*change.Record, error) {
	t.Helper()
	cfg := map[string]string{"transforms": "x", "transforms.x.type": "org.apache.kafka.connect.transforms." + class}
	for k, v := range opts {
		cfg["transforms.x."+k] = v
	}
	ch, err := Parse(cfg)
	if err != nil {
		t.Fatalf("%s %v: %v", class, opts, err)
	}
	return ch.Apply(r)
}

// configError returns the error Parse gives for a transform of class with
// opts.
func configError(class string, opts map[string]string) error {
	cfg := map[string]string{"transforms": "x", "transforms.x.type": "org.apache.kafka.connect.transforms." + class}
	for k, v := range opts {
		cfg["transforms.x."+k] = v
	}
	_, err := Parse(cfg)
	return err
}

// wantErr checks that err ends with the exception text want.
func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("%s: err = %v, want it to end with %q", what, err, want)
	}
}

var fixtureTime = time.UnixMilli(1704067200123)
