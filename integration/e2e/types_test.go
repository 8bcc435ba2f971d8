//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// The type matrix: every Postgres type of docs/types.md goes through the
// real daemon, into Kafka, under each value mode, in JSON with schemas and
// in Avro, and each column's schema and value is compared with the table
// below (which is docs/types.md's table, in code). Each row is written once
// before the connector starts (read by the snapshot, op "r") and once after
// (streamed from the WAL, op "c"), each with an all-NULL companion row.
//
// MariaDB: types_mysql_test.go has TestTypeMatrixMariaDB, with
// docs/types.md's MySQL section as mariadbTypeCases, its own mode settings
// (myTypeRuns) and the helpers below. checkTypeRecord and waitPerTopic take
// the cases and the runs and know nothing of Postgres.

// typeModes is one setting of Debezium's value modes.
type typeModes struct{ name, decimal, time, binary string }

var (
	modesDefault = typeModes{"default", "precise", "adaptive", "bytes"}
	modesAlt1    = typeModes{"alt1", "double", "adaptive_time_microseconds", "base64"}
	// modesAlt2 also sets include.unknown.datatypes=true on Postgres.
	modesAlt2 = typeModes{"alt2", "string", "connect", "hex"}
)

// typeWant is one column under one setting of the modes.
type typeWant struct {
	// schema is the column's Connect schema as JsonConverter writes it,
	// without "field" and the column's own "optional" (every column is
	// nullable). absentSchema means the column is left out of the records.
	schema string
	// json is the column's value in the JSON payload.
	json string
	// avro summarises the column's Avro type (see avroSummary), the
	// non-null branch of its ["null", T] union.
	avro string
	// avroValue is the decoded Avro value through avroPlain, as JSON;
	// empty means the same as json.
	avroValue string
	// stream is the value of a streamed row (op "c"), in JSON and Avro,
	// when it differs from the snapshot's.
	stream string
	// snapJSON, when set, is the value (JSON and Avro) in a snapshot row,
	// where it differs from a streamed one (MariaDB TIMESTAMP fractions).
	snapJSON string
}

// typeCase is one column: its SQL type, the literal inserted, and what
// sluice writes for it under the default modes and, where they differ, the
// others (fields left empty are the default's).
type typeCase struct {
	col, sqlType, literal string
	def                   typeWant
	modes                 map[string]typeWant
}

func (c typeCase) want(m typeModes) typeWant {
	w := c.def
	o, ok := c.modes[m.name]
	if !ok {
		return w
	}
	if o.schema != "" {
		w.schema = o.schema
	}
	if o.json != "" {
		w.json = o.json
	}
	if o.avro != "" {
		w.avro = o.avro
	}
	w.avroValue = o.avroValue // a mode that changes the value states both
	if o.stream != "" {
		w.stream = o.stream
	}
	if o.snapJSON != "" {
		w.snapJSON = o.snapJSON
	}
	return w
}

// absentSchema marks a column left out of the records (a type Debezium has
// no mapping for, without include.unknown.datatypes).
const absentSchema = "absent"

// Schema builders for the table.
func cs(typ string) string { return `{"type":"` + typ + `"}` }

func cl(typ, name string, params ...string) string {
	s := `{"type":"` + typ + `","name":"` + name + `","version":1`
	if len(params) > 0 {
		s += `,"parameters":{`
		for i := 0; i < len(params); i += 2 {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf("%q:%q", params[i], params[i+1])
		}
		s += "}"
	}
	return s + "}"
}

func decimalSchema(precision, scale string) string {
	if precision == "" {
		return cl("bytes", "org.apache.kafka.connect.data.Decimal", "scale", scale)
	}
	return cl("bytes", "org.apache.kafka.connect.data.Decimal", "scale", scale, "connect.decimal.precision", precision)
}

func decimalAvro(precision, scale string) string {
	params := "connect.decimal.precision:" + precision + ",scale:" + scale
	if precision == "64" {
		params = "scale:" + scale // money: no precision parameter, AvroData's default 64
	}
	return "bytes decimal(" + precision + "," + scale + ") connect.name=org.apache.kafka.connect.data.Decimal connect.parameters=" + params
}

const (
	zoned       = "io.debezium.time.ZonedTimestamp"
	connectDate = "org.apache.kafka.connect.data.Date"
	connectTime = "org.apache.kafka.connect.data.Time"
	connectTS   = "org.apache.kafka.connect.data.Timestamp"
	moodAllowed = "sad,ok,happy"
)

var (
	stringWant = func(json string) typeWant { return typeWant{schema: cs("string"), json: json, avro: "string"} }
	logicalStr = func(name, json string) typeWant {
		return typeWant{schema: cl("string", name), json: json, avro: "string connect.name=" + name}
	}
	// the modes' string and double forms of a decimal column
	decimalModes = func(double, str string) map[string]typeWant {
		return map[string]typeWant{
			"alt1": {schema: cs("double"), json: double},
			"alt2": {schema: cs("string"), json: str, avro: "string"},
		}
	}
	connectTimeModes = func(micro typeWant, connectJSON, avroValue string) map[string]typeWant {
		return map[string]typeWant{
			"alt1": micro,
			"alt2": {schema: cl("int32", connectTime), json: connectJSON,
				avro: "int time-millis connect.name=" + connectTime, avroValue: avroValue},
		}
	}
)

// postgresTypeCases is docs/types.md's Postgres table. The schema
// <schema> holds the enum mood (sad, ok, happy) and the domains posint
// (int4) and price (numeric(8,2)).
var postgresTypeCases = []typeCase{
	{col: "c_bool", sqlType: "bool", literal: "true", def: typeWant{schema: cs("boolean"), json: "true", avro: "boolean"}},
	{col: "c_bit1", sqlType: "bit(1)", literal: "B'1'", def: typeWant{schema: cs("boolean"), json: "true", avro: "boolean"}},
	{col: "c_bit8", sqlType: "bit(8)", literal: "B'10000001'", def: typeWant{
		schema: cl("bytes", "io.debezium.data.Bits", "length", "8"), json: `"gQ=="`,
		avro: "bytes connect.name=io.debezium.data.Bits connect.parameters=length:8"}},
	{col: "c_varbit", sqlType: "varbit(16)", literal: "B'0000000100000010'", def: typeWant{
		schema: cl("bytes", "io.debezium.data.Bits", "length", "16"), json: `"AgE="`,
		avro: "bytes connect.name=io.debezium.data.Bits connect.parameters=length:16"}},
	{col: "c_int2", sqlType: "int2", literal: "-32768", def: typeWant{schema: cs("int16"), json: "-32768", avro: "int connect.type=int16"}},
	{col: "c_int4", sqlType: "int4", literal: "2147483647", def: typeWant{schema: cs("int32"), json: "2147483647", avro: "int"}},
	{col: "c_int8", sqlType: "int8", literal: "-9223372036854775808", def: typeWant{schema: cs("int64"), json: "-9223372036854775808", avro: "long"}},
	{col: "c_oid", sqlType: "oid", literal: "4000000000", def: typeWant{schema: cs("int64"), json: "4000000000", avro: "long"}},
	{col: "c_f4", sqlType: "float4", literal: "1.5", def: typeWant{schema: cs("float"), json: "1.5", avro: "float"}},
	{col: "c_f8", sqlType: "float8", literal: "-2.25e-10", def: typeWant{schema: cs("double"), json: "-2.25E-10", avro: "double"}},
	{col: "c_num", sqlType: "numeric(10,2)", literal: "12345678.9", def: typeWant{
		schema: decimalSchema("10", "2"), json: `"SZYC0g=="`, avro: decimalAvro("10", "2"), avroValue: `"decimal:12345678.9"`},
		modes: decimalModes("12345678.9", `"12345678.90"`)},
	{col: "c_numfree", sqlType: "numeric", literal: "3.14159", def: typeWant{
		schema: `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}],` +
			`"name":"io.debezium.data.VariableScaleDecimal","version":1,"doc":"Variable scaled decimal"}`,
		json: `{"scale":5,"value":"BMsv"}`, avro: "record io.debezium.data.VariableScaleDecimal{scale:int,value:bytes}"},
		modes: decimalModes("3.14159", `"3.14159"`)},
	{col: "c_money", sqlType: "money", literal: "1234.56", def: typeWant{
		schema: decimalSchema("", "2"), json: `"AeJA"`, avro: decimalAvro("64", "2"), avroValue: `"decimal:1234.56"`},
		modes: decimalModes("1234.56", `"1234.56"`)},
	{col: "c_char", sqlType: "char(5)", literal: "'ab'", def: stringWant(`"ab   "`)},
	{col: "c_varchar", sqlType: "varchar(20)", literal: "'varchar'", def: stringWant(`"varchar"`)},
	{col: "c_text", sqlType: "text", literal: "'tab\t\"quote\" \\ ü €'", def: stringWant(`"tab\t\"quote\" \\ ü €"`)},
	// Debezium's pgoutput decoder does not know name: null when streamed
	// (measured against 3.6.1), unless include.unknown.datatypes (alt2).
	{col: "c_name", sqlType: "name", literal: "'a_name'", def: typeWant{schema: cs("string"), json: `"a_name"`, avro: "string", stream: "null"},
		modes: map[string]typeWant{"alt2": {stream: `"a_name"`}}},
	{col: "c_qchar", sqlType: `"char"`, literal: "'x'", def: stringWant(`"x"`)},
	{col: "c_citext", sqlType: "citext", literal: "'MiXeD'", def: stringWant(`"MiXeD"`)},
	{col: "c_bytea", sqlType: "bytea", literal: `'\xdeadbeef'`, def: typeWant{schema: cs("bytes"), json: `"3q2+7w=="`, avro: "bytes"},
		modes: map[string]typeWant{
			"alt1": {schema: cs("string"), json: `"3q2+7w=="`},
			"alt2": {schema: cs("string"), json: `"deadbeef"`, avro: "string"},
		}},
	{col: "c_date", sqlType: "date", literal: "'2024-02-29'", def: typeWant{
		schema: cl("int32", "io.debezium.time.Date"), json: "19782", avro: "int connect.name=io.debezium.time.Date"},
		modes: map[string]typeWant{"alt2": {schema: cl("int32", connectDate), json: "19782",
			avro: "int date connect.name=" + connectDate, avroValue: `"time:2024-02-29T00:00:00Z"`}}},
	{col: "c_time", sqlType: "time", literal: "'13:14:15.123456'", def: typeWant{
		schema: cl("int64", "io.debezium.time.MicroTime"), json: "47655123456", avro: "long connect.name=io.debezium.time.MicroTime"},
		modes: connectTimeModes(typeWant{}, "47655123", `"duration:13h14m15.123s"`)},
	{col: "c_time3", sqlType: "time(3)", literal: "'13:14:15.123'", def: typeWant{
		schema: cl("int32", "io.debezium.time.Time"), json: "47655123", avro: "int connect.name=io.debezium.time.Time"},
		modes: connectTimeModes(typeWant{schema: cl("int64", "io.debezium.time.MicroTime"), json: "47655123000"},
			"47655123", `"duration:13h14m15.123s"`)},
	{col: "c_ts", sqlType: "timestamp", literal: "'2024-05-01 10:15:30.123456'", def: typeWant{
		schema: cl("int64", "io.debezium.time.MicroTimestamp"), json: "1714558530123456", avro: "long connect.name=io.debezium.time.MicroTimestamp"},
		modes: map[string]typeWant{"alt2": {schema: cl("int64", connectTS), json: "1714558530123",
			avro: "long timestamp-millis connect.name=" + connectTS, avroValue: `"time:2024-05-01T10:15:30.123Z"`}}},
	{col: "c_ts3", sqlType: "timestamp(3)", literal: "'2024-05-01 10:15:30.123'", def: typeWant{
		schema: cl("int64", "io.debezium.time.Timestamp"), json: "1714558530123", avro: "long connect.name=io.debezium.time.Timestamp"},
		modes: map[string]typeWant{"alt2": {schema: cl("int64", connectTS), json: "1714558530123",
			avro: "long timestamp-millis connect.name=" + connectTS, avroValue: `"time:2024-05-01T10:15:30.123Z"`}}},
	{col: "c_tstz", sqlType: "timestamptz", literal: "'2024-05-01 12:15:30.5+02'", def: logicalStr(zoned, `"2024-05-01T10:15:30.500000Z"`)},
	{col: "c_tstz0", sqlType: "timestamptz(0)", literal: "'2024-05-01 10:15:30+00'", def: logicalStr(zoned, `"2024-05-01T10:15:30Z"`)},
	{col: "c_timetz", sqlType: "timetz", literal: "'10:15:30.1234+02'", def: logicalStr("io.debezium.time.ZonedTime", `"08:15:30.1234Z"`)},
	{col: "c_interval", sqlType: "interval", literal: "'1 year 2 mons 3 days 04:05:06.789'", def: typeWant{
		schema: cl("int64", "io.debezium.time.MicroDuration"), json: "37091106789000", avro: "long connect.name=io.debezium.time.MicroDuration"}},
	{col: "c_uuid", sqlType: "uuid", literal: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", def: logicalStr("io.debezium.data.Uuid", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`)},
	{col: "c_json", sqlType: "json", literal: `'{"a": [1, 2]}'`, def: logicalStr("io.debezium.data.Json", `"{\"a\": [1, 2]}"`)},
	{col: "c_jsonb", sqlType: "jsonb", literal: `'{"b": {"c": null}, "a": 1}'`, def: logicalStr("io.debezium.data.Json", `"{\"a\": 1, \"b\": {\"c\": null}}"`)},
	{col: "c_xml", sqlType: "xml", literal: "'<a>1</a>'", def: logicalStr("io.debezium.data.Xml", `"<a>1</a>"`)},
	{col: "c_enum", sqlType: "mood", literal: "'happy'", def: typeWant{
		schema: cl("string", "io.debezium.data.Enum", "allowed", moodAllowed), json: `"happy"`,
		avro: "string connect.name=io.debezium.data.Enum connect.parameters=allowed:" + moodAllowed}},
	{col: "c_inet", sqlType: "inet", literal: "'192.168.0.1/24'", def: stringWant(`"192.168.0.1/24"`)},
	{col: "c_cidr", sqlType: "cidr", literal: "'10.0.0.0/8'", def: stringWant(`"10.0.0.0/8"`)},
	{col: "c_macaddr", sqlType: "macaddr", literal: "'08:00:2b:01:02:03'", def: stringWant(`"08:00:2b:01:02:03"`)},
	{col: "c_macaddr8", sqlType: "macaddr8", literal: "'08:00:2b:01:02:03:04:05'", def: stringWant(`"08:00:2b:01:02:03:04:05"`)},
	{col: "c_int4range", sqlType: "int4range", literal: "'[1,10)'", def: stringWant(`"[1,10)"`)},
	{col: "c_int8range", sqlType: "int8range", literal: "'[1,10]'", def: stringWant(`"[1,11)"`)},
	{col: "c_numrange", sqlType: "numrange", literal: "'(1.5,2.5]'", def: stringWant(`"(1.5,2.5]"`)},
	{col: "c_tsrange", sqlType: "tsrange", literal: "'[2024-01-01 00:00,2024-01-02 00:00)'", def: stringWant(`"[\"2024-01-01 00:00:00\",\"2024-01-02 00:00:00\")"`)},
	{col: "c_tstzrange", sqlType: "tstzrange", literal: "'[2024-01-01 00:00+00,2024-01-02 00:00+00)'", def: stringWant(`"[\"2024-01-01 00:00:00+00\",\"2024-01-02 00:00:00+00\")"`)},
	{col: "c_daterange", sqlType: "daterange", literal: "'[2024-01-01,2024-02-01)'", def: stringWant(`"[2024-01-01,2024-02-01)"`)},
	{col: "c_hstore", sqlType: "hstore", literal: `'"k"=>"v", "a"=>"1"'`, def: logicalStr("io.debezium.data.Json", `"{\"a\":\"1\",\"k\":\"v\"}"`)},
	{col: "c_ltree", sqlType: "ltree", literal: "'Top.Science'", def: logicalStr("io.debezium.data.Ltree", `"Top.Science"`)},
	{col: "c_tsvector", sqlType: "tsvector", literal: "'a fat cat'", def: logicalStr("io.debezium.data.Tsvector", `"'a' 'cat' 'fat'"`)},
	{col: "c_point", sqlType: "point", literal: "'(1,2)'", def: typeWant{
		schema: `{"type":"struct","fields":[{"type":"double","optional":false,"field":"x"},{"type":"double","optional":false,"field":"y"},` +
			`{"type":"bytes","optional":true,"field":"wkb"},{"type":"int32","optional":true,"field":"srid"}],` +
			`"name":"io.debezium.data.geometry.Point","version":1,"doc":"Geometry (POINT)"}`,
		json: `{"x":1.0,"y":2.0,"wkb":"AQEAAAAAAAAAAADwPwAAAAAAAABA","srid":null}`,
		avro: "record io.debezium.data.geometry.Point{x:double,y:double,wkb:?bytes,srid:?int}"}},
	{col: "c_int4arr", sqlType: "int4[]", literal: "'{1,NULL,3}'", def: typeWant{
		schema: `{"type":"array","items":{"type":"int32","optional":true}}`, json: "[1,null,3]", avro: "array<?int>"}},
	{col: "c_textarr", sqlType: "text[]", literal: `'{"a","b c"}'`, def: typeWant{
		schema: `{"type":"array","items":{"type":"string","optional":true}}`, json: `["a","b c"]`, avro: "array<?string>"}},
	{col: "c_enumarr", sqlType: "mood[]", literal: "'{sad,ok}'", def: typeWant{
		schema: `{"type":"array","items":{"type":"string","optional":false,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"` + moodAllowed + `"}}}`,
		json:   `["sad","ok"]`, avro: "array<string connect.name=io.debezium.data.Enum connect.parameters=allowed:" + moodAllowed + ">"}},
	{col: "c_numarr", sqlType: "numeric(5,2)[]", literal: "'{1.50,-0.01}'", def: typeWant{
		schema: `{"type":"array","items":{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"5"}}}`,
		json:   `["AJY=","/w=="]`, avro: "array<?" + decimalAvro("5", "2") + ">", avroValue: `["decimal:1.5","decimal:-0.01"]`},
		modes: map[string]typeWant{
			"alt1": {schema: `{"type":"array","items":{"type":"double","optional":true}}`, json: "[1.5,-0.01]"},
			"alt2": {schema: `{"type":"array","items":{"type":"string","optional":true}}`, json: `["1.50","-0.01"]`, avro: "array<?string>"},
		}},
	{col: "c_posint", sqlType: "posint", literal: "42", def: typeWant{schema: cs("int32"), json: "42", avro: "int"}},
	{col: "c_price", sqlType: "price", literal: "9.99", def: typeWant{
		schema: decimalSchema("8", "2"), json: `"A+c="`, avro: decimalAvro("8", "2"), avroValue: `"decimal:9.99"`},
		modes: decimalModes("9.99", `"9.99"`)},
	// NaN in precise mode: null, as Debezium 3.6.1 sends it (measured).
	{col: "c_numnan", sqlType: "numeric(10,2)", literal: "'NaN'", def: typeWant{
		schema: decimalSchema("10", "2"), json: "null", avro: decimalAvro("10", "2")},
		modes: map[string]typeWant{
			"alt1": {schema: cs("double"), json: `"NaN"`},
			"alt2": {schema: cs("string"), json: `"NAN"`, avro: "string"},
		}},
	// No mapping in Debezium: left out, unless include.unknown.datatypes
	// (alt2), then binary.handling.mode's type holding the JDBC driver's
	// text, "(3.0,4.0),(1.0,2.0)" (measured against Debezium 3.6.1).
	{col: "c_box", sqlType: "box", literal: "'((1,2),(3,4))'", def: typeWant{schema: absentSchema},
		modes: map[string]typeWant{"alt2": {schema: cs("string"), json: `"28332e302c342e30292c28312e302c322e3029"`, avro: "string"}}},
}

// typeRun is one connector of the matrix: an encoding and the modes.
type typeRun struct {
	name  string
	avro  bool
	modes typeModes
}

var typeRuns = []typeRun{
	{"json", false, modesDefault},
	{"json_alt1", false, modesAlt1},
	{"json_alt2", false, modesAlt2},
	{"avro", true, modesDefault},
	{"avro_alt2", true, modesAlt2},
}

// TestTypeMatrixPostgres checks every Postgres type of docs/types.md
// through the daemon, in JSON with schemas and in Avro decoded from the
// registry.
func TestTypeMatrixPostgres(t *testing.T) {
	needRegistry(t)
	prefix := uniq("tm")
	schemaName := prefix
	pg := pgConn(t)
	for _, ext := range []string{"hstore", "citext", "ltree"} {
		// Left in place: other tests of the shared database may use them.
		mustExec(t, pg, "CREATE EXTENSION IF NOT EXISTS "+ext)
	}
	mustExec(t, pg, "CREATE SCHEMA "+schemaName)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+schemaName+" CASCADE") })
	mustExec(t, pg, "SET search_path TO "+schemaName+", public")
	mustExec(t, pg, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
	mustExec(t, pg, "CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)")
	mustExec(t, pg, "CREATE DOMAIN price AS numeric(8,2)")
	var cols, lits []string
	for _, c := range postgresTypeCases {
		cols = append(cols, c.col+" "+c.sqlType)
		lits = append(lits, c.literal)
	}
	mustExec(t, pg, "CREATE TABLE types (id int PRIMARY KEY, "+strings.Join(cols, ", ")+")")
	insert := func(id int) {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO types (id, %s) VALUES (%d, %s)", strings.Join(colNames(postgresTypeCases), ", "), id, strings.Join(lits, ", ")))
		mustExec(t, pg, fmt.Sprintf("INSERT INTO types (id) VALUES (%d)", id+1))
	}
	insert(1) // the snapshot's rows: 1, and 2 with NULLs

	table := schemaName + ".types"
	for _, r := range typeRuns {
		// Before startDaemon: cleanups run last first, so the slots are
		// dropped after the daemon that holds them is gone.
		dropSlot(t, prefix+"_"+r.name)
	}
	d := startDaemon(t, t.TempDir())
	var topics []string
	for _, r := range typeRuns {
		name := prefix + "_" + r.name
		topic := name + "." + table
		topics = append(topics, topic)
		cfg := pgConfig(t, name, name, table)
		cfg["decimal.handling.mode"] = r.modes.decimal
		cfg["time.precision.mode"] = r.modes.time
		cfg["binary.handling.mode"] = r.modes.binary
		if r.modes == modesAlt2 {
			cfg["include.unknown.datatypes"] = "true"
		}
		if r.avro {
			avroConverters(cfg)
			deleteSubjectsAtEnd(t, topic)
		} else {
			cfg["key.converter.schemas.enable"] = "true"
			cfg["value.converter.schemas.enable"] = "true"
		}
		if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
			t.Fatalf("create %s: %d %s", name, code, b)
		}
	}
	c := newConsumer(t, topics...)
	// Every connector has read its snapshot, so its slot exists: the next
	// rows are streamed to each.
	var names []string
	for _, r := range typeRuns {
		names = append(names, prefix+"_"+r.name)
	}
	waitPerTopic(t, d, names, c, topics, 2)
	insert(3) // streamed: 3, and 4 with NULLs
	waitPerTopic(t, d, names, c, topics, 4)
	recs := c.settle(2 * time.Second)

	for i, r := range typeRuns {
		t.Run(r.name, func(t *testing.T) {
			if st, trace := d.status(t, prefix+"_"+r.name).taskState(); st != "RUNNING" {
				t.Fatalf("connector %s: %s", st, trace)
			}
			var got []record
			for _, rec := range recs {
				if rec.Topic == topics[i] {
					got = append(got, rec)
				}
			}
			if len(got) != 4 {
				t.Fatalf("%d records on %s, want 4", len(got), topics[i])
			}
			dec := newAvroDecoder()
			for j, rec := range got {
				id, op := j+1, "r"
				if id > 2 {
					op = "c"
				}
				checkTypeRecord(t, dec, r, postgresTypeCases, rec, id, op, id%2 == 0)
			}
		})
	}
}

// runIDPattern is a version 7 UUID, as Debezium's run ids are.
var runIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkContextHeaders checks Debezium's __debezium.context.* headers: the
// logical name is the topic prefix (the topic's first part here), the task
// 0, the connector a Debezium module name, the run id a UUIDv7.
func checkContextHeaders(t *testing.T, rec record) {
	t.Helper()
	prefix, _, _ := strings.Cut(rec.Topic, ".")
	if got := rec.Headers["__debezium.context.connectorLogicalName"]; got != prefix {
		t.Errorf("%s: header connectorLogicalName=%q, want %q", rec.Topic, got, prefix)
	}
	if got := rec.Headers["__debezium.context.taskId"]; got != "0" {
		t.Errorf("%s: header taskId=%q, want 0", rec.Topic, got)
	}
	switch got := rec.Headers["__debezium.context.connectorName"]; got {
	case "postgresql", "mysql", "mariadb":
	default:
		t.Errorf("%s: header connectorName=%q", rec.Topic, got)
	}
	if got := rec.Headers["__debezium.context.runId"]; !runIDPattern.MatchString(got) {
		t.Errorf("%s: header runId=%q, want a UUIDv7", rec.Topic, got)
	}
}

// presentColumns counts the cases whose column the records carry under m.
func presentColumns(cases []typeCase, m typeModes) int {
	n := 0
	for _, c := range cases {
		if c.want(m).schema != absentSchema {
			n++
		}
	}
	return n
}

func colNames(cases []typeCase) []string {
	var out []string
	for _, c := range cases {
		out = append(out, c.col)
	}
	return out
}

// waitPerTopic waits until each topic has at least n records, and fails
// at once when one of the connectors failed.
func waitPerTopic(t *testing.T, d *daemon, connectors []string, c *consumer, topics []string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for _, name := range connectors {
			// FAILED while it retries by itself is not a failure for good.
			if st, trace := d.status(t, name).taskState(); st == "FAILED" && !strings.Contains(trace, "sluice retries by itself") {
				t.Fatalf("connector %s failed: %s", name, trace)
			}
		}
		counts := map[string]int{}
		for _, r := range c.snapshot() {
			counts[r.Topic]++
		}
		short := []string{}
		for _, tp := range topics {
			if counts[tp] < n {
				short = append(short, fmt.Sprintf("%s: %d", tp, counts[tp]))
			}
		}
		if len(short) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d records on each topic; have %v", n, short)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkTypeRecord checks one record of the matrix: key, op, header, and
// every column's schema and value (all null when nulls).
func checkTypeRecord(t *testing.T, dec *avroDecoder, r typeRun, cases []typeCase, rec record, id int, op string, nulls bool) {
	t.Helper()
	if h := rec.Headers["sluice.schema.version"]; h != "1" {
		t.Errorf("row %d: header sluice.schema.version=%q, want 1", id, h)
	}
	checkContextHeaders(t, rec)
	if r.avro {
		checkAvroTypeRecord(t, dec, r, cases, rec, id, op, nulls)
		return
	}
	var key struct {
		Payload map[string]json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(rec.Key, &key); err != nil || !sameJSON(string(key.Payload["id"]), fmt.Sprint(id)) {
		t.Errorf("row %d: key %s (%v)", id, rec.Key, err)
	}
	var msg struct {
		Schema struct {
			Fields []struct {
				Field  string            `json:"field"`
				Fields []json.RawMessage `json:"fields"`
			} `json:"fields"`
		} `json:"schema"`
		Payload struct {
			Op    string                     `json:"op"`
			After map[string]json.RawMessage `json:"after"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(rec.Value, &msg); err != nil {
		t.Fatalf("row %d: %v in %s", id, err, rec.Value)
	}
	if msg.Payload.Op != op {
		t.Errorf("row %d: op %q, want %q", id, msg.Payload.Op, op)
	}
	schemas := map[string]map[string]any{}
	for _, f := range msg.Schema.Fields {
		if f.Field != "after" {
			continue
		}
		for _, raw := range f.Fields {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			name, _ := m["field"].(string)
			if m["optional"] != true && name != "id" {
				t.Errorf("column %s: schema not optional: %s", name, raw)
			}
			delete(m, "field")
			delete(m, "optional")
			schemas[name] = m
		}
	}
	present := presentColumns(cases, r.modes)
	if len(schemas) != present+1 || len(msg.Payload.After) != present+1 {
		t.Errorf("row %d: %d column schemas and %d values, want %d", id, len(schemas), len(msg.Payload.After), present+1)
	}
	for _, c := range cases {
		w := c.want(r.modes)
		if w.schema == absentSchema {
			if _, ok := schemas[c.col]; ok {
				t.Errorf("%s %s: in the schema, want it left out", c.col, c.sqlType)
			}
			if _, ok := msg.Payload.After[c.col]; ok {
				t.Errorf("row %d %s %s: in the record, want it left out", id, c.col, c.sqlType)
			}
			continue
		}
		if got, ok := schemas[c.col]; !ok {
			t.Errorf("%s %s: no schema", c.col, c.sqlType)
		} else if gs := jsonText(t, got); !sameJSON(gs, w.schema) {
			t.Errorf("%s %s: schema\n got %s\nwant %s", c.col, c.sqlType, gs, w.schema)
		}
		want := w.json
		if op == "c" && w.stream != "" {
			want = w.stream
		}
		if op == "r" && w.snapJSON != "" {
			want = w.snapJSON
		}
		if nulls {
			want = "null"
		}
		if got := string(msg.Payload.After[c.col]); !sameJSON(got, want) {
			t.Errorf("row %d %s %s: value %s, want %s", id, c.col, c.sqlType, got, want)
		}
	}
}

// checkAvroTypeRecord is checkTypeRecord for an Avro record, decoded with
// the registry alone.
func checkAvroTypeRecord(t *testing.T, dec *avroDecoder, r typeRun, cases []typeCase, rec record, id int, op string, nulls bool) {
	t.Helper()
	_, key := dec.mustDecode(t, rec.Key)
	if got := jsonText(t, avroPlain(key)); !sameJSON(got, fmt.Sprintf(`{"id":%d}`, id)) {
		t.Errorf("row %d: key %s", id, got)
	}
	sid, v := dec.mustDecode(t, rec.Value)
	if v["op"] != op {
		t.Errorf("row %d: op %v, want %s", id, v["op"], op)
	}
	after, ok := v["after"].(map[string]any)
	if !ok {
		t.Fatalf("row %d: after is %T", id, v["after"])
	}
	_, text, err := dec.schema(sid)
	if err != nil {
		t.Fatal(err)
	}
	types, err := avroColumnTypes(text)
	if err != nil {
		t.Fatalf("schema %d: %v\n%s", sid, err, text)
	}
	present := presentColumns(cases, r.modes)
	if len(types) != present+1 || len(after) != present+1 {
		t.Errorf("row %d: %d column types and %d values, want %d", id, len(types), len(after), present+1)
	}
	for _, c := range cases {
		w := c.want(r.modes)
		if w.schema == absentSchema {
			if _, ok := after[c.col]; ok {
				t.Errorf("row %d %s %s: in the Avro record, want it left out", id, c.col, c.sqlType)
			}
			continue
		}
		if got := types[c.col]; got != w.avro {
			t.Errorf("%s %s: Avro type\n got %s\nwant %s", c.col, c.sqlType, got, w.avro)
		}
		want := w.avroValue
		if want == "" {
			want = w.json
		}
		if op == "c" && w.stream != "" {
			want = w.stream
		}
		if op == "r" && w.snapJSON != "" {
			want = w.snapJSON
		}
		if nulls {
			want = "null"
		}
		val, present := after[c.col]
		if got := jsonText(t, avroPlain(val)); !present || !sameJSON(got, want) {
			t.Errorf("row %d %s %s: Avro value %s, want %s", id, c.col, c.sqlType, got, want)
		}
	}
}

// avroColumnTypes summarises the Avro type of each column of an envelope
// schema's Value record (the "after" field), for the expectations above:
// the non-null branch of the column's ["null", T] union, as
// "<type>[ <logicalType>][ connect.type=…][ connect.name=…][ connect.parameters=k:v,…]",
// records as "record <full name>{field:type,…}", arrays as "array<…>",
// optional members and items prefixed with "?". A column that is not a
// ["null", T] union with default null is reported as such.
func avroColumnTypes(text string) (map[string]string, error) {
	var env map[string]any
	if err := json.Unmarshal([]byte(text), &env); err != nil {
		return nil, err
	}
	fields, _ := env["fields"].([]any)
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		if fm["name"] != "after" && fm["name"] != "before" {
			continue
		}
		u, _ := fm["type"].([]any)
		var rec map[string]any
		for _, b := range u {
			if m, ok := b.(map[string]any); ok && m["type"] == "record" {
				rec = m
			}
		}
		if rec == nil {
			continue // "after" refers to the Value record "before" defined
		}
		out := map[string]string{}
		cols, _ := rec["fields"].([]any)
		for _, c := range cols {
			cm, _ := c.(map[string]any)
			name, _ := cm["name"].(string)
			out[name] = avroColumnType(cm)
		}
		return out, nil
	}
	return nil, fmt.Errorf("no Value record in the envelope")
}

func avroColumnType(field map[string]any) string {
	u, ok := field["type"].([]any)
	if !ok {
		return "required " + avroSummary(field["type"])
	}
	if len(u) != 2 || u[0] != "null" {
		return "union " + avroSummary(field["type"])
	}
	if d, has := field["default"]; !has || d != nil {
		return "no default null: " + avroSummary(u[1])
	}
	return avroSummary(u[1])
}

func avroSummary(node any) string {
	switch n := node.(type) {
	case string:
		return n
	case []any:
		if len(n) == 2 && n[0] == "null" {
			return "?" + avroSummary(n[1])
		}
		var parts []string
		for _, b := range n {
			parts = append(parts, avroSummary(b))
		}
		return "[" + strings.Join(parts, "|") + "]"
	case map[string]any:
		typ, _ := n["type"].(string)
		switch typ {
		case "record":
			full, _ := n["name"].(string)
			if ns, _ := n["namespace"].(string); ns != "" && !strings.Contains(full, ".") {
				full = ns + "." + full
			}
			var fs []string
			members, _ := n["fields"].([]any)
			for _, f := range members {
				fm, _ := f.(map[string]any)
				fs = append(fs, fmt.Sprintf("%v:%s", fm["name"], avroSummary(fm["type"])))
			}
			return "record " + full + "{" + strings.Join(fs, ",") + "}"
		case "array":
			return "array<" + avroSummary(n["items"]) + ">"
		}
		s := typ
		if lt, ok := n["logicalType"].(string); ok {
			if lt == "decimal" {
				s += fmt.Sprintf(" decimal(%v,%v)", n["precision"], n["scale"])
			} else {
				s += " " + lt
			}
		}
		if ct, ok := n["connect.type"].(string); ok {
			s += " connect.type=" + ct
		}
		if cn, ok := n["connect.name"].(string); ok {
			s += " connect.name=" + cn
		}
		if ps, ok := n["connect.parameters"].(map[string]any); ok {
			var kv []string
			for k, v := range ps {
				kv = append(kv, fmt.Sprintf("%s:%v", k, v))
			}
			sort.Strings(kv)
			s += " connect.parameters=" + strings.Join(kv, ",")
		}
		return s
	}
	return fmt.Sprintf("%v", node)
}
