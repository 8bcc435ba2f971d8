package postgres

import (
	"encoding/base64"
	"math"
	"reflect"
	"testing"
)

// TestColumnDefault checks every type family against the defaults Debezium
// 3.6.1 put in its Connect schemas for the same columns on PostgreSQL 15
// (measured 2026-12-02: a table with these columns and defaults, snapshot
// with the JsonConverter, schemas enabled). expr is what pg_get_expr gives
// for the DEFAULT clause in the comment. A nil want means no default.
func TestColumnDefault(t *testing.T) {
	b64 := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const (
		enumOID   = 90001
		domainOID = 90002
	)
	str := TypeOptions{DecimalMode: DecimalString, TimeMode: TimeConnect, IntervalMode: IntervalString}
	cat := NewTypeCatalog()
	cat.Register(TypeInfo{OID: enumOID, Name: "mood", Type: 'e', Category: 'E', EnumLabels: []string{"sad", "ok", "happy"}, BaseTypmod: -1})
	cat.Register(TypeInfo{OID: domainOID, Name: "posint", Type: 'd', Category: 'N', BaseOID: 23, BaseTypmod: -1})
	cat.Register(TypeInfo{OID: domainOID + 1, Name: "int4", Type: 'd', Category: 'N', BaseOID: 23, BaseTypmod: -1})

	tests := []struct {
		name   string
		oid    uint32
		typmod int32
		expr   string
		want   any
		opts   TypeOptions
	}{
		// bool DEFAULT true / false; a function gives false.
		{"bool true", 16, -1, "true", true, TypeOptions{}},
		{"bool false", 16, -1, "false", false, TypeOptions{}},
		{"bool function", 16, -1, "(random() > (0.5)::double precision)", false, TypeOptions{}},
		{"bool null cast", 16, -1, "NULL::boolean", nil, TypeOptions{}},
		// bit(1) B'1', bit(4) B'1010', varbit(8) B'110'.
		{"bit1", 1560, 1, `'1'::"bit"`, true, TypeOptions{}},
		{"bit4", 1560, 4, `'1010'::"bit"`, b64("Cg=="), TypeOptions{}},
		{"varbit", 1562, 8, `'110'::"bit"`, b64("Bg=="), TypeOptions{}},
		// Integers, negative ones as a quoted cast; serials and nextval give 0.
		{"int2", 21, -1, "7", int16(7), TypeOptions{}},
		{"int2 negative", 21, -1, "'-3'::integer", int16(-3), TypeOptions{}},
		{"int4", 23, -1, "42", int32(42), TypeOptions{}},
		{"int4 negative", 23, -1, "'-42'::integer", int32(-42), TypeOptions{}},
		{"int8 max", 20, -1, "'9223372036854775807'::bigint", int64(math.MaxInt64), TypeOptions{}},
		{"int8 negative", 20, -1, "'-1'::integer", int64(-1), TypeOptions{}},
		{"serial", 23, -1, "nextval('d.t_c_serial_seq'::regclass)", int32(0), TypeOptions{}},
		{"bigserial", 20, -1, "nextval('d.t_c_bigserial_seq'::regclass)", int64(0), TypeOptions{}},
		{"smallserial", 21, -1, "nextval('d.t_c_smallserial_seq'::regclass)", int16(0), TypeOptions{}},
		{"int4 expression", 23, -1, "(1 + 2)", nil, TypeOptions{}},
		// numeric(6,2) 1.50, numeric(10,0) 12, numeric(8,3) 2.5 and -2.5 (scaled
		// up to the column's scale), numeric without scale and NaN: none.
		{"numeric", 1700, 6<<16 | 2 + 4, "1.50", b64("AJY="), TypeOptions{}},
		{"numeric scale 0", 1700, 10<<16 + 4, "12", b64("DA=="), TypeOptions{}},
		{"numeric rescaled", 1700, 8<<16 | 3 + 4, "2.5", b64("CcQ="), TypeOptions{}},
		{"numeric negative", 1700, 8<<16 | 3 + 4, "'-2.5'::numeric", b64("9jw="), TypeOptions{}},
		{"numeric free", 1700, -1, "3.14", nil, TypeOptions{}},
		{"numeric NaN", 1700, 6<<16 | 2 + 4, "'NaN'::numeric", nil, TypeOptions{}},
		{"numeric double mode", 1700, 6<<16 | 2 + 4, "1.50", 1.5, TypeOptions{DecimalMode: DecimalDouble}},
		// Floats.
		{"float4", 700, -1, "1.25", float32(1.25), TypeOptions{}},
		{"float8", 701, -1, "2.5", 2.5, TypeOptions{}},
		{"float8 big", 701, -1, "'1e+300'::double precision", 1e300, TypeOptions{}},
		{"float8 integer", 701, -1, "3", 3.0, TypeOptions{}},
		{"money", 790, -1, "12.34", nil, TypeOptions{}},
		// Strings: the first quoted run, unpadded, even when it is cut short.
		{"char(4)", 1042, 8, "'ab'::bpchar", "ab", TypeOptions{}},
		{"varchar", 1043, 24, "'hello'::character varying", "hello", TypeOptions{}},
		{"text doubled quote", 25, -1, "'it''s'::text", "it", TypeOptions{}},
		{"text empty", 25, -1, "''::text", "", TypeOptions{}},
		{"text function", 25, -1, "md5('x'::text)", "", TypeOptions{}},
		{"text concatenation", 25, -1, "('a'::text || 'b'::text)", "a", TypeOptions{}},
		{"text current_user", 25, -1, "CURRENT_USER", "CURRENT_USER", TypeOptions{}},
		{"text parentheses", 25, -1, "'(x)'::text", "(x)", TypeOptions{}},
		{"name", 19, -1, "'nm'::name", nil, TypeOptions{}},
		{`"char"`, 18, -1, `'x'::"char"`, nil, TypeOptions{}},
		// Dates and times in adaptive mode.
		{"date", 1082, -1, "'2020-02-03'::date", int32(18295), TypeOptions{}},
		{"date current_date", 1082, -1, "CURRENT_DATE", int32(0), TypeOptions{}},
		{"date infinity", 1082, -1, "'infinity'::date", int32(169560311), TypeOptions{}},
		{"time", 1083, -1, "'10:15:30'::time without time zone", int64(36930000000), TypeOptions{}},
		{"time(3)", 1083, 3, "'10:15:30.123'::time without time zone", int32(36930123), TypeOptions{}},
		{"time(6)", 1083, 6, "'10:15:30.123456'::time without time zone", int64(36930123456), TypeOptions{}},
		{"time localtime", 1083, -1, "LOCALTIME", int64(0), TypeOptions{}},
		{"timetz", 1266, -1, "'10:15:30+02'::time with time zone", nil, TypeOptions{}},
		{"timestamp", 1114, -1, "'2020-01-02 03:04:05.123456'::timestamp without time zone", int64(1577934245123456), TypeOptions{}},
		{"timestamp(3)", 1114, 3, "'2020-01-02 03:04:05.123'::timestamp without time zone", int64(1577934245123), TypeOptions{}},
		{"timestamp(0)", 1114, 0, "'2020-01-02 03:04:05'::timestamp without time zone", int64(1577934245000), TypeOptions{}},
		{"timestamp now", 1114, -1, "now()", int64(0), TypeOptions{}},
		{"timestamp localtimestamp", 1114, -1, "LOCALTIMESTAMP", int64(0), TypeOptions{}},
		{"timestamp infinity", 1114, -1, "'infinity'::timestamp without time zone", int64(-9223372036853775810), TypeOptions{}},
		{"timestamptz", 1184, -1, "'2020-01-02 01:04:05+00'::timestamp with time zone", "2020-01-02T01:04:05.000000Z", TypeOptions{}},
		{"timestamptz(3)", 1184, 3, "'2020-01-02 03:04:05.5+00'::timestamp with time zone", "2020-01-02T03:04:05.500Z", TypeOptions{}},
		{"timestamptz current_timestamp", 1184, -1, "CURRENT_TIMESTAMP", "1970-01-01T00:00:00.000000Z", TypeOptions{}},
		{"timestamptz now", 1184, -1, "now()", "1970-01-01T00:00:00.000000Z", TypeOptions{}},
		{"timestamptz infinity", 1184, -1, "'infinity'::timestamp with time zone", nil, TypeOptions{}},
		{"interval", 1186, -1, "'1 day 02:00:00'::interval", int64(93600000000), TypeOptions{}},
		{"interval month", 1186, -1, "'1 mon'::interval", int64(2629800000000), TypeOptions{}},
		{"interval negative", 1186, -1, "'-10 mons -3 days +04:05:06.5'::interval", int64(-26542493500000), TypeOptions{}},
		// uuid, json, xml.
		{"uuid", 2950, -1, "'76019d1a-ad2e-4b22-96e9-1a6d6543c818'::uuid", "76019d1a-ad2e-4b22-96e9-1a6d6543c818", TypeOptions{}},
		{"uuid function", 2950, -1, "gen_random_uuid()", "00000000-0000-0000-0000-000000000000", TypeOptions{}},
		{"json", 114, -1, `'{"a":1}'::json`, `{"a":1}`, TypeOptions{}},
		{"jsonb", 3802, -1, `'{"b": [1, 2]}'::jsonb`, `{"b": [1, 2]}`, TypeOptions{}},
		{"xml", 142, -1, "'<a/>'::xml", "<a/>", TypeOptions{}},
		// Enums; domains, arrays and the other types have none.
		{"enum", enumOID, -1, "'ok'::d.mood", "ok", TypeOptions{}},
		{"enum unqualified", enumOID, -1, "'happy'::mood", "happy", TypeOptions{}},
		{"enum other type", enumOID, -1, "'ok'::d.other", nil, TypeOptions{}},
		{"domain", domainOID, -1, "5", nil, TypeOptions{}},
		{"domain named int4", domainOID + 1, -1, "5", nil, TypeOptions{}},
		{"int array", 1007, -1, "'{1,2}'::integer[]", nil, TypeOptions{}},
		{"text array", 1009, -1, "'{}'::text[]", nil, TypeOptions{}},
		{"bytea", 17, -1, `'\x0102'::bytea`, nil, TypeOptions{}},
		{"inet", 869, -1, "'127.0.0.1'::inet", nil, TypeOptions{}},
		{"point", 600, -1, "'(1,2)'::point", nil, TypeOptions{}},
		{"int4range", 3904, -1, "'[1,5)'::int4range", nil, TypeOptions{}},
		// A second measured table, also with decimal.handling.mode=string,
		// time.precision.mode=connect and interval.handling.mode=string
		// (str below).
		{"date -infinity", 1082, -1, "'-infinity'::date", int32(-170999002), TypeOptions{}},
		{"date -infinity connect", 1082, -1, "'-infinity'::date", int32(-170999002), str},
		{"timestamp(3) infinity", 1114, 3, "'infinity'::timestamp without time zone", nil, TypeOptions{}},
		{"timestamp -infinity", 1114, -1, "'-infinity'::timestamp without time zone", int64(math.MinInt64), TypeOptions{}},
		{"timestamp(3) -infinity", 1114, 3, "'-infinity'::timestamp without time zone", nil, TypeOptions{}},
		{"timestamp -infinity connect", 1114, -1, "'-infinity'::timestamp without time zone", nil, str},
		{"timestamptz -infinity", 1184, -1, "'-infinity'::timestamp with time zone", nil, TypeOptions{}},
		{"interval function", 1186, -1, "make_interval(days => 1)", int64(0), TypeOptions{}},
		{"interval function string", 1186, -1, "make_interval(days => 1)", "P0Y0M0DT0H0M0S", str},
		{"interval years", 1186, -1, "'3 years 2 mons'::interval", int64(99932400000000), TypeOptions{}},
		{"interval day string", 1186, -1, "'1 day 02:00:00'::interval", "P0Y0M1DT2H0M0S", str},
		{"interval years string", 1186, -1, "'3 years 2 mons'::interval", "P3Y2M0DT0H0M0S", str},
		{"time 24:00", 1083, -1, "'24:00:00'::time without time zone", int64(86399999999), TypeOptions{}},
		{"time 24:00 connect", 1083, -1, "'24:00:00'::time without time zone", int32(86399999), str},
		{"bit operator", 1560, 3, `('101'::"bit" | '010'::"bit")`, b64("BQ=="), TypeOptions{}},
		{"varbit concatenation", 1562, -1, `(('1'::"bit")::bit varying || ('0'::"bit")::bit varying)`, b64("AQ=="), TypeOptions{}},
		{"numeric(20,4)", 1700, 20<<16 | 4 + 4, "12345678901234.5678", b64("AbabS6Yw804="), TypeOptions{}},
		{"numeric(20,4) string", 1700, 20<<16 | 4 + 4, "12345678901234.5678", "12345678901234.5678", str},
		{"numeric string rescaled", 1700, 6<<16 | 2 + 4, "7.5", "7.50", str},
		{"float8 -Infinity", 701, -1, "'-Infinity'::double precision", math.Inf(-1), TypeOptions{}},
		{"bool expression", 16, -1, "(1 > 0)", false, TypeOptions{}},
		{"jsonb function", 3802, -1, "jsonb_build_object('a', 1)", "{}", TypeOptions{}},
		{"enum cast", enumOID, -1, "'red'::e.mood", "red", TypeOptions{}},
		{"text from a cast", 25, -1, "(5)::text", "(5)::text", TypeOptions{}},
		{"text CASE", 25, -1, "\nCASE\n    WHEN true THEN 'y'::text\n    ELSE 'n'::text\nEND", "y", TypeOptions{}},
		{"varchar newline", 1043, -1, "'a\nb'::character varying", nil, TypeOptions{}},
		{"date expression", 1082, -1, "('2020-01-01'::date + 1)", int32(18262), TypeOptions{}},
		{"date expression connect", 1082, -1, "('2020-01-01'::date + 1)", int32(18262), str},
		{"timestamp connect", 1114, -1, "'2020-06-01 12:00:00'::timestamp without time zone", int64(1591012800000), str},
		{"timestamp(3) infinity connect", 1114, 3, "'infinity'::timestamp without time zone", nil, str},
		{"bigint expression", 20, -1, "(((2)::double precision ^ (10)::double precision))::bigint", nil, TypeOptions{}},
		{"uuid", 2950, -1, "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", TypeOptions{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			col := mapCol(t, cat, tc.oid, tc.typmod, false, tc.opts)
			typ, err := cat.Lookup(t.Context(), nil, tc.oid)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := columnDefault(typ, &col, tc.expr)
			if tc.want == nil {
				if ok {
					t.Fatalf("default of %s = %#v, want none", tc.expr, got)
				}
				return
			}
			if !ok {
				t.Fatalf("no default for %s, want %#v", tc.expr, tc.want)
			}
			checkValue(t, "default", col.Field, got, false)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("default of %s = %#v (%T), want %#v (%T)", tc.expr, got, got, tc.want, tc.want)
			}
		})
	}
}

// TestColumnDefaultNaN checks a float default of 'NaN', which Debezium keeps.
func TestColumnDefaultNaN(t *testing.T) {
	cat := NewTypeCatalog()
	col := mapCol(t, cat, 700, -1, false, TypeOptions{})
	typ, _ := cat.Lookup(t.Context(), nil, 700)
	got, ok := columnDefault(typ, &col, "'NaN'::real")
	if f, isFloat := got.(float32); !ok || !isFloat || !math.IsNaN(float64(f)) {
		t.Fatalf("default of 'NaN'::real = %#v, %v; want float32 NaN", got, ok)
	}
}

func TestExtractDefault(t *testing.T) {
	tests := []struct {
		expr, want string
		ok         bool
	}{
		{"42", "42", true},
		{"'x'::text", "x", true},
		{"'a'::text || 'b'::text", "a", true},
		{"nextval('s'::regclass)", "P", true},
		{"(now() + '1 day'::interval)", "P", true},
		{"pg_catalog.now()", "P", true},
		{"CURRENT_TIMESTAMP", "P", true},
		{"current_date", "P", true},
		{"CURRENT_TIMESTAMP(3)", "P", true},
		{"NULL::text", "", false},
		{"'a\nb'::text", "", false},
	}
	for _, tc := range tests {
		got, ok := extractDefault(tc.expr, "P")
		if got != tc.want || ok != tc.ok {
			t.Errorf("extractDefault(%q) = %q, %v; want %q, %v", tc.expr, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzColumnDefault feeds arbitrary default expressions to every type with a
// default rule: no panic, and a default, when there is one, is a value of
// the column's representation.
func FuzzColumnDefault(f *testing.F) {
	for _, s := range []string{"42", "'-3'::integer", "nextval('s'::regclass)", "'it''s'::text", "'infinity'::date",
		"'24:00:00'::time without time zone", "(1 + 2)", "'NaN'::numeric", "'1 day'::interval", "''", "'", "NULL::text", "(('1'::\"bit\")::bit varying || ('0'::\"bit\")::bit varying)"} {
		f.Add(s)
	}
	cat := NewTypeCatalog()
	type colType struct {
		oid    uint32
		typmod int32
	}
	var cols []Column
	var types []TypeInfo
	for _, c := range []colType{{16, -1}, {1560, 1}, {1560, 4}, {1562, -1}, {21, -1}, {23, -1}, {20, -1}, {1700, 6<<16 | 2 + 4}, {1700, -1},
		{700, -1}, {701, -1}, {1042, 8}, {1043, -1}, {25, -1}, {114, -1}, {3802, -1}, {142, -1}, {2950, -1}, {1082, -1},
		{1083, -1}, {1083, 3}, {1114, -1}, {1114, 3}, {1184, -1}, {1186, -1}} {
		col, err := MapColumn(f.Context(), cat, nil, "c", c.oid, c.typmod, false, TypeOptions{})
		if err != nil {
			f.Fatal(err)
		}
		typ, _ := cat.Lookup(f.Context(), nil, c.oid)
		cols, types = append(cols, col), append(types, typ)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		for i := range cols {
			if v, ok := columnDefault(types[i], &cols[i], expr); ok {
				checkValue(t, types[i].Name+" default of "+expr, cols[i].Field, v, false)
			}
		}
	})
}
