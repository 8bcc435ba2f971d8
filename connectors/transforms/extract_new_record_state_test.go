package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// fxWant is the record in after a transform set its value schema, value
// and headers (nil headers: in's).
func fxWant(in *change.Record, schema *change.Field, value any, headers ...change.RecordHeader) *change.Record {
	out := *in
	out.ValueSchema, out.Value = schema, value
	out.Headers = append(append([]change.RecordHeader(nil), in.Headers...), headers...)
	return &out
}

var (
	dbzOptString = change.Field{Type: change.String, Optional: true}
	dbzOptInt64  = change.Field{Type: change.Int64, Optional: true}
)

func dbzNamed(name string, f change.Field) change.Field { f.Name = name; return f }

func TestExtractNewRecordState(t *testing.T) {
	ins := fxEvent("c", nil, fxRow1, nil)
	upd := fxEvent("u", fxRow1, fxRow1b, fxTx)
	del := fxEvent("d", fxRow1, nil, fxTx)
	delNulls := fxEvent("d", fxRowN, nil, nil)
	insNulls := fxEvent("r", nil, fxRowN, nil)
	trunc := fxEvent("t", nil, nil, nil)
	tomb := fxTombstone()
	deleted := func(v string) change.Field { return dbzNamed("__deleted", dbzOptString) }
	snapshotCopy := change.Field{Type: change.String, Optional: true, Logical: "io.debezium.data.Enum", Version: 1,
		Params: []change.Param{{Key: "allowed", Value: "true,first,last,false,incremental"}}}

	for _, c := range []struct {
		name string
		opts map[string]string
		in   *change.Record
		want *change.Record // nil: the record is dropped
		same bool           // the input record itself comes back
	}{
		// Inserts and updates: the after state, its schema made required.
		{name: "insert", in: ins, want: fxWant(ins, fxFlat(), fxRow1)},
		{name: "update", in: upd, want: fxWant(upd, fxFlat(), fxRow1b)},
		// Default mode tombstone: a delete keeps the (optional) row schema
		// with a null value; Debezium's own tombstone goes.
		{name: "delete, tombstone mode", in: del, want: fxWant(del, &fxRow, nil)},
		{name: "tombstone, tombstone mode", in: tomb},
		{name: "truncate", in: trunc},
		{name: "delete, drop", opts: map[string]string{"delete.tombstone.handling.mode": "drop"}, in: del},
		{name: "tombstone, drop", opts: map[string]string{"delete.tombstone.handling.mode": "drop"}, in: tomb},
		{name: "insert, drop", opts: map[string]string{"delete.tombstone.handling.mode": "DROP "}, in: ins, want: fxWant(ins, fxFlat(), fxRow1)},
		{name: "delete, delete-to-tombstone", opts: map[string]string{"delete.tombstone.handling.mode": "delete-to-tombstone"}, in: del, want: fxWant(del, nil, nil)},
		{name: "tombstone, delete-to-tombstone", opts: map[string]string{"delete.tombstone.handling.mode": "delete-to-tombstone"}, in: tomb},
		// Rewrite: __deleted added, nulls take their default (InsertField's
		// replace.null.with.default), deletes carry the before state.
		{name: "insert, rewrite", opts: map[string]string{"delete.tombstone.handling.mode": "rewrite"}, in: insNulls,
			want: fxWant(insNulls, fxFlat(deleted("false")), change.StructValue{int32(1), "none", nil, nil, "false"})},
		{name: "insert, rewrite, no default", opts: map[string]string{"delete.tombstone.handling.mode": "rewrite", "replace.null.with.default": "false"}, in: insNulls,
			want: fxWant(insNulls, fxFlat(deleted("false")), change.StructValue{int32(1), nil, nil, nil, "false"})},
		{name: "delete, rewrite", opts: map[string]string{"delete.tombstone.handling.mode": "rewrite"}, in: delNulls,
			want: fxWant(delNulls, fxFlat(deleted("true")), change.StructValue{int32(1), "none", nil, nil, "true"})},
		{name: "tombstone, rewrite", opts: map[string]string{"delete.tombstone.handling.mode": "rewrite"}, in: tomb},
		{name: "tombstone, rewrite-with-tombstone", opts: map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone"}, in: tomb, same: true},
		{name: "update, rewrite-with-tombstone", opts: map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone"}, in: upd,
			want: fxWant(upd, fxFlat(deleted("false")), append(append(change.StructValue{}, fxRow1b...), "false"))},
		// Records that are not change events pass as they are, headers
		// not added.
		{name: "heartbeat", opts: map[string]string{"add.headers": "op"}, in: fxOther("io.debezium.connector.common.Heartbeat"), same: true},
		{name: "schema change", opts: map[string]string{"add.fields": "op"}, in: fxOther("io.debezium.connector.postgresql.SchemaChangeValue"), same: true},
		{name: "transaction", in: fxOther("io.debezium.connector.common.TransactionMetadataValue"), same: true},
		{name: "schemaless", in: &change.Record{Topic: "x", Value: map[string]any{"after": 1}}, same: true},
		// add.fields: source fields by default, op and ts_* at the top,
		// transaction fields from the block; "struct.field" gives
		// <prefix><struct>_<field>, "f:alias" <prefix><alias>. A copied
		// schema keeps name, version and parameters, loses its default, and
		// is optional.
		{name: "add.fields", opts: map[string]string{"add.fields": "op,table,lsn,source.ts_ms, ts_ms,id,snapshot:snap,transaction.total_order,nosuch"}, in: upd,
			want: fxWant(upd, fxFlat(dbzNamed("__op", dbzOptString), dbzNamed("__table", dbzOptString), dbzNamed("__lsn", dbzOptInt64),
				dbzNamed("__source_ts_ms", dbzOptInt64), dbzNamed("__ts_ms", dbzOptInt64), dbzNamed("__id", dbzOptString), dbzNamed("__snap", snapshotCopy),
				dbzNamed("__transaction_total_order", dbzOptInt64)),
				append(append(change.StructValue{}, fxRow1b...), "u", "orders", int64(4242), int64(1000), int64(2000), "7:4242", "false", int64(3)))},
		{name: "add.fields, no transaction block, prefix", opts: map[string]string{"add.fields": "op,id", "add.fields.prefix": "m_"}, in: ins,
			want: fxWant(ins, fxFlat(dbzNamed("m_op", dbzOptString), dbzNamed("m_id", dbzOptString)), append(append(change.StructValue{}, fxRow1...), "c", nil))},
		{name: "add.fields on a rewritten delete", opts: map[string]string{"add.fields": "op", "delete.tombstone.handling.mode": "rewrite"}, in: delNulls,
			want: fxWant(delNulls, fxFlat(deleted("true"), dbzNamed("__op", dbzOptString)), change.StructValue{int32(1), "none", nil, nil, "true", "d"})},
		{name: "add.fields not on a tombstone-mode delete", opts: map[string]string{"add.fields": "op"}, in: del, want: fxWant(del, &fxRow, nil)},
		// add.headers: optional copies of the fields' schemas; a tombstone
		// gets only op, as "d" with a required string schema.
		{name: "add.headers", opts: map[string]string{"add.headers": "db,op,source.snapshot:snap", "add.headers.prefix": "h."}, in: ins,
			want: fxWant(ins, fxFlat(), fxRow1,
				change.RecordHeader{Key: "h.db", Schema: &dbzOptString, Value: "db"},
				change.RecordHeader{Key: "h.op", Schema: &dbzOptString, Value: "c"},
				change.RecordHeader{Key: "h.snap", Schema: &snapshotCopy, Value: "false"})},
		{name: "add.headers, tombstone", opts: map[string]string{"add.headers": "db,op", "delete.tombstone.handling.mode": "rewrite-with-tombstone"}, in: tomb,
			want: fxWant(tomb, nil, nil, change.RecordHeader{Key: "__op", Schema: &change.Field{Type: change.String}, Value: "d"})},
		{name: "add.headers, delete", opts: map[string]string{"add.headers": "op"}, in: del,
			want: fxWant(del, &fxRow, nil, change.RecordHeader{Key: "__op", Schema: &dbzOptString, Value: "d"})},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := configureTransform(UnwrapClass, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dbzApplyUnchangedInput(t, tr, c.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.same {
				if got != c.in {
					t.Errorf("got %+v, want the input record", got)
				}
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("\n got %+v\nwant %+v", got, c.want)
				if got != nil && c.want != nil {
					t.Errorf("\n got schema %+v\nwant schema %+v", got.ValueSchema, c.want.ValueSchema)
				}
			}
		})
	}
}

func TestExtractNewRecordStateRoute(t *testing.T) {
	tr, err := configureTransform(UnwrapClass, map[string]string{"route.by.field": "name"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in    *change.Record
		topic string
		err   string
	}{
		{in: fxEvent("c", nil, fxRow1, nil), topic: "apple"},
		{in: fxEvent("d", fxRow1, nil, nil), topic: "apple"}, // deletes route by the before state
		{in: fxEvent("c", nil, change.StructValue{int32(1), " ", nil, nil}, nil), topic: "pg.public.orders"},
		{in: fxEvent("c", nil, fxRowN, nil), topic: "pg.public.orders"}, // null: the member's default is not used
	} {
		got, err := tr.Apply(c.in)
		if err != nil || got.Topic != c.topic {
			t.Errorf("%v: got %+v, %v; want topic %s", c.in.Value, got, err, c.topic)
		}
	}
	for opt, want := range map[string]string{"nosuch": "nosuch is not a valid field name", "qty": "Field 'qty' is not of type STRING"} {
		tr, _ := configureTransform(UnwrapClass, map[string]string{"route.by.field": opt})
		if _, err := tr.Apply(fxEvent("c", nil, fxRow1, nil)); err == nil || err.Error() != want {
			t.Errorf("route.by.field=%s: err = %v, want %q", opt, err, want)
		}
	}
}

// TestExtractNewRecordStateDropFields chains ExtractChangedRecordState
// and ExtractNewRecordState with drop.fields.header.name, as Debezium
// documents: the unchanged columns of an update are dropped.
func TestExtractNewRecordStateDropFields(t *testing.T) {
	base := map[string]string{
		"transforms": "changes,unwrap", "transforms.changes.type": ChangedClass,
		"transforms.changes.header.unchanged.name": "unchanged", "transforms.unwrap.type": UnwrapClass,
		"transforms.unwrap.drop.fields.header.name": "unchanged",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m["transforms.unwrap."+kv[i]] = kv[i+1]
		}
		return m
	}
	// An update of qty: id, name and data are unchanged.
	upd := fxEvent("u", fxRow1, fxRow1b, nil)
	unchanged := change.RecordHeader{Key: "unchanged", Schema: &change.Field{Type: change.Array, Optional: true, Logical: "unchanged", Elem: &dbzOptString},
		Value: []any{"id", "name", "data"}}
	keyNoID := &change.Field{Type: change.Struct, Logical: "pg.public.orders.Key", Fields: []change.Field{}}
	for _, c := range []struct {
		name      string
		cfg       map[string]string
		keySchema *change.Field
		key       any
		schema    *change.Field
		value     change.StructValue
	}{
		// Compatible (the default): only optional members go; id stays.
		{"compatible", with(), &fxKey, change.StructValue{int32(1)},
			&change.Field{Type: change.Struct, Logical: "pg.public.orders.Value", Fields: []change.Field{fxColumns[0], fxColumns[2]}},
			change.StructValue{int32(1), int32(4)}},
		{"compatible, from key", with("drop.fields.from.key", "true"), &fxKey, change.StructValue{int32(1)},
			&change.Field{Type: change.Struct, Logical: "pg.public.orders.Value", Fields: []change.Field{fxColumns[0], fxColumns[2]}},
			change.StructValue{int32(1), int32(4)}},
		{"incompatible, from key", with("drop.fields.from.key", "true", "drop.fields.keep.schema.compatible", "false"), keyNoID, change.StructValue{},
			&change.Field{Type: change.Struct, Logical: "pg.public.orders.Value", Fields: []change.Field{fxColumns[2]}},
			change.StructValue{int32(4)}},
	} {
		ch, err := Parse(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ch.Apply(upd)
		if err != nil {
			t.Fatal(err)
		}
		want := &change.Record{Topic: upd.Topic, Partition: upd.Partition, KeySchema: c.keySchema, Key: c.key,
			ValueSchema: c.schema, Value: c.value, Timestamp: upd.Timestamp, Headers: append(append([]change.RecordHeader{}, upd.Headers...), unchanged)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, want)
		}
	}
	// An insert has empty lists: nothing is dropped.
	ch, _ := Parse(with())
	ins := fxEvent("c", nil, fxRow1, nil)
	if got, err := ch.Apply(ins); err != nil || !reflect.DeepEqual(got.Value, fxRow1) || len(got.ValueSchema.Fields) != 4 {
		t.Errorf("insert: %+v, %v", got, err)
	}
}

func TestExtractNewRecordStateConfig(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"delete.tombstone.handling.mode": "bogus"},
			"Invalid value bogus for configuration transforms.t.delete.tombstone.handling.mode: Value must be one of drop, tombstone, rewrite-with-tombstone, rewrite, delete-to-tombstone"},
		{map[string]string{"add.fields": "op,a:b:c"}, "transforms.t.add.fields: Unexpected field name: a:b:c"},
		{map[string]string{"add.headers": ":"}, "transforms.t.add.headers: Unexpected field name: :"},
		{map[string]string{"drop.fields.from.key": "maybe"}, "Invalid value maybe for configuration transforms.t.drop.fields.from.key: Expected value to be either true or false"},
	} {
		_, err := configureTransform(UnwrapClass, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.opts, err, c.want)
		}
	}
	// The options Debezium 3.6 removed are ignored (named unused), and
	// replace.null.with.default, read but not listed, is not.
	ch, err := Parse(map[string]string{"transforms": "u", "transforms.u.type": UnwrapClass,
		"transforms.u.delete.handling.mode": "rewrite", "transforms.u.drop.tombstones": "false", "transforms.u.replace.null.with.default": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Unused) != 2 || ch.Unused["transforms.u.delete.handling.mode"] == "" || ch.Unused["transforms.u.drop.tombstones"] == "" {
		t.Errorf("unused = %v", ch.Unused)
	}
	if got, _ := ch.Apply(fxTombstone()); got != nil {
		t.Errorf("drop.tombstones=false was honoured: %+v", got)
	}
}

// TestExtractNewRecordStateSharesSchemas checks that records of one table
// get one schema, as Debezium's cache gives them (the converters then
// register it once).
func TestExtractNewRecordStateSharesSchemas(t *testing.T) {
	tr, _ := configureTransform(UnwrapClass, map[string]string{"add.fields": "op", "delete.tombstone.handling.mode": "rewrite"})
	a, _ := tr.Apply(fxEvent("c", nil, fxRow1, nil))
	b, _ := tr.Apply(fxEvent("c", nil, fxRow1b, nil))
	if a.ValueSchema != b.ValueSchema {
		t.Error("two inserts of a table got two schemas")
	}
}

func TestExtractNewRecordStateOneSchemaForAllOps(t *testing.T) {
	tr, _ := configureTransform(UnwrapClass, map[string]string{"add.fields": "op"})
	a, _ := tr.Apply(fxEvent("r", nil, fxRow1, nil))
	b, _ := tr.Apply(fxEvent("u", fxRow1, fxRow1b, nil))
	if a.ValueSchema != b.ValueSchema {
		t.Error("a read and an update of a table got two schemas")
	}
	tr, _ = configureTransform(UnwrapClass, map[string]string{"add.fields": "op", "delete.tombstone.handling.mode": "rewrite"})
	c, _ := tr.Apply(fxEvent("c", nil, fxRow1, nil))
	d, _ := tr.Apply(fxEvent("d", fxRow1, nil, nil))
	if c.ValueSchema != d.ValueSchema {
		t.Error("a rewritten insert and delete of a table got two schemas")
	}
}

// TestTombstoneSharesItsDeleteHeaders checks the Java aliasing Debezium's
// output shows (real Connect, rewrite-with-tombstone with add.headers=op):
// a delete's tombstone carries the headers transforms added in place to
// the delete, then its own.
func TestTombstoneSharesItsDeleteHeaders(t *testing.T) {
	ch, err := Parse(map[string]string{"transforms": "changes,unwrap",
		"transforms.changes.type": ChangedClass, "transforms.changes.header.changed.name": "changed",
		"transforms.unwrap.type": UnwrapClass, "transforms.unwrap.delete.tombstone.handling.mode": "rewrite-with-tombstone",
		"transforms.unwrap.add.headers": "op"})
	if err != nil {
		t.Fatal(err)
	}
	del := fxEvent("d", fxRow1, nil, nil)
	tomb := fxTombstone()
	tomb.Key = del.Key // one event's records share the key
	if _, err := ch.Apply(del); err != nil {
		t.Fatal(err)
	}
	got, err := ch.Apply(tomb)
	if err != nil {
		t.Fatal(err)
	}
	changedList := &change.Field{Type: change.Array, Optional: true, Logical: "changed", Elem: &dbzOptString}
	want := []change.RecordHeader{
		{Key: "changed", Schema: changedList, Value: []any{}},
		{Key: "__op", Schema: &dbzOptString, Value: "d"},
		{Key: "__op", Schema: &change.Field{Type: change.String}, Value: "d"},
	}
	if !reflect.DeepEqual(got.Headers, want) {
		t.Errorf("tombstone headers\n got %+v\nwant %+v", got.Headers, want)
	}
	// A tombstone of another event (another key object) has only its own.
	got, _ = ch.Apply(fxTombstone())
	if len(got.Headers) != 1 || got.Headers[0].Key != "__op" {
		t.Errorf("unrelated tombstone headers %+v", got.Headers)
	}
}
