//go:build integration

package mysql

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// TestIntegrationSchemaChanges runs DDL against MariaDB and checks the
// schema-change records between the row events: an ALTER with the table's
// new definition as Debezium's DDL parser records it (SHOW CREATE TABLE, then
// the ALTER; the text of defaults and enum values as written), CREATE, RENAME (an ALTER of the
// new name), DROP (no table), and no record for a TRUNCATE.
func TestIntegrationSchemaChanges(t *testing.T) {
	e := newMyEnv(t, "ddl")
	e.exec("CREATE TABLE t (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, a VARCHAR(10) DEFAULT 'it''s' COMMENT 'note', " +
		"e ENUM('p','q') NOT NULL, d DECIMAL(10,2)) DEFAULT CHARSET=utf8mb4 COMMENT 'tbl'")
	st := e.open(e.config(map[string]string{"snapshot.mode": "no_data"}), nil, Knobs{})
	// One statement at a time, so that each DDL is read while the table is
	// as the statement left it.
	var evs []*change.Event
	for _, s := range []struct {
		sql string
		n   int
	}{
		{"INSERT INTO t (a, e) VALUES ('x', 'p')", 1},
		{"ALTER TABLE t ADD COLUMN b DATETIME(3) NULL", 1},
		{"INSERT INTO t (a, e, b) VALUES ('y', 'q', '2024-01-02 03:04:05.678')", 1},
		{"CREATE TABLE u (k VARCHAR(5) PRIMARY KEY)", 1},
		{"RENAME TABLE u TO u2", 1},
		{"TRUNCATE TABLE t", 0},
		{"DROP TABLE u2", 1},
	} {
		e.exec(s.sql)
		evs = append(evs, next(t, st, s.n)...)
	}
	quiet(t, st, 500*time.Millisecond)

	if evs[0].Message != nil || evs[0].Op != change.OpCreate || evs[2].Message != nil || evs[2].Table.Version != 2 {
		t.Fatalf("row events: %+v / %+v", evs[0], evs[2])
	}
	type tc struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		Table *struct {
			DefaultCharsetName string           `json:"defaultCharsetName"`
			PrimaryKey         []string         `json:"primaryKeyColumnNames"`
			Columns            []map[string]any `json:"columns"`
			Comment            *string          `json:"comment"`
		} `json:"table"`
	}
	type value struct {
		Source       map[string]any `json:"source"`
		DatabaseName string         `json:"databaseName"`
		DDL          string         `json:"ddl"`
		TableChanges []tc           `json:"tableChanges"`
	}
	enc := schema.NewJSON(schema.JSONOptions{TopicPrefix: "itest"})
	decode := func(i int) value {
		t.Helper()
		if evs[i].Message == nil {
			t.Fatalf("event %d: %s row, want a schema change", i, evs[i].Op)
		}
		ms, err := enc.Encode(nil, evs[i])
		if err != nil {
			t.Fatal(err)
		}
		if ms[0].Topic != "itest" || string(ms[0].Key) != `{"databaseName":"`+e.db+`"}` {
			t.Errorf("event %d: topic %s key %s", i, ms[0].Topic, ms[0].Key)
		}
		var v value
		if err := json.Unmarshal(ms[0].Value, &v); err != nil {
			t.Fatal(err)
		}
		if v.DatabaseName != e.db || v.Source["db"] != e.db || v.Source["gtid"] == nil || v.Source["connector"] != "mariadb" {
			t.Errorf("event %d: %s", i, ms[0].Value)
		}
		t.Logf("%s", ms[0].Value)
		return v
	}

	alter := decode(1)
	if alter.DDL != "ALTER TABLE t ADD COLUMN b DATETIME(3) NULL" || len(alter.TableChanges) != 1 {
		t.Fatalf("alter: %+v", alter)
	}
	ch := alter.TableChanges[0]
	if ch.Type != "ALTER" || ch.ID != `"`+e.db+`"."t"` || ch.Table == nil {
		t.Fatalf("alter change: %+v", ch)
	}
	tb := ch.Table
	if tb.DefaultCharsetName != "utf8mb4" || strings.Join(tb.PrimaryKey, ",") != "id" || tb.Comment == nil || *tb.Comment != "tbl" || len(tb.Columns) != 5 {
		t.Errorf("alter table: %+v", tb)
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	wantCols := []string{
		`{"autoIncremented":true,"charsetName":null,"comment":null,"defaultValueExpression":null,"enumValues":null,"generated":true,"jdbcType":4,"length":10,"name":"id","nativeType":null,"optional":false,"position":1,"scale":null,"typeExpression":"INT UNSIGNED","typeName":"INT UNSIGNED"}`,
		`{"autoIncremented":false,"charsetName":"utf8mb4","comment":"note","defaultValueExpression":"it''s","enumValues":null,"generated":false,"jdbcType":12,"length":10,"name":"a","nativeType":null,"optional":true,"position":2,"scale":null,"typeExpression":"VARCHAR","typeName":"VARCHAR"}`,
		`{"autoIncremented":false,"charsetName":"utf8mb4","comment":null,"defaultValueExpression":null,"enumValues":["'p'","'q'"],"generated":false,"jdbcType":1,"length":1,"name":"e","nativeType":null,"optional":false,"position":3,"scale":null,"typeExpression":"ENUM","typeName":"ENUM"}`,
		`{"autoIncremented":false,"charsetName":null,"comment":null,"defaultValueExpression":null,"enumValues":null,"generated":false,"jdbcType":3,"length":10,"name":"d","nativeType":null,"optional":true,"position":4,"scale":2,"typeExpression":"DECIMAL","typeName":"DECIMAL"}`,
		`{"autoIncremented":false,"charsetName":null,"comment":null,"defaultValueExpression":null,"enumValues":null,"generated":false,"jdbcType":93,"length":3,"name":"b","nativeType":null,"optional":true,"position":5,"scale":null,"typeExpression":"DATETIME","typeName":"DATETIME"}`,
	}
	for i, c := range tb.Columns {
		if got := js(c); i < len(wantCols) && got != wantCols[i] {
			t.Errorf("column %d:\n got %s\nwant %s", i, got, wantCols[i])
		}
	}

	create := decode(3)
	if len(create.TableChanges) != 1 || create.TableChanges[0].Type != "CREATE" || create.TableChanges[0].Table == nil ||
		len(create.TableChanges[0].Table.Columns) != 1 || create.TableChanges[0].Table.PrimaryKey[0] != "k" {
		t.Errorf("create: %+v", create)
	}
	rename := decode(4)
	if len(rename.TableChanges) != 1 || rename.TableChanges[0].Type != "ALTER" || rename.TableChanges[0].ID != `"`+e.db+`"."u2"` ||
		rename.TableChanges[0].Table == nil {
		t.Errorf("rename: %+v", rename)
	}
	drop := decode(5)
	if !strings.HasPrefix(drop.DDL, "DROP TABLE") || len(drop.TableChanges) != 1 || drop.TableChanges[0].Type != "DROP" ||
		drop.TableChanges[0].Table != nil || drop.TableChanges[0].ID != `"`+e.db+`"."u2"` {
		t.Errorf("drop: %+v", drop)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Pos.Tx <= evs[i-1].Pos.Tx || !evs[i].Pos.Last {
			t.Errorf("event %d position %+v after %+v", i, evs[i].Pos, evs[i-1].Pos)
		}
	}

	// Under the Avro converter the records register and decode.
	checkSchemaChangeAvro(t, evs[1], evs[5])
}

// checkSchemaChangeAvro encodes schema-change events with the Avro
// converter against integration/env's registry, then decodes each value
// with the schema registered under its id.
func checkSchemaChangeAvro(t *testing.T, evs ...*change.Event) {
	t.Helper()
	url := os.Getenv("SLUICE_REGISTRY_URL")
	if url == "" {
		url = "http://127.0.0.1:58081/apis/ccompat/v7"
	}
	ctx := context.Background()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Subjects(ctx); err != nil {
		t.Skipf("no schema registry at %s (run integration/env/up registry): %v", url, err)
	}
	prefix := "sluiceddl" + strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
	t.Cleanup(func() {
		for _, s := range []string{prefix + "-key", prefix + "-value"} {
			_, _ = cl.DeleteSubject(ctx, s, sr.SoftDelete)
			_, _ = cl.DeleteSubject(ctx, s, sr.HardDelete)
		}
	})
	reg, err := schema.NewRegistry(schema.RegistryOptions{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := schema.NewAvro(schema.AvroOptions{TopicPrefix: prefix, KeyRegistry: reg, ValueRegistry: reg})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		ms, err := enc.Encode(nil, ev)
		if err != nil {
			t.Fatalf("avro encode of schema change %d: %v", i, err)
		}
		if len(ms) != 1 || ms[0].Topic != prefix || len(ms[0].Value) < 5 || ms[0].Value[0] != 0 {
			t.Fatalf("avro message %d: %+v", i, ms)
		}
		id := int(binary.BigEndian.Uint32(ms[0].Value[1:5]))
		ss, err := cl.SchemaByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := avro.Parse(ss.Schema)
		if err != nil {
			t.Fatalf("registered schema %d: %v\n%s", id, err, ss.Schema)
		}
		var v map[string]any
		if _, err := sch.Decode(ms[0].Value[5:], &v); err != nil {
			t.Fatalf("decode value %d: %v", i, err)
		}
		if v["ddl"] == nil || v["databaseName"] == nil || v["tableChanges"] == nil {
			t.Errorf("avro value %d: %v", i, v)
		}
		t.Logf("avro schema-change value: %v", v)
	}
}

// TestIntegrationSnapshotSchemaRecords checks the schema-change records a
// snapshot writes before its rows, in Debezium's order and wording, and
// that a restart among them writes the rest, then every row, the first
// marked "first".
func TestIntegrationSnapshotSchemaRecords(t *testing.T) {
	e := newMyEnv(t, "snapddl")
	e.exec("CREATE TABLE b (id INT PRIMARY KEY, flag BOOLEAN, doc JSON, f FLOAT(7,3))", "INSERT INTO b VALUES (1, TRUE, '{\"a\": 1}', 1234.567)",
		"CREATE TABLE a (k VARCHAR(5) PRIMARY KEY)", "INSERT INTO a VALUES ('x')")
	// The include list orders the snapshot: b before a.
	cfg := e.config(map[string]string{"table.include.list": e.db + `\.b,` + e.db + `\.a`})
	st := e.open(cfg, nil, Knobs{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var recs []*change.Event
	var rows []*change.Event
	for len(rows) < 2 {
		ev, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Message != nil {
			if len(rows) > 0 {
				t.Fatalf("schema record after a row: %v", ev.Message.Value[4])
			}
			recs = append(recs, ev)
			continue
		}
		rows = append(rows, ev)
	}
	st.Close()
	q := func(s string) string { return "`" + s + "`" }
	var got []string
	for _, r := range recs {
		if !r.Pos.Snapshot || r.Pos.Table != "" || r.Message.Value[0].(change.StructValue)[srcSnapshotIdx] != "true" {
			t.Errorf("record %v: position %+v, source %v", r.Message.Value[4], r.Pos, r.Message.Value[0])
		}
		got = append(got, r.Message.Key[0].(string)+"|"+strings.SplitN(r.Message.Value[4].(string), "\n", 2)[0])
	}
	want := []string{
		"|SET character_set_server=utf8mb4, collation_server=utf8mb4_general_ci",
		e.db + "|DROP TABLE IF EXISTS " + q(e.db) + "." + q("a"),
		e.db + "|DROP TABLE IF EXISTS " + q(e.db) + "." + q("b"),
		e.db + "|DROP DATABASE IF EXISTS " + q(e.db),
		e.db + "|CREATE DATABASE " + q(e.db) + " CHARSET utf8mb4 COLLATE utf8mb4_general_ci",
		e.db + "|USE " + q(e.db),
		e.db + "|CREATE TABLE `a` (",
		e.db + "|CREATE TABLE `b` (",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("snapshot schema records:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The CREATE's table change is SHOW CREATE TABLE's: BOOLEAN is TINYINT
	// (int16 in the rows), JSON is LONGTEXT (a plain string), FLOAT(7,3) a
	// double.
	b := rows[0]
	if b.Table.ID.Name != "b" || b.Source[srcSnapshotIdx] != "first" {
		t.Fatalf("first row: %s %v", b.Table.ID, b.Source)
	}
	// source.ts_ms of a snapshot row is the server's CURRENT_TIMESTAMP when
	// its table's reading began: whole seconds, as Debezium's.
	if ms, _ := b.Source[3].(int64); ms == 0 || ms%1000 != 0 {
		t.Errorf("snapshot row source.ts_ms %v, want whole seconds", b.Source[3])
	}
	if b.After[1] != int16(1) || b.After[2] != `{"a": 1}` || b.Table.Columns[2].Logical != "" || b.After[3] != 1234.5670166015625 {
		t.Errorf("row of b: %#v", b.After)
	}
	tc := recs[7].Message.Value[5].([]any)[0].(change.StructValue)
	if cols := tc[2].(change.StructValue)[2].([]any); cols[1].(change.StructValue)[3] != "TINYINT" || cols[2].(change.StructValue)[3] != "LONGTEXT" {
		t.Errorf("table change of b: %v", tc)
	}

	// A restart after the third record writes the other five, then the rows.
	cp := recs[2].Pos
	st = e.open(cfg, &cp, Knobs{})
	defer st.Close()
	var rest []*change.Event
	for len(rest) < 7 {
		ev, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, ev)
	}
	for i, ev := range rest[:5] {
		if ev.Message == nil || ev.Message.Value[4] != recs[3+i].Message.Value[4] {
			t.Fatalf("after the restart, record %d: %+v", i, ev)
		}
	}
	if rest[5].Message != nil || rest[5].Table.ID.Name != "b" || rest[5].Source[srcSnapshotIdx] != "first" || rest[6].Table.ID.Name != "a" {
		t.Errorf("rows after the restart: %v / %v", rest[5].Source, rest[6].Table)
	}
}

// TestIntegrationNoDataSchemaRecords: snapshot.mode=no_data writes the
// snapshot's schema-change records (the last marked "last", as Debezium's
// snapshot without data), then streams; a restart among them writes the
// rest and streams from the same position.
func TestIntegrationNoDataSchemaRecords(t *testing.T) {
	e := newMyEnv(t, "nodata")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	cfg := e.config(map[string]string{"snapshot.mode": "no_data"})
	st := e.open(cfg, nil, Knobs{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var recs []*change.Event
	for len(recs) < 6 {
		ev, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, ev)
	}
	e.exec("INSERT INTO t VALUES (2)")
	row := next(t, st, 1)[0]
	st.Close()
	var got []string
	for i, r := range recs {
		if r.Message == nil || !r.Pos.Snapshot || r.Pos.Table != "" {
			t.Fatalf("record %d: %+v", i, r)
		}
		got = append(got, r.Message.Value[0].(change.StructValue)[srcSnapshotIdx].(string)+" "+strings.SplitN(r.Message.Value[4].(string), " ", 3)[0])
	}
	if w := "true SET,true DROP,true DROP,true CREATE,true USE,last CREATE"; strings.Join(got, ",") != w {
		t.Errorf("records %s, want %s", strings.Join(got, ","), w)
	}
	if row.Op != change.OpCreate || toInt64(row.After[0]) != 2 {
		t.Fatalf("streamed row: %s %v", row.Op, row.After)
	}
	// Restart after the fourth record: the last two, then the stream from
	// the same binlog position (row 2 again, as it was not acknowledged).
	cp := recs[3].Pos
	st = e.open(cfg, &cp, Knobs{})
	defer st.Close()
	var rest []*change.Event
	for len(rest) < 3 {
		ev, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, ev)
	}
	if rest[0].Message == nil || rest[0].Message.Value[4] != recs[4].Message.Value[4] || rest[1].Message == nil || rest[1].Message.Value[4] != recs[5].Message.Value[4] {
		t.Errorf("after the restart: %v / %v", rest[0].Message, rest[1].Message)
	}
	if rest[2].Op != change.OpCreate || toInt64(rest[2].After[0]) != 2 {
		t.Errorf("streamed after the restart: %s %v", rest[2].Op, rest[2].After)
	}
}

// TestIntegrationUniqueKeyTable: a table without a primary key but with a
// UNIQUE index of NOT NULL columns is keyed by it, in the snapshot and in
// the stream (Debezium's key; measured on 3.5.0), and chunked by it.
func TestIntegrationUniqueKeyTable(t *testing.T) {
	e := newMyEnv(t, "ukey")
	e.exec("CREATE TABLE u (b INT, a VARCHAR(5) NOT NULL, UNIQUE KEY ua (a))",
		"INSERT INTO u VALUES (1, 'x'), (2, 'y'), (3, 'z')")
	st := e.open(e.config(map[string]string{"snapshot.fetch.size": "2"}), nil, Knobs{})
	defer st.Close()
	snap := next(t, st, 3)
	e.exec("UPDATE u SET b = 20 WHERE a = 'y'")
	upd := next(t, st, 1)[0]
	for _, ev := range append(snap, upd) {
		if k := ev.Table.Key; len(k) != 1 || ev.Table.Columns[k[0]].Name != "a" {
			t.Fatalf("%s event: key %v", ev.Op, k)
		}
	}
	if snap[0].After[1] != "x" || snap[2].After[1] != "z" || upd.Op != change.OpUpdate || upd.After[1] != "y" {
		t.Errorf("events: %v %v %v", snap[0].After, snap[2].After, upd.After)
	}
}
