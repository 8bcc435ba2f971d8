package transforms

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// outboxRow is a row of the outbox table the tests route, shaped as
// Debezium's Postgres connector writes it for
//
//	CREATE TABLE outbox (id uuid PRIMARY KEY, aggregatetype varchar NOT NULL,
//	  aggregateid varchar NOT NULL, type varchar NOT NULL, payload jsonb,
//	  created timestamp(6), version int, part int, note text, amount bigint)
type outboxRow struct {
	id, aggType, aggID, typ string
	payload                 any // string or nil
	created                 any // int64 micros or nil
	version, part           any // int32 or nil
	note                    any
}

var outboxValueSchema = change.Field{Type: change.Struct, Optional: true, Logical: "pg.public.outbox.Value", Fields: []change.Field{
	{Name: "id", Type: change.String, Logical: "io.debezium.data.Uuid", Version: 1},
	{Name: "aggregatetype", Type: change.String},
	{Name: "aggregateid", Type: change.String},
	{Name: "type", Type: change.String},
	{Name: "payload", Type: change.String, Optional: true, Logical: "io.debezium.data.Json", Version: 1},
	{Name: "created", Type: change.Int64, Optional: true, Logical: "io.debezium.time.MicroTimestamp", Version: 1},
	{Name: "version", Type: change.Int32, Optional: true},
	{Name: "part", Type: change.Int32, Optional: true},
	{Name: "note", Type: change.String, Optional: true, Default: "none"},
}}

func outboxEnvelopeSchema() *change.Field {
	before, after := outboxValueSchema, outboxValueSchema
	before.Name, after.Name = "before", "after"
	// Their own fields: a test that changes one (TestOutboxTimestampUnits)
	// must not change the package's schema for the tests after it.
	before.Fields, after.Fields = slices.Clone(before.Fields), slices.Clone(after.Fields)
	return &change.Field{Type: change.Struct, Logical: "pg.public.outbox.Envelope", Version: 2, Fields: []change.Field{
		before, after,
		{Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Fields: []change.Field{{Name: "connector", Type: change.String}}},
		{Name: "op", Type: change.String},
		{Name: "ts_ms", Type: change.Int64, Optional: true},
	}}
}

var outboxKeySchema = &change.Field{Type: change.Struct, Logical: "pg.public.outbox.Key", Fields: []change.Field{
	{Name: "id", Type: change.String, Logical: "io.debezium.data.Uuid", Version: 1}}}

const outboxTsMs = int64(1_700_000_000_123)

func (r outboxRow) values() change.StructValue {
	return change.StructValue{r.id, r.aggType, r.aggID, r.typ, r.payload, r.created, r.version, r.part, r.note}
}

// record is the change event of op on the row.
func (r outboxRow) record(op string) *change.Record {
	var before, after any
	if op == "d" || op == "u" {
		before = r.values()
	}
	if op != "d" {
		after = r.values()
	}
	return &change.Record{
		Topic: "pg.public.outbox", Partition: change.NoPartition,
		KeySchema: outboxKeySchema, Key: change.StructValue{r.id},
		ValueSchema: outboxEnvelopeSchema(),
		Value:       change.StructValue{before, after, change.StructValue{"postgresql"}, op, outboxTsMs},
		Headers:     []change.RecordHeader{{Key: "sluice.schema.version", Raw: []byte("1")}},
	}
}

var orderRow = outboxRow{id: "b6f1c5c2-0000-4000-8000-000000000001", aggType: "Order", aggID: "o-1", typ: "OrderCreated",
	payload: `{"id": 1, "lines": [{"sku": "a", "qty": 2}]}`, created: int64(1_600_000_000_654_321), version: int32(3), part: int32(2)}

func newOutbox(t *testing.T, opts map[string]string) *outboxRouter {
	t.Helper()
	cfg := map[string]string{"transforms": "outbox", "transforms.outbox.type": OutboxEventRouterClass}
	for k, v := range opts {
		cfg["transforms.outbox."+k] = v
	}
	c := NewConfig("outbox", "transforms.outbox.", OutboxEventRouterClass, cfg)
	tr, err := newOutboxRouter(c)
	if err == nil {
		err = c.Err()
	}
	if err != nil {
		t.Fatalf("config %v: %v", opts, err)
	}
	return tr.(*outboxRouter)
}

var (
	uuidSchema    = &change.Field{Type: change.String, Logical: "io.debezium.data.Uuid", Version: 1}
	jsonSchema    = &change.Field{Type: change.String, Optional: true, Logical: "io.debezium.data.Json", Version: 1}
	stringSchema  = &change.Field{Type: change.String}
	idHeader      = change.RecordHeader{Key: "id", Schema: uuidSchema, Value: orderRow.id}
	versionHeader = change.RecordHeader{Key: "sluice.schema.version", Raw: []byte("1")}
)

func TestOutboxRoutesCreates(t *testing.T) {
	for _, c := range []struct {
		name string
		opts map[string]string
		row  outboxRow
		op   string
		want *change.Record
	}{
		{name: "defaults: the payload as value, keyed by aggregateid, on outbox.event.<aggregatetype>", row: orderRow, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Value: orderRow.payload, Timestamp: time.UnixMilli(outboxTsMs),
				Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "snapshot reads are routed too", row: orderRow, op: "r",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Value: orderRow.payload, Timestamp: time.UnixMilli(outboxTsMs),
				Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "regex and replacement; timestamp from a MicroTimestamp column; headers and partition",
			opts: map[string]string{"route.topic.regex": "(?<routedByValue>Ord)er", "route.topic.replacement": "events.${routedByValue}.x$1",
				"table.field.event.timestamp": "created", "table.fields.additional.placement": "type:header:eventType, part:partition,aggregatetype:header"},
			row: orderRow, op: "c",
			want: &change.Record{Topic: "events.Ord.xOrd", Partition: 2, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Value: orderRow.payload, Timestamp: time.UnixMilli(1_600_000_000_654),
				Headers: []change.RecordHeader{versionHeader, idHeader,
					{Key: "eventType", Schema: stringSchema, Value: "OrderCreated"}, {Key: "aggregatetype", Schema: stringSchema, Value: "Order"}}}},
		{name: "a topic the regex does not match as a whole keeps the route.by.field value",
			opts: map[string]string{"route.topic.regex": "Ord", "route.by.field": "type"}, row: orderRow, op: "c",
			want: &change.Record{Topic: "OrderCreated", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Value: orderRow.payload, Timestamp: time.UnixMilli(outboxTsMs),
				Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "a null timestamp column falls back to ts_ms", opts: map[string]string{"table.field.event.timestamp": "created"},
			row: outboxRow{id: orderRow.id, aggType: "Order", aggID: "o-1", typ: "T", payload: "x"}, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Value: "x", Timestamp: time.UnixMilli(outboxTsMs), Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "envelope placement: a struct of payload and fields, named after the row schema and the route value, with the column default for null",
			opts: map[string]string{"table.fields.additional.placement": "type:envelope:eventType,note:envelope"}, row: orderRow, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: &change.Field{Type: change.Struct, Logical: "pg.public.outbox.Order.Value", Fields: []change.Field{
					{Name: "payload", Type: change.String, Optional: true, Logical: "io.debezium.data.Json", Version: 1},
					{Name: "eventType", Type: change.String},
					{Name: "note", Type: change.String, Optional: true, Default: "none"}}},
				Value: change.StructValue{orderRow.payload, "OrderCreated", "none"}, Timestamp: time.UnixMilli(outboxTsMs),
				Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "schema version column sets the value schema's version",
			opts: map[string]string{"table.fields.additional.placement": "type:envelope", "table.field.event.schema.version": "version"}, row: orderRow, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: &change.Field{Type: change.Struct, Logical: "pg.public.outbox.Order.Value", Version: 3, Fields: []change.Field{
					{Name: "payload", Type: change.String, Optional: true, Logical: "io.debezium.data.Json", Version: 1},
					{Name: "type", Type: change.String}}},
				Value: change.StructValue{orderRow.payload, "OrderCreated"}, Timestamp: time.UnixMilli(outboxTsMs),
				Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "an empty payload is a tombstone when asked", opts: map[string]string{"route.tombstone.on.empty.payload": "true"},
			row: outboxRow{id: orderRow.id, aggType: "Order", aggID: "o-1", typ: "T", payload: " \t\n"}, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				Timestamp: time.UnixMilli(outboxTsMs), Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "an empty payload is kept when not asked",
			row: outboxRow{id: orderRow.id, aggType: "Order", aggID: "o-1", typ: "T"}, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Timestamp: time.UnixMilli(outboxTsMs), Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "missing additional fields are skipped with ignore",
			opts: map[string]string{"table.fields.additional.placement": "nope:header,nada:envelope,zip:partition", "table.field.additional.missing": "IGNORE"},
			row:  orderRow, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: &change.Field{Type: change.Struct, Logical: "pg.public.outbox.Order.Value", Fields: []change.Field{
					{Name: "payload", Type: change.String, Optional: true, Logical: "io.debezium.data.Json", Version: 1}}},
				Value: change.StructValue{orderRow.payload}, Timestamp: time.UnixMilli(outboxTsMs), Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "expanded JSON payload", opts: map[string]string{"table.expand.json.payload": "true"}, row: orderRow, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: &change.Field{Type: change.Struct, Optional: true, Logical: "payload", Fields: []change.Field{
					{Name: "id", Type: change.Int32, Optional: true},
					{Name: "lines", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.Struct, Optional: true, Logical: "payload.lines", Fields: []change.Field{
						{Name: "sku", Type: change.String, Optional: true}, {Name: "qty", Type: change.Int32, Optional: true}}}}}},
				Value:     change.StructValue{int32(1), []any{change.StructValue{"a", int32(2)}}},
				Timestamp: time.UnixMilli(outboxTsMs), Headers: []change.RecordHeader{versionHeader, idHeader}}},
		{name: "text that is not JSON stays as it is", opts: map[string]string{"table.expand.json.payload": "true"},
			row: outboxRow{id: orderRow.id, aggType: "Order", aggID: "o-1", typ: "T", payload: "hello"}, op: "c",
			want: &change.Record{Topic: "outbox.event.Order", Partition: change.NoPartition, KeySchema: stringSchema, Key: "o-1",
				ValueSchema: jsonSchema, Value: "hello", Timestamp: time.UnixMilli(outboxTsMs), Headers: []change.RecordHeader{versionHeader, idHeader}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := newOutbox(t, c.opts)
			in := c.row.record(c.op)
			keep := *in
			got, err := o.Apply(in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %s\nwant %s", dumpRecord(got), dumpRecord(c.want))
			}
			if !reflect.DeepEqual(*in, keep) || len(in.Headers) != 1 {
				t.Errorf("the input record changed: %s", dumpRecord(in))
			}
		})
	}
}

func dumpRecord(r *change.Record) string {
	b, _ := json.Marshal(r)
	return string(b)
}

func TestOutboxDropsAndPasses(t *testing.T) {
	heartbeat := &change.Record{Topic: "__debezium-heartbeat.pg", ValueSchema: &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.Heartbeat"}, Value: change.StructValue{int64(1)}}
	schemaless := &change.Record{Topic: "x", Value: map[string]any{"op": "c"}}
	tombstone := orderRow.record("c")
	tombstone.ValueSchema, tombstone.Value = nil, nil
	otherTombstone := &change.Record{Topic: "pg.public.other", Key: "k"}
	for _, c := range []struct {
		name string
		opts map[string]string
		in   *change.Record
		same bool // passed unchanged; else dropped
	}{
		{"heartbeat", nil, heartbeat, true},
		{"schemaless", nil, schemaless, true},
		{"tombstone", nil, tombstone, false},
		{"a tombstone of another table", nil, otherTombstone, false},
		{"delete", nil, orderRow.record("d"), false},
		{"update, warn", nil, orderRow.record("u"), false},
		{"update, error", map[string]string{"table.op.invalid.behavior": " Error "}, orderRow.record("u"), false},
	} {
		got, err := newOutbox(t, c.opts).Apply(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.same && got != c.in || !c.same && got != nil {
			t.Errorf("%s: got %s", c.name, dumpRecord(got))
		}
	}
}

func TestOutboxFailures(t *testing.T) {
	row := orderRow
	truncate := row.record("t")
	truncate.Value.(change.StructValue)[1] = nil
	for _, c := range []struct {
		name string
		opts map[string]string
		in   *change.Record
		want string
	}{
		{"fatal update", map[string]string{"table.op.invalid.behavior": "fatal"}, row.record("u"),
			"Unexpected update message received Struct{id=" + row.id + "}, fail."},
		{"no after", nil, truncate, "Only Struct objects supported for [Read Outbox Event], found: null"},
		{"payload column missing", map[string]string{"table.field.event.payload": "body"}, row.record("c"), "Unable to find payload field body in event"},
		{"id column missing", map[string]string{"table.field.event.id": "uuid"}, row.record("c"), "uuid is not a valid field name"},
		{"key column missing", map[string]string{"table.field.event.key": "agg"}, row.record("c"), "agg is not a valid field name"},
		{"route column not a string", map[string]string{"route.by.field": "version"}, row.record("c"), "Field 'version' is not of type STRING"},
		{"timestamp column missing", map[string]string{"table.field.event.timestamp": "ts"}, row.record("c"), "Unable to find timestamp field ts in event"},
		{"timestamp column not int64", map[string]string{"table.field.event.timestamp": "type"}, row.record("c"), "Field 'type' is not of type INT64"},
		{"partition column not int32", map[string]string{"table.fields.additional.placement": "type:partition"}, row.record("c"), "Field 'type' is not of type INT32"},
		{"missing envelope field", map[string]string{"table.fields.additional.placement": "nope:envelope"}, row.record("c"), "Unable to find field nope in event"},
		{"missing header field", map[string]string{"table.fields.additional.placement": "nope:header"}, row.record("c"), "nope is not a valid field name"},
		{"replacement naming a group the regex lacks", map[string]string{"route.topic.replacement": "x.${nope}"}, row.record("c"),
			"route.topic.replacement: no group with name {nope}"},
		{"envelope alias payload", map[string]string{"table.fields.additional.placement": "type:envelope:payload"}, row.record("c"),
			"Cannot create field because of field name duplication payload"},
		{"expanded top-level array in an envelope", map[string]string{"table.expand.json.payload": "true", "table.fields.additional.placement": "type:envelope"},
			outboxRow{id: row.id, aggType: "A", aggID: "1", typ: "T", payload: `[1, 2]`}.record("c"),
			`Invalid Java object for schema with type ARRAY: class java.lang.String for field: "payload"`},
		{"expanded integer beyond int64", map[string]string{"table.expand.json.payload": "true"},
			outboxRow{id: row.id, aggType: "A", aggID: "1", typ: "T", payload: `{"n": 123456789012345678901234}`}.record("c"),
			`Invalid Java object for schema "payload" with type STRUCT: class java.lang.String for value`},
	} {
		_, err := newOutbox(t, c.opts).Apply(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: err = %v\nwant %s", c.name, err, c.want)
		}
	}
}

func TestOutboxTimestampUnits(t *testing.T) {
	for _, c := range []struct {
		logical string
		v       int64
		want    int64
		err     string
	}{
		{"io.debezium.time.Timestamp", 1_600_000_000_123, 1_600_000_000_123, ""},
		{"io.debezium.time.MicroTimestamp", 1_600_000_000_123_456, 1_600_000_000_123, ""},
		{"io.debezium.time.NanoTimestamp", 1_600_000_000_123_456_789, 1_600_000_000_123, ""},
		{"", 1, 0, "Unsupported field type INT64 (without logical schema name) for event timestamp"},
		{"org.apache.kafka.connect.data.Timestamp", 1, 0, "Unsupported field type org.apache.kafka.connect.data.Timestamp for event timestamp"},
	} {
		o := newOutbox(t, map[string]string{"table.field.event.timestamp": "created"})
		r := orderRow.record("c")
		r.ValueSchema.Fields[1].Fields[5].Logical = c.logical
		r.Value.(change.StructValue)[1].(change.StructValue)[5] = c.v
		got, err := o.Apply(r)
		switch {
		case c.err != "":
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: err = %v, want %s", c.logical, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.logical, err)
		case got.Timestamp.UnixMilli() != c.want:
			t.Errorf("%q: timestamp %d, want %d", c.logical, got.Timestamp.UnixMilli(), c.want)
		}
	}
}

// Debezium caches the value schema by payload schema: the name built for
// the first route value is kept for the others with an equal payload
// schema, and a different payload schema gets its own.
func TestOutboxValueSchemaCache(t *testing.T) {
	o := newOutbox(t, map[string]string{"table.fields.additional.placement": "type:envelope", "table.expand.json.payload": "true"})
	names := func(rows ...outboxRow) []string {
		var out []string
		for _, row := range rows {
			r, err := o.Apply(row.record("c"))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.ValueSchema.Logical+" "+r.Topic)
		}
		return out
	}
	got := names(
		outboxRow{id: "1", aggType: "Order", aggID: "1", typ: "T", payload: `{"a": 1}`},
		outboxRow{id: "2", aggType: "Customer", aggID: "1", typ: "T", payload: `{"a": 2}`},
		outboxRow{id: "3", aggType: "Customer", aggID: "1", typ: "T", payload: `{"b": 2}`},
	)
	want := []string{"pg.public.outbox.Order.Value outbox.event.Order", "pg.public.outbox.Order.Value outbox.event.Customer",
		"pg.public.outbox.Customer.Value outbox.event.Customer"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestOutboxConfigErrors(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"table.op.invalid.behavior": "bogus"},
			"Invalid value bogus for configuration transforms.outbox.table.op.invalid.behavior: Value must be one of warn, error, fatal"},
		{map[string]string{"table.field.additional.missing": "nah"},
			"Invalid value nah for configuration transforms.outbox.table.field.additional.missing: Value must be one of ignore, error"},
		{map[string]string{"table.json.payload.null.behavior": "zz"},
			"Invalid value zz for configuration transforms.outbox.table.json.payload.null.behavior: Value must be one of ignore, optional_bytes"},
		{map[string]string{"table.fields.additional.placement": "a:header,b"},
			"Invalid value a:header,b for configuration transforms.outbox.table.fields.additional.placement: A comma-separated list of valid String pairs or trios is expected but got: [a:header, b]"},
		{map[string]string{"table.fields.additional.placement": "a:body"},
			`Invalid value a:body for configuration transforms.outbox.table.fields.additional.placement: placement "body" of column "a" must be one of header, envelope, partition`},
		{map[string]string{"table.expand.json.payload": "maybe"},
			"Invalid value maybe for configuration transforms.outbox.table.expand.json.payload: Expected value to be either true or false"},
		{map[string]string{"tracing.with.context.field.only": "x"},
			"Invalid value x for configuration transforms.outbox.tracing.with.context.field.only: Expected value to be either true or false"},
		{map[string]string{"route.topic.regex": "(abc"},
			"Invalid value (abc for configuration transforms.outbox.route.topic.regex: A valid regular expressions is expected"},
	} {
		_, err := Parse(map[string]string{"transforms": "outbox", "transforms.outbox.type": OutboxEventRouterClass})
		if err != nil {
			t.Fatal(err)
		}
		cfg := map[string]string{"transforms": "outbox", "transforms.outbox.type": OutboxEventRouterClass}
		for k, v := range c.opts {
			cfg["transforms.outbox."+k] = v
		}
		_, err = Parse(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v\nwant it to contain %s", c.opts, err, c.want)
		}
	}
}

// TestOutboxKeysMatchConnect compares the keys with what Kafka Connect
// 4.3.0 with Debezium 3.6.1 lists (testdata/eventrouter-config.json).
func TestOutboxKeysMatchConnect(t *testing.T) {
	b, err := os.ReadFile("testdata/eventrouter-config.json")
	if err != nil {
		t.Fatal(err)
	}
	type connectKey struct {
		Name         string   `json:"name"`
		Type         string   `json:"type"`
		Required     bool     `json:"required"`
		Default      *string  `json:"default_value"`
		Importance   string   `json:"importance"`
		Doc          string   `json:"documentation"`
		Group        string   `json:"group"`
		Order        int      `json:"order_in_group"`
		Width        string   `json:"width"`
		Display      string   `json:"display_name"`
		Dependents   []string `json:"dependents"`
		Unrecognized string   `json:"-"`
	}
	var want []connectKey
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	p := Lookup(OutboxEventRouterClass)
	if p == nil || p.Version != "3.6.1.Final" || p.Kind != KindTransformation {
		t.Fatalf("plugin %+v", p)
	}
	var got []connectKey
	for _, k := range p.Keys {
		got = append(got, connectKey{Name: k.Name, Type: k.Type, Required: k.Required, Default: k.Default, Importance: k.Importance,
			Doc: k.Doc, Group: k.Group, Order: k.Order, Width: k.Width, Display: k.Display, Dependents: append([]string{}, k.Dependents...)})
	}
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w connectKey
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("key %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	}
	_ = configdef.Key{}
}

// The route is Kafka's RegexRouter: Matcher.matches decides whether the
// whole topic matches, then Matcher.replaceFirst rewrites the first match,
// which need not be the whole topic.
func TestOutboxRouteIsJavaRegexRouter(t *testing.T) {
	for _, c := range []struct{ regex, replacement, topic, want string }{
		{"(?<routedByValue>.*)", "outbox.event.${routedByValue}", "Order", "outbox.event.Order"},
		{"a|ab", "X", "ab", "Xb"},           // matches as a whole; the first match is "a"
		{"Ord", "X", "Order", "Order"},      // no whole match: unchanged
		{"(.*)er", `\$$1`, "Order", "$Ord"}, // escapes and numbered groups
	} {
		o := newOutbox(t, map[string]string{"route.topic.regex": c.regex, "route.topic.replacement": c.replacement})
		got, err := o.route(c.topic)
		if err != nil || got != c.want {
			t.Errorf("%s -> %s on %s: %q, %v; want %q", c.regex, c.replacement, c.topic, got, err, c.want)
		}
	}
}
