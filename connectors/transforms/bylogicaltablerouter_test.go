package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestByLogicalTableRouter(t *testing.T) {
	cols := []change.Field{{Name: "id", Type: change.Int32}, {Name: "name", Type: change.String, Optional: true}}
	key1, env1 := dbz2Schemas("pg.public.orders_1", cols...)
	insert := dbz2Record(key1, env1, "pg.public.orders_1", "c", nil, change.StructValue{int32(7), "x"})
	tombstone := &change.Record{Topic: "pg.public.orders_1", KeySchema: key1, Key: change.StructValue{int32(7)}}
	keyless := dbz2Record(key1, env1, "pg.public.orders_1", "c", nil, change.StructValue{int32(7), "x"})
	keyless.Key = nil
	heartbeatKey := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.ServerNameKey", Version: 1, Fields: []change.Field{{Name: "serverName", Type: change.String}}}
	heartbeatValue := &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.Heartbeat", Version: 1, Fields: []change.Field{{Name: "ts_ms", Type: change.Int64}}}
	heartbeat := &change.Record{Topic: "__debezium-heartbeat.pg", KeySchema: heartbeatKey, Key: change.StructValue{"pg"}, ValueSchema: heartbeatValue, Value: change.StructValue{int64(5)}}

	shards := map[string]string{"topic.regex": `(.*)\.orders_(\d+)`, "topic.replacement": "$1.orders_all"}
	with := func(extra ...string) map[string]string {
		m := map[string]string{}
		for k, v := range shards {
			m[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name      string
		opts      map[string]string
		in        *change.Record
		topic     string
		keyName   string
		keyFields []string
		key       change.StructValue
		envName   string // "" when the value is left as it is
	}{
		{"merge with the old topic in the key", shards, insert, "pg.public.orders_all",
			"pg.public.orders_all.Key", []string{"id", "__dbz__physicalTableIdentifier"}, change.StructValue{int32(7), "pg.public.orders_1"}, "pg.public.orders_all.Envelope"},
		{"key.field.regex and replacement, own field name", with("key.field.regex", `.*_(\d+)`, "key.field.replacement", "shard-$1", "key.field.name", "shard"), insert, "pg.public.orders_all",
			"pg.public.orders_all.Key", []string{"id", "shard"}, change.StructValue{int32(7), "shard-1"}, "pg.public.orders_all.Envelope"},
		{"key.field.regex that does not match keeps the topic", with("key.field.regex", `nomatch`, "key.field.replacement", "x"), insert, "pg.public.orders_all",
			"pg.public.orders_all.Key", []string{"id", "__dbz__physicalTableIdentifier"}, change.StructValue{int32(7), "pg.public.orders_1"}, "pg.public.orders_all.Envelope"},
		{"uniqueness off renames the key only", with("key.enforce.uniqueness", "false"), insert, "pg.public.orders_all",
			"pg.public.orders_all.Key", []string{"id"}, change.StructValue{int32(7)}, "pg.public.orders_all.Envelope"},
		{"tombstone: topic and key", shards, tombstone, "pg.public.orders_all",
			"pg.public.orders_all.Key", []string{"id", "__dbz__physicalTableIdentifier"}, change.StructValue{int32(7), "pg.public.orders_1"}, ""},
		{"no key: no key schema either", shards, keyless, "pg.public.orders_all", "", nil, nil, "pg.public.orders_all.Envelope"},
		{"heartbeat matching the regex: topic and key, value kept", map[string]string{"topic.regex": `__debezium-heartbeat\.(.*)`, "topic.replacement": "hb.$1"}, heartbeat, "hb.pg",
			"hb.pg.Key", []string{"serverName", "__dbz__physicalTableIdentifier"}, change.StructValue{"pg", "__debezium-heartbeat.pg"}, ""},
		{"avro adjustment of the new names", with("topic.replacement", "$1.orders-all", "schema.name.adjustment.mode", "avro"), insert, "pg.public.orders-all",
			"pg.public.orders_all.Key", []string{"id", "__dbz__physicalTableIdentifier"}, change.StructValue{int32(7), "pg.public.orders_1"}, "pg.public.orders_all.Envelope"},
		{"no adjustment by default", with("topic.replacement", "$1.orders-all"), insert, "pg.public.orders-all",
			"pg.public.orders-all.Key", []string{"id", "__dbz__physicalTableIdentifier"}, change.StructValue{int32(7), "pg.public.orders_1"}, "pg.public.orders-all.Envelope"},
		{"replaceFirst replaces the first find, not the whole match", map[string]string{"topic.regex": `pg|pg\.public\.orders_1`, "topic.replacement": "X"}, insert, "X.public.orders_1",
			"X.public.orders_1.Key", []string{"id", "__dbz__physicalTableIdentifier"}, change.StructValue{int32(7), "pg.public.orders_1"}, "X.public.orders_1.Envelope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := *c.in
			out, err := dbz2MustNew(t, byLogicalTableRouterClass, c.opts).Apply(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*c.in, in) {
				t.Fatal("the input record changed")
			}
			if out.Topic != c.topic {
				t.Errorf("topic %q, want %q", out.Topic, c.topic)
			}
			if c.keyName == "" {
				if out.KeySchema != nil || out.Key != nil {
					t.Errorf("key %v %v, want none", out.KeySchema, out.Key)
				}
			} else {
				if out.KeySchema.Logical != c.keyName || out.KeySchema.Version != c.in.KeySchema.Version {
					t.Errorf("key schema %q v%d, want %q", out.KeySchema.Logical, out.KeySchema.Version, c.keyName)
				}
				var names []string
				for _, f := range out.KeySchema.Fields {
					names = append(names, f.Name)
				}
				if !reflect.DeepEqual(names, c.keyFields) {
					t.Errorf("key fields %v, want %v", names, c.keyFields)
				}
				if n := len(out.KeySchema.Fields); n > len(c.in.KeySchema.Fields) {
					if f := out.KeySchema.Fields[n-1]; f.Type != change.String || f.Optional {
						t.Errorf("added key field %+v, want a required string", f)
					}
				}
				if !reflect.DeepEqual(out.Key, c.key) {
					t.Errorf("key %v, want %v", out.Key, c.key)
				}
			}
			if c.envName == "" {
				if out.ValueSchema != c.in.ValueSchema || !reflect.DeepEqual(out.Value, c.in.Value) {
					t.Errorf("value changed: %v %v", out.ValueSchema, out.Value)
				}
			} else {
				env := out.ValueSchema
				valueName := strings.TrimSuffix(c.envName, ".Envelope") + ".Value"
				if env.Logical != c.envName || env.Version != 2 {
					t.Errorf("envelope %q v%d, want %q v2", env.Logical, env.Version, c.envName)
				}
				for i, f := range env.Fields {
					old := c.in.ValueSchema.Fields[i]
					switch f.Name {
					case "before", "after":
						if f.Logical != valueName || !f.Optional || !reflect.DeepEqual(f.Fields, old.Fields) {
							t.Errorf("%s: %q optional=%v, want %q optional with the same members", f.Name, f.Logical, f.Optional, valueName)
						}
					default:
						if !reflect.DeepEqual(f, old) {
							t.Errorf("%s changed: %+v", f.Name, f)
						}
					}
				}
				if !reflect.DeepEqual(out.Value, c.in.Value) {
					t.Errorf("value %v, want %v", out.Value, c.in.Value)
				}
			}
			if !reflect.DeepEqual(out.Headers, c.in.Headers) || out.Partition != c.in.Partition {
				t.Errorf("headers or partition changed: %v %d", out.Headers, out.Partition)
			}
		})
	}
}

func TestByLogicalTableRouterPassesUnmatched(t *testing.T) {
	key, env := dbz2Schemas("pg.public.customers", change.Field{Name: "id", Type: change.Int32})
	r := dbz2Record(key, env, "pg.public.customers", "c", nil, change.StructValue{int32(1)})
	for _, opts := range []map[string]string{
		{"topic.regex": `(.*)\.orders_(\d+)`, "topic.replacement": "$1.orders"},
		{"topic.regex": `pg\.public`, "topic.replacement": "x"},                // matches a part only
		{"topic.regex": `(.*)\.customers(.*)`, "topic.replacement": "$2"},      // replacement empty
		{"topic.regex": `(?i)PG\.PUBLIC\.X|zzz`, "topic.replacement": "never"}, // no match at all
	} {
		out, err := dbz2MustNew(t, byLogicalTableRouterClass, opts).Apply(r)
		if err != nil || out != r {
			t.Errorf("%v: got %+v, %v; want the record itself", opts, out, err)
		}
	}
}

// Records of one table share their new schemas, so encoders and the
// registry see one schema per logical table; shards of one logical table
// share the renamed names, and the cache size bounds what is kept.
func TestByLogicalTableRouterReusesSchemas(t *testing.T) {
	tr := dbz2MustNew(t, byLogicalTableRouterClass, map[string]string{"topic.regex": `(.*)\.orders_(\d+)`, "topic.replacement": "$1.orders", "logical.table.cache.size": "1"})
	cols := change.Field{Name: "id", Type: change.Int32}
	k1, e1 := dbz2Schemas("pg.public.orders_1", cols)
	k2, e2 := dbz2Schemas("pg.public.orders_2", cols)
	a, _ := tr.Apply(dbz2Record(k1, e1, "pg.public.orders_1", "c", nil, change.StructValue{int32(1)}))
	b, _ := tr.Apply(dbz2Record(k1, e1, "pg.public.orders_1", "u", change.StructValue{int32(1)}, change.StructValue{int32(1)}))
	if a.KeySchema != b.KeySchema || a.ValueSchema != b.ValueSchema {
		t.Error("two records of one table got different schema pointers")
	}
	c, _ := tr.Apply(dbz2Record(k2, e2, "pg.public.orders_2", "c", nil, change.StructValue{int32(1)}))
	if !reflect.DeepEqual(c.KeySchema, a.KeySchema) || !reflect.DeepEqual(c.ValueSchema, a.ValueSchema) {
		t.Errorf("shards' schemas differ: %+v vs %+v", c.ValueSchema, a.ValueSchema)
	}
	if n := tr.(*byLogicalTableRouter).keySchemas.len(); n != 1 {
		t.Errorf("key schema cache holds %d, want 1 (logical.table.cache.size)", n)
	}
	if !reflect.DeepEqual(c.Key, change.StructValue{int32(1), "pg.public.orders_2"}) {
		t.Errorf("key %v", c.Key)
	}
}

func TestByLogicalTableRouterErrors(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"topic.replacement": "x"}, `"transforms.t.topic.regex"`},
		{map[string]string{"topic.regex": "x"}, `"transforms.t.topic.replacement"`},
		{map[string]string{"topic.regex": "(x", "topic.replacement": "x"}, "transforms.t.topic.regex"},
		{map[string]string{"topic.regex": "x", "topic.replacement": "y", "key.field.regex": "(.*)"}, "key.field.replacement must be non-empty if key.field.regex is set."},
		{map[string]string{"topic.regex": "x", "topic.replacement": "y", "schema.name.adjustment.mode": "avro2"}, "Value must be one of none, avro, avro_unicode"},
		{map[string]string{"topic.regex": "x", "topic.replacement": "y", "key.enforce.uniqueness": "yes"}, "transforms.t.key.enforce.uniqueness"},
		{map[string]string{"topic.regex": "x", "topic.replacement": "y", "logical.table.cache.size": "many"}, "transforms.t.logical.table.cache.size"},
	} {
		_, err := dbz2New(t, byLogicalTableRouterClass, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.opts, err, c.want)
		}
	}

	key, env := dbz2Schemas("pg.public.orders_1", change.Field{Name: "id", Type: change.Int32})
	tr := dbz2MustNew(t, byLogicalTableRouterClass, map[string]string{"topic.regex": `(.*)\.orders_(\d+)`, "topic.replacement": "$1.orders"})
	schemaless := &change.Record{Topic: "pg.public.orders_1", Key: map[string]any{"id": 1}, Value: map[string]any{"id": 1}}
	if _, err := tr.Apply(schemaless); err == nil || err.Error() != "Only Struct objects supported for [Updating schema], found: java.util.HashMap" {
		t.Errorf("schemaless key: %v", err)
	}
	bad := dbz2MustNew(t, byLogicalTableRouterClass, map[string]string{"topic.regex": `(.*)\.orders_(\d+)`, "topic.replacement": "$3"})
	if _, err := bad.Apply(dbz2Record(key, env, "pg.public.orders_1", "c", nil, change.StructValue{int32(1)})); err == nil || !strings.Contains(err.Error(), "no group 3") {
		t.Errorf("replacement naming a missing group: %v", err)
	}
	// A key that already has key.field.name cannot get it twice.
	dup := dbz2MustNew(t, byLogicalTableRouterClass, map[string]string{"topic.regex": `(.*)\.orders_(\d+)`, "topic.replacement": "$1.orders", "key.field.name": "id"})
	if _, err := dup.Apply(dbz2Record(key, env, "pg.public.orders_1", "c", nil, change.StructValue{int32(1)})); err == nil || err.Error() != "Cannot create field because of field name duplication id" {
		t.Errorf("key.field.name naming a key column: %v", err)
	}
	// Debezium's Avro adjuster refuses two names that become the same.
	avro := dbz2MustNew(t, byLogicalTableRouterClass, map[string]string{"topic.regex": `(.*)`, "topic.replacement": "$1", "schema.name.adjustment.mode": "avro"})
	k1, e1 := dbz2Schemas("a-b", change.Field{Name: "id", Type: change.Int32})
	k2, e2 := dbz2Schemas("a+b", change.Field{Name: "id", Type: change.Int32})
	if _, err := avro.Apply(dbz2Record(k1, e1, "a-b", "c", nil, change.StructValue{int32(1)})); err != nil {
		t.Fatal(err)
	}
	_, err := avro.Apply(dbz2Record(k2, e2, "a+b", "c", nil, change.StructValue{int32(1)}))
	if err == nil || !strings.Contains(err.Error(), "'a+b.Key' is not a valid Avro schema name and its replacement 'a_b.Key' conflicts with another different schema 'a-b.Key'") {
		t.Errorf("conflicting Avro names: %v", err)
	}
}
