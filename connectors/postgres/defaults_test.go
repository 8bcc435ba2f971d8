package postgres

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
)

// TestColumnDefaults checks the defaults Debezium 3.6.1 put in the schema
// (measured: serial 0, DEFAULT 7, 'x', 1.5 in numeric(5,2), true, now() in
// a timestamptz, a date), and the expressions it gives none.
func TestColumnDefaults(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name   string
		col    colInfo
		opts   TypeOptions
		want   any
		noneOK bool
	}{
		{"serial", colInfo{TypeOID: oidInt4, TypName: "int4", NotNull: true, Default: str("nextval('s_id_seq'::regclass)")}, TypeOptions{}, int32(0), false},
		{"int", colInfo{TypeOID: oidInt4, TypName: "int4", Default: str("7")}, TypeOptions{}, int32(7), false},
		{"negative int8", colInfo{TypeOID: oidInt8, TypName: "int8", Default: str("'-9223372036854775807'::bigint")}, TypeOptions{}, int64(-9223372036854775807), false},
		{"int2", colInfo{TypeOID: oidInt2, TypName: "int2", Default: str("3")}, TypeOptions{}, int16(3), false},
		{"text", colInfo{TypeOID: oidText, TypName: "text", Default: str("'x'::text")}, TypeOptions{}, "x", false},
		{"text concat", colInfo{TypeOID: oidText, TypName: "text", Default: str("('a'::text || 'b'::text)")}, TypeOptions{}, "a", false},
		{"varchar function", colInfo{TypeOID: oidVarchar, TypName: "varchar", Default: str("(gen_random_uuid())::character varying")}, TypeOptions{}, "", false},
		{"bpchar not padded", colInfo{TypeOID: oidBPChar, TypName: "bpchar", Typmod: 9, Default: str("'ab'::bpchar")}, TypeOptions{}, "ab", false},
		{"numeric", colInfo{TypeOID: oidNumeric, TypName: "numeric", Typmod: numericMod(5, 2), Default: str("1.5")}, TypeOptions{}, []byte{0, 0x96}, false},
		{"numeric string", colInfo{TypeOID: oidNumeric, TypName: "numeric", Typmod: -1, Default: str("5")}, TypeOptions{DecimalMode: DecimalString}, "5", false},
		{"numeric double", colInfo{TypeOID: oidNumeric, TypName: "numeric", Typmod: -1, Default: str("5")}, TypeOptions{DecimalMode: DecimalDouble}, 5.0, false},
		{"numeric variable scale", colInfo{TypeOID: oidNumeric, TypName: "numeric", Typmod: -1, Default: str("5")}, TypeOptions{}, nil, true},
		{"null numeric", colInfo{TypeOID: oidNumeric, TypName: "numeric", Typmod: numericMod(5, 2), Default: str("NULL::numeric")}, TypeOptions{}, nil, true},
		{"bool", colInfo{TypeOID: oidBool, TypName: "bool", NotNull: true, Default: str("true")}, TypeOptions{}, true, false},
		{"bool false", colInfo{TypeOID: oidBool, TypName: "bool", Default: str("false")}, TypeOptions{}, false, false},
		{"timestamptz now", colInfo{TypeOID: oidTimestamptz, TypName: "timestamptz", Typmod: -1, Default: str("now()")}, TypeOptions{}, "1970-01-01T00:00:00.000000Z", false},
		{"timestamptz CURRENT_TIMESTAMP", colInfo{TypeOID: oidTimestamptz, TypName: "timestamptz", Typmod: -1, Default: str("CURRENT_TIMESTAMP")}, TypeOptions{}, "1970-01-01T00:00:00.000000Z", false},
		{"timestamp literal", colInfo{TypeOID: oidTimestamp, TypName: "timestamp", Typmod: -1, Default: str("'2020-01-02 03:04:05'::timestamp without time zone")}, TypeOptions{}, int64(1577934245000000), false},
		{"date", colInfo{TypeOID: oidDate, TypName: "date", Default: str("'2020-01-02'::date")}, TypeOptions{}, int32(18263), false},
		{"date CURRENT_DATE", colInfo{TypeOID: oidDate, TypName: "date", Default: str("CURRENT_DATE")}, TypeOptions{}, int32(0), false},
		{"time", colInfo{TypeOID: oidTime, TypName: "time", Typmod: -1, Default: str("'10:00:00'::time without time zone")}, TypeOptions{}, int64(36000000000), false},
		{"uuid", colInfo{TypeOID: oidUUID, TypName: "uuid", Default: str("gen_random_uuid()")}, TypeOptions{}, "00000000-0000-0000-0000-000000000000", false},
		{"jsonb", colInfo{TypeOID: oidJSONB, TypName: "jsonb", Default: str("'{}'::jsonb")}, TypeOptions{}, "{}", false},
		{"interval", colInfo{TypeOID: oidInterval, TypName: "interval", Default: str("'1 day'::interval")}, TypeOptions{}, int64(86400000000), false},
		{"interval function", colInfo{TypeOID: oidInterval, TypName: "interval", Default: str("make_interval(days => 1)")}, TypeOptions{}, nil, true},
		{"bytea: no mapper", colInfo{TypeOID: oidBytea, TypName: "bytea", Default: str("'\\x00'::bytea")}, TypeOptions{}, nil, true},
		{"domain: no mapper", colInfo{TypeOID: oidInt4, TypName: "posint", TypType: 'd', Default: str("1")}, TypeOptions{}, nil, true},
		{"array: no mapper", colInfo{TypeOID: 1007, TypName: "_int4", Default: str("'{1}'::integer[]")}, TypeOptions{}, nil, true},
		{"invalid", colInfo{TypeOID: oidInt4, TypName: "int4", Default: str("'x'::integer")}, TypeOptions{}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.col.Name = "c"
			if tc.col.Typmod == 0 {
				tc.col.Typmod = -1
			}
			ti := &tableInfo{Cols: []colInfo{tc.col}}
			ti.ID.Namespace, ti.ID.Name = "public", "t"
			if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti, 1, tc.opts, slog.New(slog.DiscardHandler), map[string]bool{}); err != nil {
				t.Fatal(err)
			}
			got := ti.Schema.Columns[0].Default
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("default %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestEnumDefault checks an enum's default: its label when cast to the
// column's own type.
func TestEnumDefault(t *testing.T) {
	str := func(s string) *string { return &s }
	for expr, want := range map[string]any{
		"'happy'::mood":         "happy",
		`'ok'::"public"."mood"`: "ok",
		"'happy'::other":        nil,
	} {
		if got, ok := defaultText(colInfo{TypName: "mood", TypType: 'e', Default: str(expr)}); (want == nil) == ok || (ok && got != want) {
			t.Errorf("%s: %q, %v; want %v", expr, got, ok, want)
		}
	}
}
