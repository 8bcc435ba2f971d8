//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The type matrix for MariaDB: types_test.go's matrix (checkTypeRecord,
// waitPerTopic) with docs/types.md's MySQL/MariaDB table as
// mariadbTypeCases. The expected values come from that table and
// REFERENCE.md §6, not from sluice's output; decimals, bits and geometries
// were worked out by hand (two's complement, little-endian bit order, WKB),
// and where the two disagree Debezium's source decides (a geometry's srid 0
// is null: BinlogGeometry.fromBytes, not REFERENCE's example "srid":0).
//
// Not covered: a TIMESTAMP at exactly epoch second 0 with a fraction
// ('1970-01-01 00:00:00.5' UTC) reads as null from the binlog (go-mysql's
// decodeTimestamp2 turns second 0 into the zero timestamp
// '0000-00-00 00:00:00.5', which is null in a nullable column), so the
// matrix stays clear of it; TIME outside the int32 milliseconds the adaptive
// and connect modes give (±596:31:23.647) is not inserted, as those modes
// cannot carry it.

// The MySQL modes: the default, and three others that between them set
// every value of decimal.handling.mode, time.precision.mode and
// binary.handling.mode, and bigint.unsigned.handling.mode=precise.
var (
	myModesDefault = typeModes{"default", "precise", "adaptive_time_microseconds", "bytes"}
	myModesAlt1    = typeModes{"alt1", "double", "connect", "base64"}
	myModesAlt2    = typeModes{"alt2", "string", "connect", "hex"}
	myModesAlt3    = typeModes{"alt3", "precise", "adaptive", "base64-url-safe"}
)

// myBigintMode is bigint.unsigned.handling.mode under each setting.
var myBigintMode = map[string]string{"default": "long", "alt1": "long", "alt2": "long", "alt3": "precise"}

var myTypeRuns = []typeRun{
	{"json", false, myModesDefault},
	{"json_alt1", false, myModesAlt1},
	{"json_alt2", false, myModesAlt2},
	{"json_alt3", false, myModesAlt3},
	{"avro", true, myModesDefault},
	{"avro_alt2", true, myModesAlt2},
	{"avro_alt3", true, myModesAlt3},
}

const (
	microTime      = "io.debezium.time.MicroTime"
	dbzTime        = "io.debezium.time.Time"
	dbzTimestamp   = "io.debezium.time.Timestamp"
	microTimestamp = "io.debezium.time.MicroTimestamp"
	geometryName   = "io.debezium.data.geometry.Geometry"
	pointName      = "io.debezium.data.geometry.Point"
	sizes          = "small,medium,large"
)

var (
	geometrySchema = `{"type":"struct","fields":[{"type":"bytes","optional":false,"field":"wkb"},{"type":"int32","optional":true,"field":"srid"}],` +
		`"name":"` + geometryName + `","version":1,"doc":"Geometry"}`
	pointSchema = `{"type":"struct","fields":[{"type":"double","optional":false,"field":"x"},{"type":"double","optional":false,"field":"y"},` +
		`{"type":"bytes","optional":true,"field":"wkb"},{"type":"int32","optional":true,"field":"srid"}],` +
		`"name":"` + pointName + `","version":1,"doc":"Geometry (POINT)"}`
)

// Builders for the MySQL table.
func myInt(col, sqlType, lit, connectType, json string) typeCase {
	avro := map[string]string{"int16": "int connect.type=int16", "int32": "int", "int64": "long"}[connectType]
	return typeCase{col: col, sqlType: sqlType, literal: lit, def: typeWant{schema: cs(connectType), json: json, avro: avro}}
}

func myFloat(col, sqlType, lit, connectType, json string) typeCase {
	return typeCase{col: col, sqlType: sqlType, literal: lit, def: typeWant{schema: cs(connectType), json: json, avro: connectType}}
}

// myDecimal is a DECIMAL(p,s): base64 of the unscaled value in precise
// mode, exact the value Avro's decimal reads, and the double and string
// modes' values.
func myDecimal(col, sqlType, lit, p, s, b64, exact, double, str string) typeCase {
	return typeCase{col: col, sqlType: sqlType, literal: lit,
		def: typeWant{schema: decimalSchema(p, s), json: `"` + b64 + `"`, avro: decimalAvro(p, s), avroValue: `"decimal:` + exact + `"`},
		modes: map[string]typeWant{
			"alt1": {schema: cs("double"), json: double, avro: "double"},
			"alt2": {schema: cs("string"), json: `"` + str + `"`, avro: "string"},
		}}
}

// myBigintU is a BIGINT UNSIGNED: int64 (wrapped) in long mode, Decimal(20,0)
// in precise mode (alt3).
func myBigintU(col, lit, long, b64 string) typeCase {
	return typeCase{col: col, sqlType: "BIGINT UNSIGNED", literal: lit,
		def: typeWant{schema: cs("int64"), json: long, avro: "long"},
		modes: map[string]typeWant{"alt3": {schema: decimalSchema("20", "0"), json: `"` + b64 + `"`,
			avro: decimalAvro("20", "0"), avroValue: `"decimal:` + lit + `"`}}}
}

// myBinary is a binary column: bytes, then its base64, hex and URL-safe
// base64 strings.
func myBinary(col, sqlType, lit, b64, hex, urlB64 string) typeCase {
	return typeCase{col: col, sqlType: sqlType, literal: lit,
		def: typeWant{schema: cs("bytes"), json: `"` + b64 + `"`, avro: "bytes"},
		modes: map[string]typeWant{
			"alt1": {schema: cs("string"), json: `"` + b64 + `"`, avro: "string"},
			"alt2": {schema: cs("string"), json: `"` + hex + `"`, avro: "string"},
			"alt3": {schema: cs("string"), json: `"` + urlB64 + `"`, avro: "string"},
		}}
}

func myBits(col, n, lit, b64 string) typeCase {
	return typeCase{col: col, sqlType: "BIT(" + n + ")", literal: lit, def: typeWant{
		schema: cl("bytes", "io.debezium.data.Bits", "length", n), json: `"` + b64 + `"`,
		avro: "bytes connect.name=io.debezium.data.Bits connect.parameters=length:" + n}}
}

func logicalWant(base, avroBase, name, json string) typeWant {
	return typeWant{schema: cl(base, name), json: json, avro: avroBase + " connect.name=" + name}
}

// connectTimeWant is a Connect Time of ms milliseconds.
func connectTimeWant(ms int64) typeWant {
	return typeWant{schema: cl("int32", connectTime), json: fmt.Sprint(ms),
		avro: "int time-millis connect.name=" + connectTime, avroValue: `"duration:` + (time.Duration(ms) * time.Millisecond).String() + `"`}
}

// connectTSWant is a Connect Timestamp of ms epoch milliseconds.
func connectTSWant(ms int64) typeWant {
	return typeWant{schema: cl("int64", connectTS), json: fmt.Sprint(ms),
		avro:      "long timestamp-millis connect.name=" + connectTS,
		avroValue: `"time:` + time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) + `"`}
}

// myTime is a TIME(fsp) of us microseconds: MicroTime by default; under
// adaptive Time (ms) for fsp 0-3; under connect a Connect Time (ms).
func myTime(col string, fsp int, lit string, us int64) typeCase {
	c := typeCase{col: col, sqlType: fmt.Sprintf("TIME(%d)", fsp), literal: lit,
		def: logicalWant("int64", "long", microTime, fmt.Sprint(us)),
		modes: map[string]typeWant{
			"alt1": connectTimeWant(us / 1000),
			"alt2": connectTimeWant(us / 1000),
		}}
	if fsp <= 3 {
		c.modes["alt3"] = logicalWant("int32", "int", dbzTime, fmt.Sprint(us/1000))
	}
	return c
}

// myDatetime is a DATETIME(fsp) of us epoch microseconds (wall clock as
// UTC): Timestamp (ms) for fsp 0-3, MicroTimestamp for 4-6; under connect a
// Connect Timestamp (ms).
func myDatetime(col string, fsp int, lit string, us int64) typeCase {
	ms := us / 1000
	if us < 0 && us%1000 != 0 {
		ms-- // floor
	}
	def := logicalWant("int64", "long", dbzTimestamp, fmt.Sprint(ms))
	if fsp > 3 {
		def = logicalWant("int64", "long", microTimestamp, fmt.Sprint(us))
	}
	return typeCase{col: col, sqlType: fmt.Sprintf("DATETIME(%d)", fsp), literal: lit, def: def,
		modes: map[string]typeWant{"alt1": connectTSWant(ms), "alt2": connectTSWant(ms)}}
}

func myGeometry(col, sqlType, wkt, wkb, srid string, first bool) typeCase {
	avro := geometryName // a named Avro record is defined once, then referred to by name
	if first {
		avro = "record " + geometryName + "{wkb:bytes,srid:?int}"
	}
	lit := "ST_GeomFromText('" + wkt + "')"
	if srid != "null" {
		lit = "ST_GeomFromText('" + wkt + "', " + srid + ")"
	}
	return typeCase{col: col, sqlType: sqlType, literal: lit, def: typeWant{
		schema: geometrySchema, json: `{"wkb":"` + wkb + `","srid":` + srid + `}`, avro: avro}}
}

// The fractions of the TIME, DATETIME and TIMESTAMP columns, for each fsp:
// the literal's fraction and its microseconds.
var myFractions = []struct {
	fsp  int
	lit  string
	us   int64
	zone string // TIMESTAMP(fsp): ZonedTimestamp's streamed fraction (exactly fsp digits)
	zlit string // and the literal's, which is also the snapshot's (no trailing zeros)
}{
	{0, "", 0, "", ""},
	{1, ".1", 100000, ".1", ".1"},
	{2, ".12", 120000, ".12", ".12"},
	{3, ".123", 123000, ".120", ".12"},
	{4, ".1234", 123400, ".1234", ".1234"},
	{5, ".12345", 123450, ".12345", ".12345"},
	{6, ".123456", 123456, ".500000", ".5"},
}

// mariadbTypeCases is docs/types.md's MySQL/MariaDB table. Rows are
// inserted with the session time zone at +02:00.
func mariadbTypeCases() []typeCase {
	cases := []typeCase{
		myInt("c_tinyint", "TINYINT", "-128", "int16", "-128"),
		myInt("c_tinyint_u", "TINYINT UNSIGNED", "255", "int16", "255"),
		myInt("c_tinyint1", "TINYINT(1)", "1", "int16", "1"),
		myInt("c_bool", "BOOLEAN", "TRUE", "int16", "1"),
		myInt("c_smallint", "SMALLINT", "-32768", "int16", "-32768"),
		myInt("c_smallint_u", "SMALLINT UNSIGNED", "65535", "int32", "65535"),
		myInt("c_mediumint", "MEDIUMINT", "-8388608", "int32", "-8388608"),
		myInt("c_mediumint_u", "MEDIUMINT UNSIGNED", "16777215", "int32", "16777215"),
		myInt("c_int", "INT", "-2147483648", "int32", "-2147483648"),
		myInt("c_int_u", "INT UNSIGNED", "4294967295", "int64", "4294967295"),
		myInt("c_bigint", "BIGINT", "-9223372036854775808", "int64", "-9223372036854775808"),
		myBigintU("c_bigint_u", "18446744073709551615", "-1", "AP//////////"),
		myBigintU("c_bigint_u63", "9223372036854775808", "-9223372036854775808", "AIAAAAAAAAAA"),
		myBigintU("c_bigint_u_small", "42", "42", "Kg=="),

		myDecimal("c_dec", "DECIMAL(10,2)", "12345678.90", "10", "2", "SZYC0g==", "12345678.9", "12345678.9", "12345678.90"),
		myDecimal("c_numeric", "NUMERIC(5,2)", "-0.01", "5", "2", "/w==", "-0.01", "-0.01", "-0.01"),
		myDecimal("c_dec_plain", "DECIMAL", "42", "10", "0", "Kg==", "42", "42", "42"),
		myDecimal("c_dec_max", "DECIMAL(65,30)", "-12345678901234567890123456789012345.123456789012345678901234567890", "65", "30",
			"4f1D4Wh6dCOTRq+nDL2ygsWAE4T8HZlxwPUu", "-12345678901234567890123456789012345.12345678901234567890123456789",
			"-1.234567890123457E34", "-12345678901234567890123456789012345.123456789012345678901234567890"),
		// java.math.BigDecimal.toString of 1 at scale 30 is "1E-30".
		myDecimal("c_dec_tiny", "DECIMAL(65,30)", "0.000000000000000000000000000001", "65", "30",
			"AQ==", "0.000000000000000000000000000001", "1.0E-30", "1E-30"),

		myFloat("c_float", "FLOAT", "1.5", "float", "1.5"),
		myFloat("c_float_p", "FLOAT(10)", "0.1", "float", "0.1"),
		myFloat("c_float_md", "FLOAT(7,3)", "1234.567", "double", "1234.5670166015625"), // Debezium: the float widened
		myFloat("c_double", "DOUBLE", "-2.25e-10", "double", "-2.25E-10"),
		myFloat("c_real", "REAL", "3.5", "double", "3.5"),
		myFloat("c_float_big", "FLOAT(30)", "2.5", "double", "2.5"),

		{col: "c_bit1", sqlType: "BIT(1)", literal: "b'1'", def: typeWant{schema: cs("boolean"), json: "true", avro: "boolean"}},
		myBits("c_bit12", "12", "b'101000000001'", "AQo="),
		myBits("c_bit16", "16", "b'0000000100000010'", "AgE="),
		myBits("c_bit64", "64", "b'1000000000000000000000000000000000000000000000000000000000000001'", "AQAAAAAAAIA="),

		{col: "c_date", sqlType: "DATE", literal: "'2024-02-29'", def: logicalWant("int32", "int", "io.debezium.time.Date", "19782"),
			modes: map[string]typeWant{
				"alt1": {schema: cl("int32", connectDate), json: "19782", avro: "int date connect.name=" + connectDate, avroValue: `"time:2024-02-29T00:00:00Z"`},
				"alt2": {schema: cl("int32", connectDate), json: "19782", avro: "int date connect.name=" + connectDate, avroValue: `"time:2024-02-29T00:00:00Z"`},
			}},
		{col: "c_date_old", sqlType: "DATE", literal: "'1000-01-01'", def: logicalWant("int32", "int", "io.debezium.time.Date", "-354285"),
			modes: map[string]typeWant{
				"alt1": {schema: cl("int32", connectDate), json: "-354285", avro: "int date connect.name=" + connectDate, avroValue: `"time:1000-01-01T00:00:00Z"`},
				"alt2": {schema: cl("int32", connectDate), json: "-354285", avro: "int date connect.name=" + connectDate, avroValue: `"time:1000-01-01T00:00:00Z"`},
			}},
	}
	const (
		timeOfDay = int64(47655) * 1_000_000    // 13:14:15 in µs
		dtBase    = int64(1714558530) * 1000000 // 2024-05-01 10:15:30 UTC in µs
	)
	for _, f := range myFractions {
		cases = append(cases, myTime(fmt.Sprintf("c_time%d", f.fsp), f.fsp, "'13:14:15"+f.lit+"'", timeOfDay+f.us))
	}
	cases = append(cases,
		myTime("c_time_neg", 1, "'-12:00:00.5'", -43200500000),
		myTime("c_time_big", 6, "'100:00:00.000001'", 360000000001),
	)
	for _, f := range myFractions {
		cases = append(cases, myDatetime(fmt.Sprintf("c_dt%d", f.fsp), f.fsp, "'2024-05-01 10:15:30"+f.lit+"'", dtBase+f.us))
	}
	cases = append(cases,
		myDatetime("c_dt_neg", 6, "'1969-12-31 23:59:59.500000'", -500000),
		myDatetime("c_dt_max", 6, "'9999-12-31 23:59:59.999999'", 253402300799999999),
	)
	// zonedTS is a TIMESTAMP value: streamed with exactly fsp digits, in the
	// snapshot without trailing zeros (as Debezium formats the binlog's
	// ZonedDateTime and the snapshot's JDBC Timestamp).
	zonedTS := func(streamed, snap string) typeWant {
		w := logicalStr(zoned, `"`+streamed+`"`)
		w.snapJSON = `"` + snap + `"`
		return w
	}
	for _, f := range myFractions {
		// Inserted at +02:00.
		cases = append(cases, typeCase{col: fmt.Sprintf("c_ts%d", f.fsp), sqlType: fmt.Sprintf("TIMESTAMP(%d) NULL", f.fsp),
			literal: "'2024-05-01 12:15:30" + f.zlit + "'", def: zonedTS("2024-05-01T10:15:30"+f.zone+"Z", "2024-05-01T10:15:30"+f.zlit+"Z")})
	}
	cases = append(cases,
		typeCase{col: "c_ts6_zero", sqlType: "TIMESTAMP(6) NULL", literal: "'2024-05-01 12:15:30'", def: zonedTS("2024-05-01T10:15:30.000000Z", "2024-05-01T10:15:30Z")},
		// Epoch second 1, not 0: see the note at the top.
		typeCase{col: "c_ts_early", sqlType: "TIMESTAMP(6) NULL", literal: "'1970-01-01 02:00:01.5'", def: zonedTS("1970-01-01T00:00:01.500000Z", "1970-01-01T00:00:01.5Z")},
		typeCase{col: "c_year", sqlType: "YEAR", literal: "2024", def: logicalWant("int32", "int", "io.debezium.time.Year", "2024")},

		typeCase{col: "c_char", sqlType: "CHAR(5)", literal: "'ab'", def: stringWant(`"ab"`)},
		typeCase{col: "c_varchar", sqlType: "VARCHAR(40)", literal: `'tab\t"quote" \\ back é'`, def: stringWant(`"tab\t\"quote\" \\ back é"`)},
		typeCase{col: "c_tinytext", sqlType: "TINYTEXT", literal: "'tiny'", def: stringWant(`"tiny"`)},
		typeCase{col: "c_text", sqlType: "TEXT", literal: "'text ✓ 😀'", def: stringWant(`"text ✓ 😀"`)},
		typeCase{col: "c_mediumtext", sqlType: "MEDIUMTEXT", literal: "'medium'", def: stringWant(`"medium"`)},
		typeCase{col: "c_longtext", sqlType: "LONGTEXT", literal: "'long'", def: stringWant(`"long"`)},
		// latin1 is cp1252 in MySQL: € is 0x80.
		typeCase{col: "c_latin1", sqlType: "VARCHAR(10) CHARACTER SET latin1", literal: "'€é'", def: stringWant(`"€é"`)},

		myBinary("c_binary", "BINARY(4)", "X'DEADBEEF'", "3q2+7w==", "deadbeef", "3q2-7w=="),
		myBinary("c_binary_pad", "BINARY(6)", "X'0102'", "AQIAAAAA", "010200000000", "AQIAAAAA"),
		myBinary("c_varbinary", "VARBINARY(10)", "X'00FF'", "AP8=", "00ff", "AP8="),
		myBinary("c_tinyblob", "TINYBLOB", "X'FBFF'", "+/8=", "fbff", "-_8="),
		myBinary("c_blob", "BLOB", "X'0203'", "AgM=", "0203", "AgM="),
		myBinary("c_mediumblob", "MEDIUMBLOB", "X'04'", "BA==", "04", "BA=="),
		myBinary("c_longblob", "LONGBLOB", "X'05'", "BQ==", "05", "BQ=="),

		typeCase{col: "c_enum", sqlType: "ENUM('small','medium','large')", literal: "'medium'", def: typeWant{
			schema: cl("string", "io.debezium.data.Enum", "allowed", sizes), json: `"medium"`,
			avro: "string connect.name=io.debezium.data.Enum connect.parameters=allowed:" + sizes}},
		typeCase{col: "c_set", sqlType: "SET('a','b','c')", literal: "'c,a'", def: typeWant{
			schema: cl("string", "io.debezium.data.EnumSet", "allowed", "a,b,c"), json: `"a,c"`,
			avro: "string connect.name=io.debezium.data.EnumSet connect.parameters=allowed:a,b,c"}},
		// MariaDB: JSON is LONGTEXT with a json_valid check; the text as
		// written. Read from SHOW CREATE TABLE (the table exists before the
		// snapshot) it is a plain string, as in Debezium.
		typeCase{col: "c_json", sqlType: "JSON", literal: `'{"a": [1, 2], "b": null}'`, def: stringWant(`"{\"a\": [1, 2], \"b\": null}"`)},

		myGeometry("c_geometry", "GEOMETRY", "POINT(1 2)", "AQEAAAAAAAAAAADwPwAAAAAAAABA", "4326", true),
		myGeometry("c_linestring", "LINESTRING", "LINESTRING(0 0,1 1)", "AQIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPA/AAAAAAAA8D8=", "null", false),
		myGeometry("c_polygon", "POLYGON", "POLYGON((0 0,1 0,1 1,0 0))",
			"AQMAAAABAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADwPwAAAAAAAAAAAAAAAAAA8D8AAAAAAADwPwAAAAAAAAAAAAAAAAAAAAA=", "null", false),
		myGeometry("c_multipoint", "MULTIPOINT", "MULTIPOINT(0 0,1 1)",
			"AQQAAAACAAAAAQEAAAAAAAAAAAAAAAAAAAAAAAAAAQEAAAAAAAAAAADwPwAAAAAAAPA/", "null", false),
		myGeometry("c_multilinestring", "MULTILINESTRING", "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
			"AQUAAAACAAAAAQIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPA/AAAAAAAA8D8BAgAAAAIAAAAAAAAAAAAAQAAAAAAAAABAAAAAAAAACEAAAAAAAAAIQA==", "null", false),
		myGeometry("c_multipolygon", "MULTIPOLYGON", "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))",
			"AQYAAAABAAAAAQMAAAABAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADwPwAAAAAAAAAAAAAAAAAA8D8AAAAAAADwPwAAAAAAAAAAAAAAAAAAAAA=", "null", false),
		myGeometry("c_geomcollection", "GEOMETRYCOLLECTION", "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
			"AQcAAAACAAAAAQEAAAAAAAAAAADwPwAAAAAAAABAAQIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPA/AAAAAAAA8D8=", "4326", false),
		typeCase{col: "c_point", sqlType: "POINT", literal: "ST_GeomFromText('POINT(1 2)')", def: typeWant{
			schema: pointSchema, json: `{"x":1.0,"y":2.0,"wkb":"AQEAAAAAAAAAAADwPwAAAAAAAABA","srid":null}`,
			avro: "record " + pointName + "{x:double,y:double,wkb:?bytes,srid:?int}"}},
		typeCase{col: "c_point_srid", sqlType: "POINT", literal: "ST_GeomFromText('POINT(3 4)', 4326)", def: typeWant{
			schema: pointSchema, json: `{"x":3.0,"y":4.0,"wkb":"AQEAAAAAAAAAAAAIQAAAAAAAABBA","srid":4326}`, avro: pointName}},
	)
	return cases
}

// TestTypeMatrixMariaDB checks every MySQL/MariaDB type of docs/types.md
// through the daemon, in JSON with schemas and in Avro decoded from the
// registry, under the default modes and three other settings.
func TestTypeMatrixMariaDB(t *testing.T) {
	needRegistry(t)
	cases := mariadbTypeCases()
	prefix := uniq("tmm")
	db := prefix
	myDatabase(t, db)
	my := myConn(t)
	var cols, lits []string
	for _, c := range cases {
		cols = append(cols, c.col+" "+c.sqlType)
		lits = append(lits, c.literal)
	}
	myExec(t, my, "USE "+db,
		"CREATE TABLE types (id INT PRIMARY KEY, "+strings.Join(cols, ", ")+")",
		"SET time_zone = '+02:00'")
	insert := func(id int) {
		myExec(t, my,
			fmt.Sprintf("INSERT INTO types (id, %s) VALUES (%d, %s)", strings.Join(colNames(cases), ", "), id, strings.Join(lits, ", ")),
			fmt.Sprintf("INSERT INTO types (id) VALUES (%d)", id+1))
	}
	insert(1) // the snapshot's rows: 1, and 2 with NULLs

	var names, topics []string
	for _, r := range myTypeRuns {
		name := prefix + "_" + r.name
		names = append(names, name)
		topics = append(topics, name+"."+db+".types")
		if r.avro {
			// Before startDaemon: cleanups run last first, so the subjects
			// go once the daemon is gone. The topic named topic.prefix
			// carries the schema-change records.
			deleteSubjectsAtEnd(t, name+"."+db+".types", name)
		}
	}
	d := startDaemon(t, t.TempDir())
	for i, r := range myTypeRuns {
		cfg := myConfig(t, names[i], db)
		cfg["decimal.handling.mode"] = r.modes.decimal
		cfg["time.precision.mode"] = r.modes.time
		cfg["binary.handling.mode"] = r.modes.binary
		cfg["bigint.unsigned.handling.mode"] = myBigintMode[r.modes.name]
		if r.avro {
			avroConverters(cfg)
			// The Avro connectors would register the same schema-change
			// schemas at the same moment under their own subjects, which
			// the env's in-memory Apicurio answers with a spurious 409
			// ("artifact already exists") now and then; this test is about
			// the rows (schema-change records in Avro: TestIntegrationSchemaChanges).
			cfg["include.schema.changes"] = "false"
		} else {
			cfg["key.converter.schemas.enable"] = "true"
			cfg["value.converter.schemas.enable"] = "true"
		}
		if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": names[i], "config": cfg}); code != 201 {
			t.Fatalf("create %s: %d %s", names[i], code, b)
		}
	}
	c := newConsumer(t, topics...)
	// Every connector has read its snapshot and streams from the position
	// it took: the next rows are streamed to each.
	waitPerTopic(t, d, names, c, topics, 2)
	insert(3) // streamed: 3, and 4 with NULLs
	waitPerTopic(t, d, names, c, topics, 4)
	recs := c.settle(2 * time.Second)

	for i, r := range myTypeRuns {
		t.Run(r.name, func(t *testing.T) {
			if st, trace := d.status(t, names[i]).taskState(); st != "RUNNING" {
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
				checkTypeRecord(t, dec, r, cases, rec, id, op, id%2 == 0)
			}
		})
	}
}
