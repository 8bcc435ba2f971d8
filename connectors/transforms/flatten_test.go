package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func fieldNames(f *change.Field) string {
	var n []string
	for _, m := range f.Fields {
		s := m.Name
		if m.Optional {
			s += "?"
		}
		n = append(n, s)
	}
	return strings.Join(n, ",")
}

func TestFlattenDebeziumEnvelope(t *testing.T) {
	tr := mustTransform(t, kafkaTransforms+"Flatten$Value", map[string]string{"delimiter": "_"})
	in := dbzRecord("c", nil, dbzRow(1, "a"))
	before := fieldNames(in.ValueSchema)
	out, err := tr.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "before_id?,before_name?,before_born?,before_seen?,before_at?,before_qty?," +
		"after_id?,after_name?,after_born?,after_seen?,after_at?,after_qty?," +
		"source_version,source_connector,source_name,source_ts_ms,source_db,source_table,source_lsn?," +
		"transaction_id?,transaction_total_order?,transaction_data_collection_order?,op,ts_ms?,ts_us?,ts_ns?"
	if got := fieldNames(out.ValueSchema); got != want {
		t.Errorf("fields\n got %s\nwant %s", got, want)
	}
	// after.id is required in the row, but after is optional: every leaf
	// under an optional ancestor becomes optional.
	s := out.ValueSchema
	if s.Logical != "pg.public.items.Envelope" || s.Version != 2 || s.Optional {
		t.Errorf("flattened schema basics: %+v", s)
	}
	if f := s.Fields[s.Member("after_born")]; f.Logical != "io.debezium.time.Date" || f.Version != 1 {
		t.Errorf("leaf schema basics lost: %+v", f)
	}
	if f := s.Fields[s.Member("after_qty")]; f.Default != int16(7) {
		t.Errorf("leaf default lost: %+v", f)
	}
	wantV := change.StructValue{nil, nil, nil, nil, nil, nil,
		int32(1), "a", int32(19724), "2024-01-02T10:11:12.123456Z", int64(1704190272123), int16(3),
		"3.6.1.Final", "postgresql", "pg", int64(1700000000000), "db", "items", int64(123),
		nil, nil, nil, "c", int64(1700000000001), int64(1700000000001000), int64(1700000000001000000)}
	if !reflect.DeepEqual(out.Value, wantV) {
		t.Errorf("value\n got %#v\nwant %#v", out.Value, wantV)
	}
	if fieldNames(in.ValueSchema) != before || !reflect.DeepEqual(out.Key, in.Key) || out.KeySchema != in.KeySchema {
		t.Errorf("input or key changed")
	}
}

func TestFlattenNullMemberTakesDefault(t *testing.T) {
	tr := mustTransform(t, kafkaTransforms+"Flatten$Value", nil)
	row := dbzRow(2, nil)
	row[5] = nil
	out, err := tr.Apply(dbzRecord("c", nil, row))
	if err != nil {
		t.Fatal(err)
	}
	v := out.Value.(change.StructValue)
	if got := v[out.ValueSchema.Member("after.qty")]; got != int16(7) {
		t.Errorf("after.qty = %v, want the default 7 (Struct.get)", got)
	}
	if got := v[out.ValueSchema.Member("after.name")]; got != nil {
		t.Errorf("after.name = %v, want null", got)
	}
}

func TestFlattenKeyTombstoneAndSchemaless(t *testing.T) {
	key := mustTransform(t, kafkaTransforms+"Flatten$Key", nil)
	val := mustTransform(t, kafkaTransforms+"Flatten$Value", map[string]string{"delimiter": "/"})
	tomb := dbzRecord("d", dbzRow(1, "a"), nil)
	tomb.ValueSchema, tomb.Value = nil, nil
	if out, err := val.Apply(tomb); out != tomb || err != nil {
		t.Errorf("tombstone: %+v, %v; want it unchanged", out, err)
	}
	out, err := key.Apply(tomb)
	if err != nil || fieldNames(out.KeySchema) != "id" || !reflect.DeepEqual(out.Key, change.StructValue{int32(1)}) {
		t.Errorf("key: %+v %+v, %v", out.KeySchema, out.Key, err)
	}

	in := &change.Record{Topic: "t", Value: map[string]any{
		"a": int32(1), "b": map[string]any{"c": "x", "d": map[string]any{"e": nil}, "f": []any{map[string]any{"g": 1}}},
		"h": nil,
	}}
	out, err = val.Apply(in)
	want := map[string]any{"a": int32(1), "b/c": "x", "b/d/e": nil, "b/f": []any{map[string]any{"g": 1}}, "h": nil}
	if err != nil || !reflect.DeepEqual(out.Value, want) || out.ValueSchema != nil {
		t.Errorf("schemaless: %#v, %v", out.Value, err)
	}
}

func TestFlattenErrors(t *testing.T) {
	val := mustTransform(t, kafkaTransforms+"Flatten$Value", nil)
	for _, c := range []struct {
		rec  *change.Record
		want string
	}{
		{&change.Record{Value: "x"}, "Only Map objects supported in absence of schema for [flattening], found: java.lang.String"},
		{&change.Record{ValueSchema: &change.Field{Type: change.String}, Value: "x"}, "Only Struct objects supported for [flattening], found: java.lang.String"},
		{&change.Record{ValueSchema: &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "m", Type: change.Map, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.String}}}}, Value: change.StructValue{change.MapValue{}}},
			"Flatten transformation does not support MAP for record with schemas (for field m)."},
		{&change.Record{ValueSchema: &change.Field{Type: change.Struct, Fields: []change.Field{
			{Name: "a.b", Type: change.Int32}, {Name: "a", Type: change.Struct, Fields: []change.Field{{Name: "b", Type: change.Int32}}}}},
			Value: change.StructValue{int32(1), change.StructValue{int32(2)}}},
			"Cannot create field because of field name duplication a.b"},
	} {
		_, err := val.Apply(c.rec)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: err = %v, want %q", c.rec, err, c.want)
		}
	}
}

// TestFlattenSchemaChangeRecord flattens a MariaDB schema-change value: the
// source block's members come up, tableChanges (an array of structs) stays
// as it is, and the key struct passes through Flatten$Key unchanged in
// shape.
func TestFlattenSchemaChangeRecord(t *testing.T) {
	column := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.schema.Column", Fields: []change.Field{{Name: "name", Type: change.String}}}
	tableChange := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.schema.Change", Fields: []change.Field{
		{Name: "type", Type: change.String}, {Name: "id", Type: change.String},
		{Name: "columns", Type: change.Array, Elem: column},
	}}
	schema := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.mariadb.SchemaChangeValue", Version: 1, Fields: []change.Field{
		{Name: "source", Type: change.Struct, Logical: "io.debezium.connector.mariadb.Source", Fields: []change.Field{
			{Name: "db", Type: change.String}, {Name: "table", Type: change.String, Optional: true}}},
		{Name: "ts_ms", Type: change.Int64},
		{Name: "databaseName", Type: change.String, Optional: true},
		{Name: "ddl", Type: change.String, Optional: true},
		{Name: "tableChanges", Type: change.Array, Elem: tableChange},
	}}
	changes := []any{change.StructValue{"CREATE", `"d"."t"`, []any{change.StructValue{"id"}}}}
	in := &change.Record{Topic: "p", ValueSchema: schema,
		Value: change.StructValue{change.StructValue{"d", nil}, int64(5), "d", "CREATE TABLE t (id int)", changes}}
	out, err := mustTransform(t, kafkaTransforms+"Flatten$Value", nil).Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldNames(out.ValueSchema); got != "source.db,source.table?,ts_ms,databaseName?,ddl?,tableChanges" {
		t.Errorf("fields %s", got)
	}
	tc := out.ValueSchema.Fields[5]
	if tc.Type != change.Array || tc.Elem != tableChange || tc.Optional {
		t.Errorf("tableChanges schema %+v: want the same array schema", tc)
	}
	want := change.StructValue{"d", nil, int64(5), "d", "CREATE TABLE t (id int)", changes}
	if !reflect.DeepEqual(out.Value, want) {
		t.Errorf("value %#v", out.Value)
	}
	if out.ValueSchema.Logical != schema.Logical || out.ValueSchema.Version != 1 {
		t.Errorf("schema basics lost: %+v", out.ValueSchema)
	}
}
