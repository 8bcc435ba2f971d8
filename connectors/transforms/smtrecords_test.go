package transforms

import (
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Records shaped as Debezium's Postgres connector hands them to the chain:
// topic "<prefix>.<schema>.<table>", key "<topic>.Key", value
// "<topic>.Envelope" version 2 with before/after "<topic>.Value", source,
// transaction, op, ts_ms, ts_us, ts_ns.

var dbz2Source = change.Field{
	Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Version: 1,
	Fields: []change.Field{
		{Name: "version", Type: change.String},
		{Name: "connector", Type: change.String},
		{Name: "name", Type: change.String},
		{Name: "ts_ms", Type: change.Int64},
		{Name: "db", Type: change.String},
		{Name: "schema", Type: change.String},
		{Name: "table", Type: change.String},
		{Name: "ts_us", Type: change.Int64, Optional: true},
		{Name: "ts_ns", Type: change.Int64, Optional: true},
	},
}

var dbz2Tx = change.Field{
	Name: "transaction", Type: change.Struct, Optional: true, Logical: "event.block", Version: 1,
	Fields: []change.Field{{Name: "id", Type: change.String}, {Name: "total_order", Type: change.Int64}, {Name: "data_collection_order", Type: change.Int64}},
}

// dbz2Schemas returns the key and envelope schemas of topic for columns
// cols, the first of which is the key.
func dbz2Schemas(topic string, cols ...change.Field) (key, env *change.Field) {
	key = &change.Field{Type: change.Struct, Logical: topic + ".Key", Fields: cols[:1]}
	row := change.Field{Type: change.Struct, Optional: true, Logical: topic + ".Value", Fields: cols}
	before, after := row, row
	before.Name, after.Name = "before", "after"
	env = &change.Field{Type: change.Struct, Logical: topic + ".Envelope", Version: 2, Fields: []change.Field{
		before, after, dbz2Source, dbz2Tx,
		{Name: "op", Type: change.String},
		{Name: "ts_ms", Type: change.Int64, Optional: true},
		{Name: "ts_us", Type: change.Int64, Optional: true},
		{Name: "ts_ns", Type: change.Int64, Optional: true},
	}}
	return key, env
}

// dbz2Record is a change event of topic (its last part the table): op with
// before and after rows (nil for none), key the first column of whichever
// row is set.
func dbz2Record(key, env *change.Field, topic, op string, before, after change.StructValue) *change.Record {
	table := topic[strings.LastIndexByte(topic, '.')+1:]
	src := change.StructValue{"3.6.1.Final", "postgresql", "pg", int64(1700000000000), "db", "public", table, int64(1700000000000123), int64(1700000000000123456)}
	row := after
	if row == nil {
		row = before
	}
	var b, a any
	if before != nil {
		b = before
	}
	if after != nil {
		a = after
	}
	var k any
	if row != nil {
		k = change.StructValue{row[0]}
	}
	return &change.Record{
		Topic: topic, Partition: change.NoPartition,
		KeySchema: key, Key: k,
		ValueSchema: env, Value: change.StructValue{b, a, src, nil, op, int64(1700000000001), int64(1700000000001000), int64(1700000000001000000)},
		Headers: []change.RecordHeader{{Key: "h", Raw: []byte("v")}},
	}
}

// dbz2New configures class with options (under alias "t").
func dbz2New(t *testing.T, class string, opts map[string]string) (Transform, error) {
	t.Helper()
	cfg := map[string]string{"transforms": "t", "transforms.t.type": class}
	for k, v := range opts {
		cfg["transforms.t."+k] = v
	}
	p := Lookup(class)
	if p == nil {
		t.Fatalf("%s is not registered", class)
	}
	c := NewConfig("t", "transforms.t.", class, cfg)
	tr, err := p.New(c)
	if err == nil {
		err = c.Err()
	}
	return tr, err
}

func dbz2MustNew(t *testing.T, class string, opts map[string]string) Transform {
	t.Helper()
	tr, err := dbz2New(t, class, opts)
	if err != nil {
		t.Fatalf("%s %v: %v", class, opts, err)
	}
	return tr
}
