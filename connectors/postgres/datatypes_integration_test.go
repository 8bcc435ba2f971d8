//go:build integration

package postgres

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// The type mapping against a real PostgreSQL 15 (integration/env/up): values
// written with SQL literals, read back in TEXT result format as the snapshot
// reads them (pgoutput sends the same text), mapped and decoded.

const typesSchema = "sluice_types_it"

func typesConn(t *testing.T) *pgx.Conn {
	t.Helper()
	dsn := os.Getenv("SLUICE_PG_DSN")
	if dsn == "" {
		dsn = "postgres://postgres:postgres@127.0.0.1:55432/sluice_test"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s (start the test servers with `flock /tmp/sluice-env.lock integration/env/up`): %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// ensureExtension installs an extension, tolerating a concurrent install by
// another test; it reports whether the extension is there.
func ensureExtension(t *testing.T, conn *pgx.Conn, name string) bool {
	ctx := context.Background()
	_, _ = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+name+" SCHEMA public")
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1)", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Logf("extension %s is not available; its columns are skipped", name)
	}
	return ok
}

// textRows runs sql with TEXT result format and returns the field
// descriptions and rows (nil for NULL).
func textRows(t *testing.T, conn *pgx.Conn, sql string) ([]pgconn.FieldDescription, [][][]byte) {
	t.Helper()
	res := conn.PgConn().ExecParams(context.Background(), sql, nil, nil, nil, []int16{0}).Read()
	if res.Err != nil {
		t.Fatalf("%s: %v", sql, res.Err)
	}
	return res.FieldDescriptions, res.Rows
}

// mapFields maps the result columns of a table query, with NOT NULL from pg_attribute.
func mapFields(t *testing.T, conn *pgx.Conn, cat *TypeCatalog, fds []pgconn.FieldDescription, opts TypeOptions) []Column {
	t.Helper()
	ctx := context.Background()
	cols := make([]Column, len(fds))
	for i, fd := range fds {
		notNull := false
		if fd.TableOID != 0 {
			if err := conn.QueryRow(ctx, "SELECT attnotnull FROM pg_attribute WHERE attrelid = $1 AND attnum = $2",
				fd.TableOID, int16(fd.TableAttributeNumber)).Scan(&notNull); err != nil {
				t.Fatal(err)
			}
		}
		c, err := MapColumn(ctx, cat, conn, fd.Name, fd.DataTypeOID, fd.TypeModifier, notNull, opts)
		if err != nil {
			t.Fatalf("MapColumn(%s): %v", fd.Name, err)
		}
		cols[i] = c
	}
	return cols
}

type itColumn struct {
	name, ddl string
	ext       string // extension the type needs
	values    []string
	want      []any // per row; nil expects NULL
	typ       change.Type
	logical   string
	unknown   bool
	snapshot  []any // per row, what SnapshotDecode gives when it differs from want
}

func TestTypesIntegration(t *testing.T) {
	ctx := context.Background()
	conn := typesConn(t)
	mustExec(t, conn, "DROP SCHEMA IF EXISTS "+typesSchema+" CASCADE")
	mustExec(t, conn, "CREATE SCHEMA "+typesSchema)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+typesSchema+" CASCADE") })
	mustExec(t, conn, "SET search_path = "+typesSchema+", public")
	mustExec(t, conn, "SET TimeZone = 'UTC'")
	mustExec(t, conn, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
	mustExec(t, conn, "CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0)")
	mustExec(t, conn, "CREATE DOMAIN small_price AS price")
	exts := map[string]bool{}
	for _, e := range []string{"hstore", "citext", "ltree"} {
		exts[e] = ensureExtension(t, conn, e)
	}

	vsd := func(scale int32, v int64) change.StructValue { return change.StructValue{scale, change.Int64Bytes(v)} }
	cols := []itColumn{
		{name: "c_bool", ddl: "bool", values: []string{"true", "false"}, want: []any{true, false}, typ: change.Boolean},
		{name: "c_int2", ddl: "int2 NOT NULL", values: []string{"32767", "-32768"}, want: []any{int16(32767), int16(-32768)}, typ: change.Int16},
		{name: "c_int4", ddl: "int4", values: []string{"2147483647", "-2147483648"}, want: []any{int32(math.MaxInt32), int32(math.MinInt32)}, typ: change.Int32},
		{name: "c_int8", ddl: "int8", values: []string{"9223372036854775807", "-9223372036854775808"}, want: []any{int64(math.MaxInt64), int64(math.MinInt64)}, typ: change.Int64},
		{name: "c_oid", ddl: "oid", values: []string{"4294967295", "0"}, want: []any{int64(4294967295), int64(0)}, typ: change.Int64},
		{name: "c_float4", ddl: "float4", values: []string{"1.5", "'-Infinity'"}, want: []any{float32(1.5), float32(math.Inf(-1))}, typ: change.Float32},
		{name: "c_float8", ddl: "float8", values: []string{"0.1", "'NaN'"}, want: []any{0.1, math.NaN()}, typ: change.Float64},
		{name: "c_numeric_10_2", ddl: "numeric(10,2)", values: []string{"123.45", "-0.01"}, want: []any{change.Int64Bytes(12345), change.Int64Bytes(-1)}, typ: change.Bytes, logical: connecttypes.NameDecimal},
		{name: "c_numeric_38_10", ddl: "numeric(38,10)", values: []string{"12345678901234567890.123456789", "0"},
			want: []any{change.BigIntBytes(mustBig("123456789012345678901234567890")), []byte{0}}, typ: change.Bytes, logical: connecttypes.NameDecimal},
		{name: "c_numeric", ddl: "numeric", values: []string{"1.500", "-100"}, want: []any{vsd(1, 15), vsd(0, -100)}, typ: change.Struct, logical: connecttypes.NameVariableScaleDecimal},
		{name: "c_money", ddl: "money", values: []string{"1234.56", "-1234.56"}, want: []any{change.Int64Bytes(123456), change.Int64Bytes(-123456)}, typ: change.Bytes, logical: connecttypes.NameDecimal},
		{name: "c_char", ddl: "char(3)", values: []string{"'ab'", "''"}, want: []any{"ab ", "   "}, typ: change.String},
		{name: "c_varchar", ddl: "varchar(10)", values: []string{"'héllo'", "''"}, want: []any{"héllo", ""}, typ: change.String},
		{name: "c_text", ddl: "text", values: []string{"'a\"b\\c'", "E'tab\\there'"}, want: []any{`a"b\c`, "tab\there"}, typ: change.String},
		{name: "c_name", ddl: "name", values: []string{"'pg_class'", "'x'"}, want: []any{nil, nil}, typ: change.String,
			snapshot: []any{"pg_class", "x"}}, // streamed as null, as Debezium's pgoutput decoder does (measured)
		{name: "c_qchar", ddl: `"char"`, values: []string{"'r'", "'x'"}, want: []any{"r", "x"}, typ: change.String},
		{name: "c_bytea", ddl: "bytea", values: []string{`'\x0001ff'`, `''`}, want: []any{[]byte{0, 1, 0xff}, []byte{}}, typ: change.Bytes},
		{name: "c_date", ddl: "date", values: []string{"'2024-05-01'", "'0044-03-15 BC'", "'infinity'"},
			want: []any{int32(19844), int32(-735160), int32(-2147472692)}, typ: change.Int32, logical: connecttypes.NameDate,
			snapshot: []any{int32(19844), int32(-703383), int32(-622191234)}}, // as Debezium's snapshot reads them through the JDBC driver
		{name: "c_time", ddl: "time", values: []string{"'10:15:30.123456'", "'24:00:00'"}, want: []any{int64(36930123456), int64(86400000000)}, typ: change.Int64, logical: connecttypes.NameMicroTime},
		{name: "c_time_3", ddl: "time(3)", values: []string{"'10:15:30.1234'", "'00:00:00'"}, want: []any{int32(36930123), int32(0)}, typ: change.Int32, logical: connecttypes.NameTime},
		{name: "c_timestamp", ddl: "timestamp", values: []string{"'2024-05-01 10:15:30.123456'", "'1969-12-31 23:59:59.5'", "'infinity'", "'0044-03-15 12:00:00 BC'"},
			want: []any{int64(1714558530123456), int64(-500000), int64(9223372036825200000), int64(-63517780800000000)}, typ: change.Int64, logical: connecttypes.NameMicroTimestamp},
		{name: "c_timestamp_3", ddl: "timestamp(3)", values: []string{"'2024-05-01 10:15:30.1236'", "'-infinity'"},
			want: []any{int64(1714558530124), int64(-9223372036832400)}, typ: change.Int64, logical: connecttypes.NameTimestamp},
		{name: "c_timestamptz", ddl: "timestamptz", values: []string{"'2024-05-01 12:15:30.123456+02'", "'-infinity'", "'1969-12-31 23:59:59.1+00'"},
			want: []any{"2024-05-01T10:15:30.123456Z", "-infinity", "1969-12-31T23:59:59.100000Z"}, typ: change.String, logical: connecttypes.NameZonedTimestamp},
		{name: "c_timestamptz_0", ddl: "timestamptz(0)", values: []string{"'2024-05-01 12:15:30.6+02'"}, want: []any{"2024-05-01T10:15:31Z"}, typ: change.String, logical: connecttypes.NameZonedTimestamp},
		{name: "c_timetz", ddl: "timetz", values: []string{"'10:15:30.1234+02'", "'23:30:00-01'"}, want: []any{"08:15:30.1234Z", "00:30:00Z"}, typ: change.String, logical: connecttypes.NameZonedTime},
		{name: "c_interval", ddl: "interval", values: []string{"'1 year 2 mons 3 days 04:05:06.789'", "'-1 days +02:03:00'", "'0'"},
			want: []any{int64(37091106789000), int64(-79020000000), int64(0)}, typ: change.Int64, logical: connecttypes.NameMicroDuration},
		{name: "c_uuid", ddl: "uuid", values: []string{"'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'"}, want: []any{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, typ: change.String, logical: connecttypes.NameUUID},
		{name: "c_json", ddl: "json", values: []string{`'{"b": 1,  "a": [1,2]}'`}, want: []any{`{"b": 1,  "a": [1,2]}`}, typ: change.String, logical: connecttypes.NameJSON},
		{name: "c_jsonb", ddl: "jsonb", values: []string{`'{"b": 1,  "a": [1,2]}'`}, want: []any{`{"a": [1, 2], "b": 1}`}, typ: change.String, logical: connecttypes.NameJSON},
		{name: "c_xml", ddl: "xml", values: []string{"'<a>b</a>'"}, want: []any{"<a>b</a>"}, typ: change.String, logical: connecttypes.NameXML},
		{name: "c_mood", ddl: "mood", values: []string{"'happy'"}, want: []any{"happy"}, typ: change.String, logical: connecttypes.NameEnum},
		{name: "c_moods", ddl: "mood[]", values: []string{"'{sad,NULL,ok}'"}, want: []any{[]any{"sad", nil, "ok"}}, typ: change.Array},
		{name: "c_price", ddl: "small_price", values: []string{"5.5"}, want: []any{change.Int64Bytes(550)}, typ: change.Bytes, logical: connecttypes.NameDecimal},
		{name: "c_bit", ddl: "bit(1)", values: []string{"B'1'", "B'0'"}, want: []any{true, false}, typ: change.Boolean},
		{name: "c_bit_10", ddl: "bit(10)", values: []string{"B'1000000001'", "B'0000000000'"}, want: []any{[]byte{1, 2}, []byte{}}, typ: change.Bytes, logical: connecttypes.NameBits},
		{name: "c_varbit", ddl: "varbit", values: []string{"B'101'", "B''"}, want: []any{[]byte{5}, []byte{}}, typ: change.Bytes, logical: connecttypes.NameBits},
		{name: "c_inet", ddl: "inet", values: []string{"'192.168.0.1/24'"}, want: []any{"192.168.0.1/24"}, typ: change.String},
		{name: "c_cidr", ddl: "cidr", values: []string{"'10.0.0.0/8'"}, want: []any{"10.0.0.0/8"}, typ: change.String},
		{name: "c_macaddr", ddl: "macaddr", values: []string{"'08:00:2b:01:02:03'"}, want: []any{"08:00:2b:01:02:03"}, typ: change.String},
		{name: "c_macaddr8", ddl: "macaddr8", values: []string{"'08:00:2b:01:02:03:04:05'"}, want: []any{"08:00:2b:01:02:03:04:05"}, typ: change.String},
		{name: "c_int4range", ddl: "int4range", values: []string{"'[1,10]'"}, want: []any{"[1,11)"}, typ: change.String},
		{name: "c_daterange", ddl: "daterange", values: []string{"'[2024-01-01,2024-02-01)'"}, want: []any{"[2024-01-01,2024-02-01)"}, typ: change.String},
		{name: "c_tsvector", ddl: "tsvector", values: []string{"'a fat cat'"}, want: []any{"'a' 'cat' 'fat'"}, typ: change.String, logical: connecttypes.NameTsvector},
		{name: "c_point", ddl: "point", values: []string{"'(1,2)'"}, want: []any{connecttypes.PointValue(1, 2)}, typ: change.Struct, logical: connecttypes.NamePoint},
		{name: "c_hstore", ddl: "hstore", ext: "hstore", values: []string{`'"k"=>"v", "a"=>NULL, "q\"x"=>"\\"'`},
			want: []any{`{"a":null,"q\"x":"\\","k":"v"}`}, typ: change.String, logical: connecttypes.NameJSON},
		{name: "c_citext", ddl: "citext", ext: "citext", values: []string{"'Hello'"}, want: []any{"Hello"}, typ: change.String},
		{name: "c_ltree", ddl: "ltree", ext: "ltree", values: []string{"'a.b.c'"}, want: []any{"a.b.c"}, typ: change.String, logical: connecttypes.NameLtree},
		{name: "c_int4s", ddl: "int4[]", values: []string{"'{1,2,NULL}'", "'{}'"}, want: []any{[]any{int32(1), int32(2), nil}, []any{}}, typ: change.Array},
		{name: "c_texts", ddl: "text[]", values: []string{`ARRAY['a,b', 'c"d', NULL, '', 'NULL', ' x ', '\']`},
			want: []any{[]any{"a,b", `c"d`, nil, "", "NULL", " x ", `\`}}, typ: change.Array},
		{name: "c_numerics", ddl: "numeric(5,2)[]", values: []string{"'{1.5,NULL}'"}, want: []any{[]any{change.Int64Bytes(150), nil}}, typ: change.Array},
		{name: "c_dates", ddl: "date[]", values: []string{"'{1970-01-02,-infinity}'"}, want: []any{[]any{int32(1), int32(-625821272)}}, typ: change.Array}, // through the JDBC driver, as Debezium reads arrays
		{name: "c_tstzs", ddl: "timestamptz(3)[]", values: []string{`'{"2024-05-01 10:15:30.12+00"}'`}, want: []any{[]any{"2024-05-01T10:15:30.120Z"}}, typ: change.Array},
		{name: "c_int4s_bounds", ddl: "int4[]", values: []string{"'[0:1]={7,8}'"}, want: []any{[]any{int32(7), int32(8)}}, typ: change.Array},
		{name: "c_box", ddl: "box", values: []string{"'((1,2),(3,4))'"}, want: []any{"(3,4),(1,2)"}, typ: change.String, unknown: true},
		{name: "c_moneys", ddl: "money[]", values: []string{"'{1.5}'"}, want: []any{`{$1.50}`}, typ: change.String, unknown: true},
	}
	var active []itColumn
	rows := 0
	for _, c := range cols {
		if c.ext != "" && !exts[c.ext] {
			continue
		}
		active = append(active, c)
		rows = max(rows, len(c.values))
	}
	var ddl []string
	for _, c := range active {
		ddl = append(ddl, c.name+" "+c.ddl)
	}
	mustExec(t, conn, "CREATE TABLE all_types (id int PRIMARY KEY, "+strings.Join(ddl, ", ")+")")
	for r := 0; r < rows; r++ {
		names, vals := []string{"id"}, []string{fmt.Sprint(r)}
		for _, c := range active {
			if r < len(c.values) {
				names = append(names, c.name)
				vals = append(vals, c.values[r])
			}
		}
		if r == 0 { // the NOT NULL column must get a value in every row
			mustExec(t, conn, "INSERT INTO all_types ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(vals, ", ")+")")
			continue
		}
		if !slices.Contains(names, "c_int2") {
			names, vals = append(names, "c_int2"), append(vals, "0")
		}
		mustExec(t, conn, "INSERT INTO all_types ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(vals, ", ")+")")
	}

	check := func(t *testing.T, opts TypeOptions) {
		cat := NewTypeCatalog()
		fds, data := textRows(t, conn, "SELECT * FROM all_types ORDER BY id")
		mapped := mapFields(t, conn, cat, fds, opts)
		for i, c := range active {
			col := mapped[i+1]
			if col.Field.Name != c.name || col.Field.Type != c.typ || col.Field.Logical != c.logical || col.Unknown != c.unknown {
				t.Errorf("%s (%s): field %s %q unknown=%v, want %s %q unknown=%v", c.name, c.ddl,
					col.Field.Type, col.Field.Logical, col.Unknown, c.typ, c.logical, c.unknown)
			}
			if wantOptional := !strings.Contains(c.ddl, "NOT NULL"); col.Field.Optional != wantOptional {
				t.Errorf("%s: Optional = %v", c.name, col.Field.Optional)
			}
			for r := range data {
				text := data[r][i+1]
				var want any
				if r < len(c.want) {
					want = c.want[r]
				} else if c.name == "c_int2" {
					want = int16(0)
				}
				if text == nil {
					if want != nil {
						t.Errorf("%s row %d: NULL, want %#v", c.name, r, want)
					}
					continue
				}
				got, err := col.Decode(text)
				if err != nil {
					t.Errorf("%s row %d: %v", c.name, r, err)
					continue
				}
				if got != nil || !col.Field.Optional {
					checkValue(t, c.name, col.Field, got, false)
				}
				if !equalValues(got, want) {
					t.Errorf("%s row %d: text %q decoded to %#v, want %#v", c.name, r, text, got, want)
				}
				snapWant := want
				if c.snapshot != nil {
					snapWant = c.snapshot[r]
				}
				if got, err := col.SnapshotDecode(text); err != nil || !equalValues(got, snapWant) {
					t.Errorf("%s row %d: snapshot text %q decoded to %#v (%v), want %#v", c.name, r, text, got, err, snapWant)
				}
			}
		}
	}
	t.Run("UTC", func(t *testing.T) { check(t, TypeOptions{}) })
	// The text of timestamptz and timetz follows the session time zone; the
	// decoded values are UTC whatever it is.
	t.Run("TimeZone", func(t *testing.T) {
		mustExec(t, conn, "SET TimeZone = 'America/St_Johns'")
		defer mustExec(t, conn, "SET TimeZone = 'UTC'")
		check(t, TypeOptions{})
	})
	// Intervals decode alike in every IntervalStyle; bytea in both outputs.
	for _, style := range []string{"postgres_verbose", "sql_standard", "iso_8601"} {
		t.Run("IntervalStyle="+style, func(t *testing.T) {
			mustExec(t, conn, "SET IntervalStyle = "+style)
			mustExec(t, conn, "SET bytea_output = escape")
			defer mustExec(t, conn, "RESET IntervalStyle")
			defer mustExec(t, conn, "RESET bytea_output")
			check(t, TypeOptions{})
		})
	}

	t.Run("Catalog", func(t *testing.T) {
		cat := NewTypeCatalog()
		var moodOID, moodsOID, priceOID uint32
		if err := conn.QueryRow(ctx, "SELECT 'mood'::regtype::oid, 'mood[]'::regtype::oid, 'price'::regtype::oid").Scan(&moodOID, &moodsOID, &priceOID); err != nil {
			t.Fatal(err)
		}
		mood, err := cat.Lookup(ctx, conn, moodOID)
		if err != nil || mood.Name != "mood" || mood.Type != 'e' || !reflect.DeepEqual(mood.EnumLabels, []string{"sad", "ok", "happy"}) {
			t.Errorf("mood = %+v, %v", mood, err)
		}
		moods, err := cat.Lookup(ctx, conn, moodsOID)
		if err != nil || moods.ElemOID != moodOID || !moods.IsArray() {
			t.Errorf("mood[] = %+v, %v", moods, err)
		}
		price, err := cat.Lookup(ctx, conn, priceOID)
		if err != nil || price.Type != 'd' || price.BaseOID != oidNumeric || price.BaseTypmod != numericMod(10, 2) {
			t.Errorf("price = %+v, %v", price, err)
		}
		mustExec(t, conn, "ALTER TYPE mood ADD VALUE 'ecstatic'")
		cat.Invalidate(moodOID)
		if mood, err = cat.Lookup(ctx, conn, moodOID); err != nil || len(mood.EnumLabels) != 4 {
			t.Errorf("mood after ADD VALUE = %+v, %v", mood, err)
		}
	})

	// The static table of built-in types is what PostgreSQL says.
	t.Run("BuiltinTypes", func(t *testing.T) {
		for _, b := range builtinTypes {
			got, err := loadType(ctx, conn, b.oid)
			if err != nil {
				t.Errorf("%d %s: %v", b.oid, b.name, err)
				continue
			}
			if want := builtinInfo(b); !reflect.DeepEqual(got, want) {
				t.Errorf("builtin %d: static %+v, server %+v", b.oid, want, got)
			}
		}
	})
}

// TestSessionParams checks that the parameters the decoders need are
// accepted at startup, also by a replication connection, and take effect.
func TestSessionParams(t *testing.T) {
	dsn := os.Getenv("SLUICE_PG_DSN")
	if dsn == "" {
		dsn = "postgres://postgres:postgres@127.0.0.1:55432/sluice_test"
	}
	for _, replication := range []bool{false, true} {
		cfg, err := pgconn.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if replication {
			cfg.RuntimeParams["replication"] = "database"
		}
		for k, v := range SessionParams() {
			cfg.RuntimeParams[k] = v
		}
		cfg.RuntimeParams["DateStyle"] = "ISO, DMY" // only the ISO part matters
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("replication=%v: %v", replication, err)
		}
		res, err := conn.Exec(context.Background(), "SELECT current_setting('DateStyle'), current_setting('lc_monetary'), 1234.5::money::text, date '2024-05-01'::text").ReadAll()
		conn.Close(context.Background())
		if err != nil {
			t.Fatalf("replication=%v: %v", replication, err)
		}
		row := res[0].Rows[0]
		if string(row[0]) != "ISO, DMY" || string(row[1]) != "C" || string(row[2]) != "$1,234.50" || string(row[3]) != "2024-05-01" {
			t.Errorf("replication=%v: settings %q", replication, row)
		}
	}
}

func mustBig(s string) *big.Int {
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return x
}

// TestTemporalAgainstServer decodes many generated values and compares them
// with what PostgreSQL itself computes.
func TestTemporalAgainstServer(t *testing.T) {
	conn := typesConn(t)
	mustExec(t, conn, "SET TimeZone = 'Asia/Kolkata'")
	cat := NewTypeCatalog()
	fds, rows := textRows(t, conn, `
SELECT ts, (extract(epoch FROM ts) * 1000000)::int8,
       ts::date, (ts::date - date '1970-01-01'),
       ts::time, (extract(epoch FROM ts::time) * 1000000)::int8,
       tz, to_char(tz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       iv, extract(year FROM iv)::int8 * 12 + extract(month FROM iv)::int8, extract(day FROM iv)::int8,
       ((extract(epoch FROM iv) - extract(epoch FROM date_trunc('day', iv))) * 1000000)::int8
FROM (SELECT timestamp '1600-01-01' + random() * interval '800 years' AS ts,
             timestamptz '1900-01-01 00:00:00+00' + random() * interval '200 years' AS tz,
             make_interval(years => (random() * 40 - 20)::int, months => (random() * 30 - 15)::int,
                           days => (random() * 60 - 30)::int, secs => random() * 200000 - 100000) AS iv
      FROM generate_series(1, 2000)) s`)
	cols := make([]Column, len(fds))
	for i, fd := range fds {
		c, err := MapColumn(context.Background(), cat, conn, fd.Name, fd.DataTypeOID, fd.TypeModifier, true, TypeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cols[i] = c
	}
	dec := func(i int, row [][]byte) any {
		v, err := cols[i].Decode(row[i])
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, row := range rows {
		if got, want := dec(0, row), dec(1, row); got != want {
			t.Fatalf("timestamp %s: %v µs, server %v", row[0], got, want)
		}
		if got, want := dec(2, row), dec(3, row); int64(got.(int32)) != int64(want.(int32)) {
			t.Fatalf("date %s: %v, server %v", row[2], got, want)
		}
		if got, want := dec(4, row), dec(5, row); got != want {
			t.Fatalf("time %s: %v, server %v", row[4], got, want)
		}
		if got, want := dec(6, row), string(row[7]); got != want {
			t.Fatalf("timestamptz %s: %v, server %v", row[6], got, want)
		}
		months, days, timeMicros := dec(9, row).(int64), dec(10, row).(int64), dec(11, row).(int64)
		exact := int64(float64(months)*daysPerMonthAvg*microsPerDay) + days*microsPerDay + timeMicros
		if got := dec(8, row).(int64); got != exact && got != exact-1 && got != exact+1 {
			t.Fatalf("interval %s: %d µs, exact %d", row[8], got, exact)
		}
	}
}
