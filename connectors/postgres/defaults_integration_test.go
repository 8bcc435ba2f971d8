//go:build integration

package postgres

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// TestIntegrationColumnDefaults creates the tables of testdata/defaults (83
// and 25 columns: every type family with literal, cast, function and
// expression defaults, infinities, operators) and checks the "default" of every column's Connect schema, as
// the JsonConverter writes it, byte for byte against what Debezium 3.6.1
// wrote for the same tables (testdata/defaults/debezium-3.6.1-fields*.json,
// measured 2026-12-02 with Kafka Connect 4.3.0). Then, while streaming: a
// row with explicit NULLs shows the defaults, a delete's before image under
// REPLICA IDENTITY DEFAULT gives NOT NULL columns their default before the
// type's fallback, and ALTER ... SET DEFAULT and ADD COLUMN ... DEFAULT
// reach the schema.
func TestIntegrationColumnDefaults(t *testing.T) {
	e := newPGEnv(t, "dflt")
	for _, f := range []string{"table.sql", "table-2.sql"} {
		ddl, err := os.ReadFile("testdata/defaults/" + f)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range strings.Split(string(ddl), ";\n") {
			if strings.TrimSpace(stmt) != "" {
				e.exec(stmt)
			}
		}
	}
	e.exec("INSERT INTO $S.t2 (id) VALUES (1)")
	// c_num_nan is NULL in the rows: a NaN value is another matter (its
	// default, like Debezium's, is none).
	e.exec(`INSERT INTO $S.t (id, c_num_nan, c_int_nn_nodef, c_text_nn_nodef) VALUES (1, NULL, 1, 'x')`,
		`INSERT INTO $S.t (id, c_bool, c_int4, c_text, c_num, c_ts, c_enum, c_num_nan, c_int_nn_nodef, c_text_nn_nodef)
			VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, 'y')`)
	st := e.open(e.config(nil), nil)
	snap := next(t, st, 3) // t's two rows, then t2's

	enc := schema.NewJSON(schema.JSONOptions{TopicPrefix: "itest", KeySchemas: true, ValueSchemas: true, Tombstones: true})
	record := func(ev *change.Event) (fields map[string]map[string]json.RawMessage, after, before map[string]json.RawMessage) {
		t.Helper()
		msgs, err := enc.Encode(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Schema struct {
				Fields []struct {
					Fields []map[string]json.RawMessage `json:"fields"`
				} `json:"fields"`
			} `json:"schema"`
			Payload struct {
				Before, After map[string]json.RawMessage
			} `json:"payload"`
		}
		if err := json.Unmarshal(msgs[0].Value, &v); err != nil {
			t.Fatalf("%v: %s", err, msgs[0].Value)
		}
		fields = map[string]map[string]json.RawMessage{}
		for _, f := range v.Schema.Fields[0].Fields {
			var name string
			_ = json.Unmarshal(f["field"], &name)
			fields[name] = f
		}
		return fields, v.Payload.After, v.Payload.Before
	}

	// Every column's default, against Debezium's.
	checkDefaults := func(file string, ev *change.Event) {
		t.Helper()
		raw, err := os.ReadFile("testdata/defaults/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var dbz []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &dbz); err != nil {
			t.Fatal(err)
		}
		got, _, _ := record(ev)
		withDefault := 0
		for _, want := range dbz {
			var name string
			_ = json.Unmarshal(want["field"], &name)
			g, ok := got[name]
			if !ok {
				t.Errorf("%s column %s: missing from sluice's schema", ev.Table.ID.Name, name)
				continue
			}
			if !bytes.Equal(g["default"], want["default"]) {
				t.Errorf("%s column %s: default %s, Debezium %s", ev.Table.ID.Name, name, orNone(g["default"]), orNone(want["default"]))
			}
			if !bytes.Equal(g["optional"], want["optional"]) {
				t.Errorf("%s column %s: optional %s, Debezium %s", ev.Table.ID.Name, name, g["optional"], want["optional"])
			}
			if want["default"] != nil {
				withDefault++
			}
		}
		if withDefault < len(dbz)/2 {
			t.Fatalf("only %d of Debezium's %d columns have a default: wrong testdata?", withDefault, len(dbz))
		}
	}
	checkDefaults("debezium-3.6.1-fields.json", snap[0])
	checkDefaults("debezium-3.6.1-fields-2.json", snap[2])

	// Explicit NULLs are written as the defaults (replace.null.with.default).
	_, after, _ := record(snap[1])
	for col, want := range map[string]string{"c_bool": "true", "c_int4": "42", "c_text": `"it"`, "c_num": `"AJY="`,
		"c_ts": "1577934245123456", "c_enum": `"ok"`, "c_bool_null": "null", "c_int4_null": "null"} {
		if string(after[col]) != want {
			t.Errorf("row 2 %s = %s, want %s", col, after[col], want)
		}
	}

	// Streaming: a delete's before image (key only in the WAL).
	e.exec("DELETE FROM $S.t WHERE id = 1")
	del := next(t, st, 1)[0]
	if del.Op != change.OpDelete {
		t.Fatalf("op %c", del.Op)
	}
	_, _, before := record(del)
	for col, want := range map[string]string{"id": "1", "c_text_nn": `"dflt"`, "c_bool_nn": "true", "c_enum_nn": `"happy"`,
		"c_serial": "0", "c_bigserial": "0", "c_int_nn_nodef": "0", "c_text_nn_nodef": `""`,
		"c_int4": "42", "c_bool": "true", "c_inet": "null"} {
		if string(before[col]) != want {
			t.Errorf("delete before %s = %s, want %s", col, before[col], want)
		}
	}
	tbl := del.Table
	if v := del.Before[tbl.Column("c_int4")]; v != nil {
		t.Errorf("nullable c_int4 in the before image is %#v; only the JSON shows its default", v)
	}

	// ALTER ... SET DEFAULT, with the same columns: a new schema version.
	e.exec("ALTER TABLE $S.t ALTER COLUMN c_int4 SET DEFAULT 7",
		"INSERT INTO $S.t (id, c_int4, c_num_nan, c_int_nn_nodef, c_text_nn_nodef) VALUES (3, NULL, NULL, 3, 'z')")
	ins := next(t, st, 1)[0]
	if ins.Table.Version != tbl.Version+1 {
		t.Errorf("schema version %d after SET DEFAULT, want %d", ins.Table.Version, tbl.Version+1)
	}
	if d := ins.Table.Columns[ins.Table.Column("c_int4")].Default; d != int32(7) {
		t.Errorf("c_int4 default after SET DEFAULT: %#v", d)
	}

	// ADD COLUMN ... DEFAULT while streaming.
	e.exec("ALTER TABLE $S.t ADD COLUMN extra int DEFAULT 5",
		"INSERT INTO $S.t (id, extra, c_num_nan, c_int_nn_nodef, c_text_nn_nodef) VALUES (4, NULL, NULL, 4, 'w')",
		"INSERT INTO $S.t (id, c_num_nan, c_int_nn_nodef, c_text_nn_nodef) VALUES (5, NULL, 5, 'v')")
	evs := next(t, st, 2)
	fields, after, _ := record(evs[0])
	if string(fields["extra"]["default"]) != "5" || string(after["extra"]) != "5" {
		t.Errorf("added column: schema %s, value %s; want default 5 and 5", fields["extra"], after["extra"])
	}
	if i := evs[0].Table.Column("extra"); i < 0 || evs[0].After[i] != nil || evs[1].After[i] != int32(5) {
		t.Errorf("added column values %v, %v", evs[0].After, evs[1].After)
	}
	if !reflect.DeepEqual(evs[0].Table, evs[1].Table) {
		t.Errorf("two schemas for one table version")
	}
	quiet(t, st, 300*1e6)
}

func orNone(b json.RawMessage) string {
	if b == nil {
		return "(none)"
	}
	return string(b)
}
