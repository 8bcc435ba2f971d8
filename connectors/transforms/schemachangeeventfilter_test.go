package transforms

import (
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// A MariaDB schema change record as Debezium shapes it, with the types of
// its tableChanges entries (no argument: a null list; an empty slice: an
// empty list).
func scefRecord(types ...string) *change.Record {
	changeSchema := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.schema.Change", Version: 1, Fields: []change.Field{
		{Name: "type", Type: change.String}, {Name: "id", Type: change.String},
	}}
	value := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.mariadb.SchemaChangeValue", Version: 1, Fields: []change.Field{
		{Name: "ts_ms", Type: change.Int64},
		{Name: "databaseName", Type: change.String, Optional: true},
		{Name: "ddl", Type: change.String, Optional: true},
		{Name: "tableChanges", Type: change.Array, Elem: changeSchema},
	}}
	var changes any
	if types != nil {
		list := []any{}
		for _, t := range types {
			list = append(list, change.StructValue{t, `"db"."t"`})
		}
		changes = list
	}
	return &change.Record{
		Topic:     "mdb",
		KeySchema: &change.Field{Type: change.Struct, Logical: "io.debezium.connector.mariadb.SchemaChangeKey", Version: 1, Fields: []change.Field{{Name: "databaseName", Type: change.String}}},
		Key:       change.StructValue{"db"}, ValueSchema: value,
		Value: change.StructValue{int64(1), "db", "ddl", changes},
	}
}

func TestSchemaChangeEventFilter(t *testing.T) {
	key, env := dbz2Schemas("mdb.db.t", change.Field{Name: "id", Type: change.Int32})
	data := dbz2Record(key, env, "mdb.db.t", "c", nil, change.StructValue{int32(1)})
	for _, c := range []struct {
		name    string
		exclude string
		in      *change.Record
		drop    bool
	}{
		{"excluded ALTER dropped", "ALTER", scefRecord("ALTER"), true},
		{"CREATE kept when ALTER,DROP excluded", " ALTER , DROP,", scefRecord("CREATE"), false},
		{"DROP dropped", "ALTER,DROP", scefRecord("DROP"), true},
		{"the first entry decides", "ALTER", scefRecord("CREATE", "ALTER"), false},
		{"empty tableChanges is DATABASE", "DATABASE", scefRecord([]string{}...), true},
		{"empty tableChanges kept unless DATABASE", "CREATE", scefRecord([]string{}...), false},
		{"null tableChanges always dropped", "TRUNCATE", scefRecord(), true},
		{"data records pass", "CREATE,ALTER,DROP,TRUNCATE,DATABASE", data, false},
		{"tombstones pass", "CREATE", &change.Record{Topic: "mdb", KeySchema: key, Key: change.StructValue{int32(1)}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := dbz2MustNew(t, schemaChangeEventFilterClass, map[string]string{"schema.change.event.exclude.list": c.exclude}).Apply(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.drop && out != nil || !c.drop && out != c.in {
				t.Errorf("got %+v, want drop=%v", out, c.drop)
			}
		})
	}

	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{}, `"transforms.t.schema.change.event.exclude.list"`},
		{map[string]string{"schema.change.event.exclude.list": "  "}, "transforms.t.schema.change.event.exclude.list"},
		{map[string]string{"schema.change.event.exclude.list": "alter"}, "No enum constant io.debezium.schema.SchemaChangeEvent.SchemaChangeEventType.alter"},
		{map[string]string{"schema.change.event.exclude.list": ",ALTER"}, "SchemaChangeEventType. (the types"},
	} {
		_, err := dbz2New(t, schemaChangeEventFilterClass, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.opts, err, c.want)
		}
	}
}
