package postgres

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Values marked "Java:" below were computed with the JDK (and Jackson 2.21)
// running the same code Debezium runs.

func mapCol(t *testing.T, cat *TypeCatalog, oid uint32, typmod int32, notNull bool, opts TypeOptions) Column {
	t.Helper()
	if cat == nil {
		cat = NewTypeCatalog()
	}
	c, err := MapColumn(context.Background(), cat, nil, "c", oid, typmod, notNull, opts)
	if err != nil {
		t.Fatalf("MapColumn(oid %d, typmod %d): %v", oid, typmod, err)
	}
	checkValue(t, "fallback", c.Field, c.Fallback, false)
	return c
}

// checkValue fails when v is not a value of f's representation (change.Row).
func checkValue(t *testing.T, what string, f change.Field, v any, allowNil bool) {
	t.Helper()
	if v == nil {
		if !allowNil {
			t.Errorf("%s: nil value for %s", what, f.Type)
		}
		return
	}
	ok := false
	switch f.Type {
	case change.Boolean:
		_, ok = v.(bool)
	case change.Int8:
		_, ok = v.(int8)
	case change.Int16:
		_, ok = v.(int16)
	case change.Int32:
		_, ok = v.(int32)
	case change.Int64:
		_, ok = v.(int64)
	case change.Float32:
		_, ok = v.(float32)
	case change.Float64:
		_, ok = v.(float64)
	case change.String:
		_, ok = v.(string)
	case change.Bytes:
		_, ok = v.([]byte)
	case change.Array:
		var xs []any
		if xs, ok = v.([]any); ok {
			for _, x := range xs {
				checkValue(t, what+" element", *f.Elem, x, true)
			}
		}
	case change.Struct:
		var sv change.StructValue
		if sv, ok = v.(change.StructValue); ok {
			if len(sv) != len(f.Fields) {
				t.Errorf("%s: struct has %d members, schema %d", what, len(sv), len(f.Fields))
				return
			}
			for i, m := range f.Fields {
				checkValue(t, what+"."+m.Name, m, sv[i], m.Optional)
			}
		}
	}
	if !ok {
		t.Errorf("%s: %T %#v is not a %s value", what, v, v, f.Type)
	}
}

func decodeOK(t *testing.T, c Column, text string) any {
	t.Helper()
	v, err := c.Decode([]byte(text))
	if err != nil {
		t.Fatalf("Decode(%q): %v", text, err)
	}
	checkValue(t, "decode "+text, c.Field, v, false)
	return v
}

func equalValues(a, b any) bool {
	if xa, ok := a.([]any); ok {
		xb, ok := b.([]any)
		if !ok || len(xa) != len(xb) {
			return false
		}
		for i := range xa {
			if !equalValues(xa[i], xb[i]) {
				return false
			}
		}
		return true
	}
	if fa, ok := a.(float64); ok {
		if fb, ok := b.(float64); ok && math.IsNaN(fa) && math.IsNaN(fb) {
			return true
		}
	}
	if fa, ok := a.(float32); ok {
		if fb, ok := b.(float32); ok && math.IsNaN(float64(fa)) && math.IsNaN(float64(fb)) {
			return true
		}
	}
	return reflect.DeepEqual(a, b)
}

func b64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Typmods as PostgreSQL stores them.
func numericMod(p, s int32) int32 { return (p<<16 | (s & 0x7ff)) + 4 }
func varcharMod(n int32) int32    { return n + 4 }

type decodeCase struct {
	name   string
	oid    uint32
	typmod int32
	opts   TypeOptions
	text   string
	want   any
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		name := tc.name
		if name == "" {
			name = strconv.Itoa(int(tc.oid)) + "/" + tc.text
		}
		t.Run(name, func(t *testing.T) {
			c := mapCol(t, nil, tc.oid, tc.typmod, true, tc.opts)
			if got := decodeOK(t, c, tc.text); !equalValues(got, tc.want) {
				t.Errorf("Decode(%q) = %#v, want %#v", tc.text, got, tc.want)
			}
		})
	}
}

func TestDecodeSimpleTypes(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{oid: oidBool, typmod: -1, text: "t", want: true},
		{oid: oidBool, typmod: -1, text: "f", want: false},
		{oid: oidInt2, typmod: -1, text: "-32768", want: int16(-32768)},
		{oid: oidInt4, typmod: -1, text: "2147483647", want: int32(2147483647)},
		{oid: oidInt8, typmod: -1, text: "-9223372036854775808", want: int64(math.MinInt64)},
		{oid: oidOID, typmod: -1, text: "4294967295", want: int64(4294967295)},
		{oid: oidFloat4, typmod: -1, text: "1.5", want: float32(1.5)},
		{oid: oidFloat4, typmod: -1, text: "3.4028235e+38", want: float32(math.MaxFloat32)},
		{oid: oidFloat4, typmod: -1, text: "-Infinity", want: float32(math.Inf(-1))},
		{oid: oidFloat8, typmod: -1, text: "0.1", want: 0.1},
		{oid: oidFloat8, typmod: -1, text: "NaN", want: math.NaN()},
		{oid: oidFloat8, typmod: -1, text: "Infinity", want: math.Inf(1)},
		{oid: oidFloat8, typmod: -1, text: "-1.7976931348623157e+308", want: -math.MaxFloat64},
		{oid: oidText, typmod: -1, text: "héllo, wörld", want: "héllo, wörld"},
		{oid: oidVarchar, typmod: varcharMod(10), text: "abc", want: "abc"},
		{name: "bpchar keeps padding", oid: oidBPChar, typmod: varcharMod(5), text: "ab   ", want: "ab   "},
		{oid: oidName, typmod: -1, opts: TypeOptions{IncludeUnknown: true}, text: "pg_class", want: "pg_class"},
		{oid: oidChar, typmod: -1, text: "r", want: "r"},
		{oid: oidUUID, typmod: -1, text: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", want: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{oid: oidJSON, typmod: -1, text: `{"b": 1,  "a": [1, 2]}`, want: `{"b": 1,  "a": [1, 2]}`},
		{oid: oidJSONB, typmod: -1, text: `{"a": [1, 2], "b": 1}`, want: `{"a": [1, 2], "b": 1}`},
		{oid: oidXML, typmod: -1, text: "<a>b</a>", want: "<a>b</a>"},
		{oid: oidInet, typmod: -1, text: "192.168.0.1/24", want: "192.168.0.1/24"},
		{oid: oidCIDR, typmod: -1, text: "10.0.0.0/8", want: "10.0.0.0/8"},
		{oid: oidMacaddr, typmod: -1, text: "08:00:2b:01:02:03", want: "08:00:2b:01:02:03"},
		{oid: oidMacaddr8, typmod: -1, text: "08:00:2b:01:02:03:04:05", want: "08:00:2b:01:02:03:04:05"},
		{oid: oidInt4range, typmod: -1, text: "[1,10)", want: "[1,10)"},
		{oid: oidTstzrange, typmod: -1, text: `["2024-01-01 00:00:00+00",infinity)`, want: `["2024-01-01 00:00:00+00",infinity)`},
		{oid: oidTsvector, typmod: -1, text: "'a':1 'b':2", want: "'a':1 'b':2"},
	})
}

func TestDecodeInvalidInput(t *testing.T) {
	for _, tc := range []struct {
		oid    uint32
		typmod int32
		text   string
	}{
		{oidBool, -1, "yes"},
		{oidInt2, -1, "32768"},
		{oidInt4, -1, "1.5"},
		{oidInt8, -1, ""},
		{oidOID, -1, "-1"},
		{oidFloat8, -1, "abc"},
		{oidNumeric, numericMod(5, 2), "1.234"},
		{oidNumeric, -1, "1.2.3"},
		{oidNumeric, -1, "--1"},
		{oidMoney, -1, "$1.2.3"},
		{oidMoney, -1, "12,50 €"},
		{oidMoney, -1, "1.234,56"},
		{oidMoney, -1, "$1.234"},
		{oidDate, -1, "2024-13-01"},
		{oidDate, -1, "2024-01-01x"},
		{oidTimestamp, -1, "2024-01-01"},
		{oidTimestamptz, -1, "2024-01-01 00:00:00"},
		{oidTime, -1, "25:00:00"},
		{oidTime, -1, "24:00:01"},
		{oidTimestamp, -1, "294276-12-31 23:59:59.999999"}, // beyond int64 µs since 1970
		{oidTimetz, -1, "10:00:00"},
		{oidInterval, -1, "1 fortnight"},
		{oidInterval, -1, "5"},
		{oidBit, 8, "0102"},
		{oidBytea, -1, `\xzz`},
		{oidBytea, -1, `ab\9`},
		{oidPoint, -1, "(1;2)"},
		{1007, -1, "{1,2"},
		{1007, -1, "{1,x}"},
	} {
		c := mapCol(t, nil, tc.oid, tc.typmod, false, TypeOptions{})
		if v, err := c.Decode([]byte(tc.text)); err == nil {
			t.Errorf("oid %d: Decode(%q) = %#v, want an error", tc.oid, tc.text, v)
		} else if !strings.HasPrefix(err.Error(), c.Field.SourceType+": ") {
			t.Errorf("oid %d: error %q does not start with the type", tc.oid, err)
		}
	}
}

func TestNumericSchema(t *testing.T) {
	c := mapCol(t, nil, oidNumeric, numericMod(10, 2), false, TypeOptions{})
	want := change.Field{
		Name: "c", Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
		Params:     []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}},
		SourceType: "numeric(10,2)",
	}
	if !reflect.DeepEqual(c.Field, want) {
		t.Errorf("numeric(10,2) field = %+v, want %+v", c.Field, want)
	}

	c = mapCol(t, nil, oidNumeric, -1, true, TypeOptions{})
	if c.Field.Type != change.Struct || c.Field.Logical != "io.debezium.data.VariableScaleDecimal" || c.Field.Version != 1 ||
		c.Field.Optional || len(c.Field.Fields) != 2 || c.Field.Fields[0].Name != "scale" || c.Field.Fields[0].Type != change.Int32 ||
		c.Field.Fields[1].Name != "value" || c.Field.Fields[1].Type != change.Bytes || c.Field.Fields[1].Optional {
		t.Errorf("numeric field = %+v", c.Field)
	}

	c = mapCol(t, nil, oidMoney, -1, false, TypeOptions{})
	if got := c.Field.Params; !reflect.DeepEqual(got, []change.Param{{Key: "scale", Value: "2"}}) {
		t.Errorf("money params = %v", got)
	}
}

func TestDecodeNumeric(t *testing.T) {
	fixed := func(p, s int32) int32 { return numericMod(p, s) }
	vsd := func(scale int32, b []byte) change.StructValue { return change.StructValue{scale, b} }
	runDecodeCases(t, []decodeCase{
		// Java: new BigInteger(x).toByteArray(), base64.
		{name: "123.45", oid: oidNumeric, typmod: fixed(10, 2), text: "123.45", want: b64("MDk=")},
		{name: "-123.45", oid: oidNumeric, typmod: fixed(10, 2), text: "-123.45", want: b64("z8c=")},
		{name: "zero", oid: oidNumeric, typmod: fixed(10, 2), text: "0.00", want: b64("AA==")},
		{name: "1.28", oid: oidNumeric, typmod: fixed(5, 2), text: "1.28", want: b64("AIA=")},
		{name: "-1.28", oid: oidNumeric, typmod: fixed(5, 2), text: "-1.28", want: b64("gA==")},
		{name: "-1.29", oid: oidNumeric, typmod: fixed(5, 2), text: "-1.29", want: b64("/38=")},
		{name: "-2.56", oid: oidNumeric, typmod: fixed(5, 2), text: "-2.56", want: b64("/wA=")},
		{name: "scale 0", oid: oidNumeric, typmod: fixed(5, 0), text: "255", want: b64("AP8=")},
		{name: "int64 max", oid: oidNumeric, typmod: fixed(19, 0), text: "9223372036854775807", want: b64("f/////////8=")},
		{name: "int64 min", oid: oidNumeric, typmod: fixed(19, 0), text: "-9223372036854775808", want: b64("gAAAAAAAAAA=")},
		{name: "30 digits", oid: oidNumeric, typmod: fixed(38, 10), text: "12345678901234567890.1234567890", want: b64("AY7pD/bDc+DuTj8K0g==")},
		{name: "fewer fraction digits", oid: oidNumeric, typmod: fixed(10, 2), text: "123.4", want: change.Int64Bytes(12340)},
		{name: "negative scale", oid: oidNumeric, typmod: fixed(5, -2), text: "12300", want: []byte{123}},

		{name: "variable 3.14159", oid: oidNumeric, typmod: -1, text: "3.14159", want: vsd(5, b64("BMsv"))},
		{name: "variable trailing zeros", oid: oidNumeric, typmod: -1, text: "1.500", want: vsd(1, []byte{15})},
		{name: "variable integer", oid: oidNumeric, typmod: -1, text: "100", want: vsd(0, []byte{100})},
		{name: "variable zero", oid: oidNumeric, typmod: -1, text: "0.000", want: vsd(0, []byte{0})},
		{name: "variable negative", oid: oidNumeric, typmod: -1, text: "-0.001", want: vsd(3, []byte{0xff})},

		// Java: BigDecimal.toString.
		{name: "string", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "123.450", want: "123.450"},
		{name: "string sci", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "0.0000001", want: "1E-7"},
		{name: "string sci fixed", oid: oidNumeric, typmod: fixed(10, 8), opts: TypeOptions{DecimalMode: "string"}, text: "0.00000010", want: "1.0E-7"},
		{name: "string small", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "0.000001", want: "0.000001"},
		{name: "string negative scale", oid: oidNumeric, typmod: fixed(5, -2), opts: TypeOptions{DecimalMode: "string"}, text: "12300", want: "1.23E+4"},
		{name: "string big", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "-123456789012345678901234567890.123", want: "-123456789012345678901234567890.123"},
		{name: "string NaN", oid: oidNumeric, typmod: fixed(10, 2), opts: TypeOptions{DecimalMode: "string"}, text: "NaN", want: "NAN"},
		{name: "string Infinity", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "Infinity", want: "POSITIVE_INFINITY"},
		{name: "string -Infinity", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "-Infinity", want: "NEGATIVE_INFINITY"},

		{name: "double", oid: oidNumeric, typmod: fixed(10, 2), opts: TypeOptions{DecimalMode: "double"}, text: "-123.45", want: -123.45},
		{name: "double NaN", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "double"}, text: "NaN", want: math.NaN()},
		{name: "double -Infinity", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "double"}, text: "-Infinity", want: math.Inf(-1)},
		{name: "double huge", oid: oidNumeric, typmod: -1, opts: TypeOptions{DecimalMode: "double"}, text: "1" + strings.Repeat("0", 400), want: math.Inf(1)},

		{name: "money", oid: oidMoney, typmod: -1, text: "$1,234.56", want: change.Int64Bytes(123456)},
		{name: "money negative", oid: oidMoney, typmod: -1, text: "-$1,234.56", want: change.Int64Bytes(-123456)},
		{name: "money parentheses", oid: oidMoney, typmod: -1, text: "($5.00)", want: change.Int64Bytes(-500)},
		{name: "money no symbol", oid: oidMoney, typmod: -1, text: "1234.5", want: change.Int64Bytes(123450)},
		{name: "money zero", oid: oidMoney, typmod: -1, text: "$0.00", want: []byte{0}},
		{name: "money min", oid: oidMoney, typmod: -1, text: "-$92,233,720,368,547,758.08", want: b64("gAAAAAAAAAA=")},
		{name: "money double", oid: oidMoney, typmod: -1, opts: TypeOptions{DecimalMode: "double"}, text: "-$1,234.56", want: -1234.56},
		{name: "money string", oid: oidMoney, typmod: -1, opts: TypeOptions{DecimalMode: "string"}, text: "$5.00", want: "5.00"},
	})
}

// TestNumericSpecialValueInPreciseMode checks Debezium's handling of numeric
// NaN and ±Infinity under decimal.handling.mode=precise: a nullable column
// gets null (ErrNulled, which the caller turns into null with a warning), a
// numeric[] with such an element too; a NOT NULL column fails, naming the
// fix.
func TestNumericSpecialValueInPreciseMode(t *testing.T) {
	for _, typmod := range []int32{-1, numericMod(10, 2)} {
		nullable := mapCol(t, nil, oidNumeric, typmod, false, TypeOptions{})
		notNull := mapCol(t, nil, oidNumeric, typmod, true, TypeOptions{})
		if !nullable.Nulls || notNull.Nulls {
			t.Errorf("typmod %d: Nulls = %v (nullable), %v (NOT NULL); want true, false", typmod, nullable.Nulls, notNull.Nulls)
		}
		for _, text := range []string{"NaN", "Infinity", "-Infinity"} {
			for _, decode := range []func([]byte) (any, error){nullable.Decode, nullable.SnapshotDecode} {
				if _, err := decode([]byte(text)); !errors.Is(err, ErrNulled) || !errors.Is(err, ErrNumericSpecial) {
					t.Fatalf("typmod %d, nullable: Decode(%s) error = %v, want ErrNulled", typmod, text, err)
				}
			}
			_, err := notNull.Decode([]byte(text))
			if !errors.Is(err, ErrNumericSpecial) {
				t.Fatalf("typmod %d, NOT NULL: Decode(%s) error = %v, want ErrNumericSpecial", typmod, text, err)
			}
			if !strings.Contains(err.Error(), "decimal.handling.mode=string") || !strings.Contains(err.Error(), "double") ||
				!strings.Contains(err.Error(), "NOT NULL") {
				t.Errorf("error %q does not name the fix", err)
			}
		}
		if v, err := nullable.Decode([]byte("1.50")); err != nil || v == nil {
			t.Errorf("typmod %d: a finite value: %v, %v", typmod, v, err)
		}
	}
	arr := mapCol(t, nil, 1231 /* numeric[] */, numericMod(5, 2), false, TypeOptions{})
	if _, err := arr.Decode([]byte("{1.50,NaN}")); !arr.Nulls || !errors.Is(err, ErrNulled) {
		t.Errorf("numeric[] with NaN: Nulls %v, error %v; want the whole array null", arr.Nulls, err)
	}
	// The other modes represent the special values, but not in an array:
	// Debezium 3.6.1 sends such an array as null in every mode (measured).
	for _, mode := range []string{DecimalString, DecimalDouble} {
		c := mapCol(t, nil, oidNumeric, -1, true, TypeOptions{DecimalMode: mode})
		if c.Nulls {
			t.Errorf("%s: Nulls set", mode)
		}
		if _, err := c.Decode([]byte("NaN")); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
		a := mapCol(t, nil, 1231, -1, false, TypeOptions{DecimalMode: mode})
		if _, err := a.Decode([]byte("{1.5,Infinity}")); !a.Nulls || !errors.Is(err, ErrNulled) {
			t.Errorf("%s: numeric[] with Infinity: Nulls %v, error %v; want null", mode, a.Nulls, err)
		}
		if v, err := a.Decode([]byte("{1.5}")); err != nil || len(v.([]any)) != 1 {
			t.Errorf("%s: numeric[]: %v, %v", mode, v, err)
		}
	}
}

// TestNameStreamedNull checks Debezium's treatment of name columns
// (measured against 3.6.1): the snapshot reads the value, the stream gives
// null (the fallback "" in a NOT NULL column) unless
// include.unknown.datatypes is set.
func TestNameStreamedNull(t *testing.T) {
	for _, notNull := range []bool{false, true} {
		c := mapCol(t, nil, oidName, -1, notNull, TypeOptions{})
		var want any
		if notNull {
			want = ""
		}
		if v, err := c.Decode([]byte("a_name")); err != nil || v != want || !c.StreamNull {
			t.Errorf("notNull %v: streamed %#v, %v (StreamNull %v); want %#v", notNull, v, err, c.StreamNull, want)
		}
		if v, err := c.SnapshotDecode([]byte("a_name")); err != nil || v != "a_name" {
			t.Errorf("notNull %v: snapshot %#v, %v", notNull, v, err)
		}
		inc := mapCol(t, nil, oidName, -1, notNull, TypeOptions{IncludeUnknown: true})
		if v, err := inc.Decode([]byte("a_name")); err != nil || v != "a_name" || inc.StreamNull {
			t.Errorf("notNull %v, included: streamed %#v, %v", notNull, v, err)
		}
	}
}

// TestDateThroughJDBC checks the dates Debezium's snapshot sees through the
// JDBC driver's java.sql.Date (values computed with Java 17's
// java.sql.Date.toLocalDate().toEpochDay()), against the stream's.
func TestDateThroughJDBC(t *testing.T) {
	c := mapCol(t, nil, oidDate, -1, false, TypeOptions{})
	for _, tc := range []struct {
		text           string
		stream, snapOK any
	}{
		{"infinity", int32(-2147472692), int32(-622191234)},
		{"-infinity", int32(-2147472691), int32(-625821272)},
		{"2024-02-29", int32(19782), int32(19782)},
		{"1000-01-01", int32(-354285), int32(-354285)},
		{"1582-10-04", int32(-141438), int32(-141438)},
		{"1582-10-05", int32(-141437), int32(-141427)}, // the reform's skipped days move on
		{"1582-10-14", int32(-141428), int32(-141418)},
		{"1582-10-15", int32(-141427), int32(-141427)},
		{"0044-03-15 BC", int32(-735160), int32(-703383)}, // BC: the year of era, as AD
		{"0001-12-31 BC", int32(-719163), int32(-718798)},
	} {
		if got := decodeOK(t, c, tc.text); got != tc.stream {
			t.Errorf("stream %s = %v, want %v", tc.text, got, tc.stream)
		}
		got, err := c.SnapshotDecode([]byte(tc.text))
		if err != nil || got != tc.snapOK {
			t.Errorf("snapshot %s = %v, %v; want %v", tc.text, got, err, tc.snapOK)
		}
	}
	// No AD year 1 February 29: Debezium sends null.
	if _, err := c.SnapshotDecode([]byte("0001-02-29 BC")); !errors.Is(err, ErrNulled) || !c.Nulls {
		t.Errorf("0001-02-29 BC: %v (Nulls %v), want ErrNulled", err, c.Nulls)
	}
	// date[] elements go through the driver in both paths.
	arr := mapCol(t, nil, 1182, -1, false, TypeOptions{})
	for _, decode := range []func([]byte) (any, error){arr.Decode, arr.SnapshotDecode} {
		got, err := decode([]byte("{1970-01-02,infinity,-infinity}"))
		if want := []any{int32(1), int32(-622191234), int32(-625821272)}; err != nil || !equalValues(got, want) {
			t.Errorf("date[] = %#v, %v; want %#v", got, err, want)
		}
	}
}

func TestDecodeTemporal(t *testing.T) {
	adaptiveMicros := TypeOptions{TimeMode: "adaptive_time_microseconds"}
	connect := TypeOptions{TimeMode: "connect"}
	runDecodeCases(t, []decodeCase{
		{oid: oidDate, typmod: -1, text: "1970-01-01", want: int32(0)},
		{oid: oidDate, typmod: -1, text: "1969-12-31", want: int32(-1)},
		{oid: oidDate, typmod: -1, text: "2024-05-01", want: int32(19844)},
		{oid: oidDate, typmod: -1, text: "2000-02-29", want: int32(11016)},
		{oid: oidDate, typmod: -1, text: "0001-01-01", want: int32(-719162)},
		{oid: oidDate, typmod: -1, text: "0001-12-31 BC", want: int32(-719163)},
		{oid: oidDate, typmod: -1, text: "4714-11-24 BC", want: int32(-2440588)},
		{oid: oidDate, typmod: -1, text: "5874897-12-31", want: int32(2145042905)}, // Java: LocalDate.toEpochDay
		// Java: LocalDate.parse("-5877611-06-21" / "-5877611-06-22").toEpochDay().
		{oid: oidDate, typmod: -1, text: "infinity", want: int32(-2147472692)},
		{oid: oidDate, typmod: -1, text: "-infinity", want: int32(-2147472691)},

		{name: "time(6)", oid: oidTime, typmod: -1, text: "10:15:30.123456", want: int64(36930123456)},
		{name: "time(6) short fraction", oid: oidTime, typmod: 6, text: "10:15:30.5", want: int64(36930500000)},
		{name: "time midnight", oid: oidTime, typmod: -1, text: "00:00:00", want: int64(0)},
		{name: "time 24:00", oid: oidTime, typmod: -1, text: "24:00:00", want: int64(86400000000)},
		{name: "time(3)", oid: oidTime, typmod: 3, text: "10:15:30.123", want: int32(36930123)},
		{name: "time(0)", oid: oidTime, typmod: 0, text: "23:59:59", want: int32(86399000)},
		{name: "time(3) micros mode", oid: oidTime, typmod: 3, opts: adaptiveMicros, text: "10:15:30.123", want: int64(36930123000)},
		{name: "time connect", oid: oidTime, typmod: -1, opts: connect, text: "10:15:30.123456", want: int32(36930123)},

		{name: "timestamp", oid: oidTimestamp, typmod: -1, text: "2024-05-01 10:15:30.123456", want: int64(1714558530123456)},
		{name: "timestamp(3)", oid: oidTimestamp, typmod: 3, text: "2024-05-01 10:15:30.123", want: int64(1714558530123)},
		{name: "timestamp(0)", oid: oidTimestamp, typmod: 0, text: "2018-06-20 06:37:03", want: int64(1529476623000)},
		{name: "timestamp before 1970", oid: oidTimestamp, typmod: -1, text: "1969-12-31 23:59:59.5", want: int64(-500000)},
		{name: "timestamp(3) before 1970", oid: oidTimestamp, typmod: 3, text: "1969-12-31 23:59:59.5", want: int64(-500)},
		{name: "timestamp 1900", oid: oidTimestamp, typmod: -1, text: "1900-01-01 00:00:00", want: int64(-2208988800000000)},
		{name: "timestamp BC", oid: oidTimestamp, typmod: -1, text: "0044-03-15 12:00:00 BC", want: int64(-63517780800000000)}, // Java
		{name: "timestamp(3) max", oid: oidTimestamp, typmod: 3, text: "294276-12-31 23:59:59.999", want: int64(9224318015999999)},
		{name: "timestamp min", oid: oidTimestamp, typmod: -1, text: "4714-11-24 00:00:00 BC", want: int64(-2440588 * 86400000000)},
		{name: "timestamp infinity", oid: oidTimestamp, typmod: -1, text: "infinity", want: int64(9223372036825200000)},
		{name: "timestamp -infinity", oid: oidTimestamp, typmod: -1, text: "-infinity", want: int64(-9223372036832400000)},
		{name: "timestamp(3) infinity", oid: oidTimestamp, typmod: 3, text: "infinity", want: int64(9223372036825200)},
		{name: "timestamp connect", oid: oidTimestamp, typmod: -1, opts: connect, text: "2024-05-01 10:15:30.123456", want: int64(1714558530123)},

		{name: "timestamptz", oid: oidTimestamptz, typmod: -1, text: "2024-05-01 12:15:30.123456+02", want: "2024-05-01T10:15:30.123456Z"},
		{name: "timestamptz padded", oid: oidTimestamptz, typmod: -1, text: "2024-05-01 10:15:30.1+00", want: "2024-05-01T10:15:30.100000Z"},
		{name: "timestamptz whole second", oid: oidTimestamptz, typmod: -1, text: "2024-05-01 10:15:30+00", want: "2024-05-01T10:15:30.000000Z"},
		{name: "timestamptz(3)", oid: oidTimestamptz, typmod: 3, text: "2024-05-01 10:15:30.12+00", want: "2024-05-01T10:15:30.120Z"},
		{name: "timestamptz(0)", oid: oidTimestamptz, typmod: 0, text: "2024-05-01 10:15:30+00", want: "2024-05-01T10:15:30Z"},
		{name: "timestamptz half-hour zone", oid: oidTimestamptz, typmod: -1, text: "2024-05-01 00:15:30+05:30", want: "2024-04-30T18:45:30.000000Z"},
		{name: "timestamptz LMT offset", oid: oidTimestamptz, typmod: 0, text: "1850-01-01 00:00:00-04:56:02", want: "1850-01-01T04:56:02Z"},
		{name: "timestamptz before 1970", oid: oidTimestamptz, typmod: -1, text: "1969-12-31 23:59:59.999999+00", want: "1969-12-31T23:59:59.999999Z"},
		{name: "timestamptz BC", oid: oidTimestamptz, typmod: 0, text: "0001-01-01 00:00:00+00 BC", want: "0000-01-01T00:00:00Z"},
		{name: "timestamptz 2 BC", oid: oidTimestamptz, typmod: 0, text: "0002-01-01 00:00:00+00 BC", want: "-0001-01-01T00:00:00Z"},
		{name: "timestamptz year 10000", oid: oidTimestamptz, typmod: 0, text: "10000-01-01 00:00:00+00", want: "+10000-01-01T00:00:00Z"},
		{name: "timestamptz max", oid: oidTimestamptz, typmod: -1, text: "294276-12-31 23:59:59.999999+00", want: "+294276-12-31T23:59:59.999999Z"},
		{name: "timestamptz offset crosses midnight", oid: oidTimestamptz, typmod: 0, text: "2024-01-01 01:00:00+02", want: "2023-12-31T23:00:00Z"},
		{name: "timestamptz infinity", oid: oidTimestamptz, typmod: -1, text: "infinity", want: "infinity"},
		{name: "timestamptz -infinity", oid: oidTimestamptz, typmod: -1, text: "-infinity", want: "-infinity"},

		{name: "timetz", oid: oidTimetz, typmod: -1, text: "10:15:30.123456+02", want: "08:15:30.123456Z"},
		{name: "timetz trailing zeros", oid: oidTimetz, typmod: -1, text: "10:15:30.1234+00", want: "10:15:30.1234Z"},
		{name: "timetz whole", oid: oidTimetz, typmod: -1, text: "10:15:00-01:30", want: "11:45:00Z"},
		{name: "timetz wraps forward", oid: oidTimetz, typmod: -1, text: "23:30:00-01", want: "00:30:00Z"},
		{name: "timetz wraps back", oid: oidTimetz, typmod: -1, text: "00:30:00+01", want: "23:30:00Z"},
		{name: "timetz 24:00 UTC", oid: oidTimetz, typmod: -1, text: "24:00:00+00", want: "24:00:00Z"},
		{name: "timetz 24:00", oid: oidTimetz, typmod: -1, text: "24:00:00+02", want: "22:00:00Z"},
	})
}

func TestTemporalSchemas(t *testing.T) {
	for _, tc := range []struct {
		oid     uint32
		typmod  int32
		opts    TypeOptions
		typ     change.Type
		logical string
	}{
		{oidDate, -1, TypeOptions{}, change.Int32, "io.debezium.time.Date"},
		{oidDate, -1, TypeOptions{TimeMode: "connect"}, change.Int32, "org.apache.kafka.connect.data.Date"},
		{oidTime, -1, TypeOptions{}, change.Int64, "io.debezium.time.MicroTime"},
		{oidTime, 4, TypeOptions{}, change.Int64, "io.debezium.time.MicroTime"},
		{oidTime, 3, TypeOptions{}, change.Int32, "io.debezium.time.Time"},
		{oidTime, 0, TypeOptions{TimeMode: "adaptive_time_microseconds"}, change.Int64, "io.debezium.time.MicroTime"},
		{oidTime, 6, TypeOptions{TimeMode: "connect"}, change.Int32, "org.apache.kafka.connect.data.Time"},
		{oidTimestamp, -1, TypeOptions{}, change.Int64, "io.debezium.time.MicroTimestamp"},
		{oidTimestamp, 3, TypeOptions{}, change.Int64, "io.debezium.time.Timestamp"},
		{oidTimestamp, 3, TypeOptions{TimeMode: "adaptive_time_microseconds"}, change.Int64, "io.debezium.time.Timestamp"},
		{oidTimestamp, 6, TypeOptions{TimeMode: "connect"}, change.Int64, "org.apache.kafka.connect.data.Timestamp"},
		{oidTimestamptz, -1, TypeOptions{}, change.String, "io.debezium.time.ZonedTimestamp"},
		{oidTimetz, -1, TypeOptions{}, change.String, "io.debezium.time.ZonedTime"},
		{oidInterval, -1, TypeOptions{}, change.Int64, "io.debezium.time.MicroDuration"},
		{oidInterval, -1, TypeOptions{IntervalMode: "string"}, change.String, "io.debezium.time.Interval"},
	} {
		c := mapCol(t, nil, tc.oid, tc.typmod, false, tc.opts)
		if c.Field.Type != tc.typ || c.Field.Logical != tc.logical || c.Field.Version != 1 {
			t.Errorf("oid %d typmod %d %+v: field %s %s v%d, want %s %s v1", tc.oid, tc.typmod, tc.opts,
				c.Field.Type, c.Field.Logical, c.Field.Version, tc.typ, tc.logical)
		}
	}
}

func TestDecodeInterval(t *testing.T) {
	// Java: Debezium's MicroDuration.durationMicros over pgjdbc's PGInterval.
	cases := []struct {
		want  int64
		iso   string
		forms []string // the same interval in the four IntervalStyles
	}{
		{37091106789000, "P1Y2M3DT4H5M6.789S", []string{
			"1 year 2 mons 3 days 04:05:06.789", "@ 1 year 2 mons 3 days 4 hours 5 mins 6.789 secs",
			"+1-2 +3 +4:05:06.789", "P1Y2M3DT4H5M6.789S"}},
		{6789000, "P0Y0M0DT0H0M6.789S", []string{"00:00:06.789", "@ 6.789 secs", "0:00:06.789", "PT6.789S"}},
		{-79020000000, "P0Y0M-1DT2H3M0S", []string{"-1 days +02:03:00", "@ 1 day -2 hours -3 mins ago", "-1 +2:03:00", "P-1DT2H3M"}},
		{-14706500000, "P0Y0M0DT-4H-5M-6.5S", []string{"-04:05:06.5", "@ 4 hours 5 mins 6.5 secs ago", "-4:05:06.5", "PT-4H-5M-6.5S"}},
		{2629800100000, "P0Y1M0DT0H0M0.1S", []string{"1 mon 00:00:00.1", "@ 1 mon 0.1 secs", "+0-1 +0 +0:00:00.1", "P1MT0.1S"}},
		{-36572706123456, "P-1Y-2M3DT-4H-5M-6.123456S", []string{
			"-1 years -2 mons +3 days -04:05:06.123456", "@ 1 year 2 mons -3 days 4 hours 5 mins 6.123456 secs ago",
			"-1-2 +3 -4:05:06.123456", "P-1Y-2M3DT-4H-5M-6.123456S"}},
		{1, "P0Y0M0DT0H0M0.000001S", []string{"00:00:00.000001", "@ 0.000001 secs", "0:00:00.000001", "PT0.000001S"}},
		{0, "P0Y0M0DT0H0M0S", []string{"00:00:00", "@ 0", "0", "PT0S"}},
		{math.MaxInt64, "P178000000Y0M0DT0H0M0S", []string{"178000000 years", "@ 178000000 years", "178000000-0", "P178000000Y"}},
	}
	numeric := mapCol(t, nil, oidInterval, -1, true, TypeOptions{})
	str := mapCol(t, nil, oidInterval, -1, true, TypeOptions{IntervalMode: "string"})
	for _, tc := range cases {
		for _, form := range tc.forms {
			if got := decodeOK(t, numeric, form); got != tc.want {
				t.Errorf("interval %q = %v µs, want %d", form, got, tc.want)
			}
			if got := decodeOK(t, str, form); got != tc.iso {
				t.Errorf("interval %q in string mode = %v, want %s", form, got, tc.iso)
			}
		}
	}
	// Day-time sql_standard form, where the time takes the day's sign.
	if got := decodeOK(t, numeric, "-1 2:03:00"); got != int64(-93780000000) {
		t.Errorf("sql_standard -1 2:03:00 = %v", got)
	}
}

func TestDebeziumIntervalArithmetic(t *testing.T) {
	// Debezium computes in float64 and truncates; check a spread of fractional
	// seconds against exact arithmetic: they may differ by at most 1 µs, and
	// only below the exact value.
	for us := int64(0); us < 3_000_000; us += 997 {
		iv := pgInterval{days: 3, hours: 4, minutes: 5, micros: us}
		exact := ((3*24+4)*60+5)*60*int64(microsPerSecond) + us
		got := iv.debeziumMicros()
		if got != exact && got != exact-1 {
			t.Fatalf("%d µs: got %d, exact %d", us, got, exact)
		}
	}
}

func TestDecodeBits(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "bit(1) 1", oid: oidBit, typmod: 1, text: "1", want: true},
		{name: "bit(1) 0", oid: oidBit, typmod: 1, text: "0", want: false},
		{name: "varbit(1)", oid: oidVarbit, typmod: 1, text: "1", want: true},
		{name: "bit(2)", oid: oidBit, typmod: 2, text: "10", want: []byte{0x02}},
		{name: "bit(10)", oid: oidBit, typmod: 10, text: "1000000001", want: []byte{0x01, 0x02}},
		{name: "bit(16) sized to content", oid: oidBit, typmod: 16, text: "0000000000000101", want: []byte{0x05}},
		{name: "bit(16) high byte", oid: oidBit, typmod: 16, text: "0000000100000000", want: []byte{0x00, 0x01}},
		{name: "bit(8) zero", oid: oidBit, typmod: 8, text: "00000000", want: []byte{}},
		{name: "varbit", oid: oidVarbit, typmod: -1, text: "101", want: []byte{0x05}},
		{name: "varbit 72 bits", oid: oidVarbit, typmod: 80, text: "1" + strings.Repeat("0", 70) + "1", want: []byte{1, 0, 0, 0, 0, 0, 0, 0, 0x80}},
	})
	for _, tc := range []struct {
		oid    uint32
		typmod int32
		length string
	}{{oidBit, 10, "10"}, {oidVarbit, 64, "64"}, {oidVarbit, -1, "2147483647"}} {
		c := mapCol(t, nil, tc.oid, tc.typmod, false, TypeOptions{})
		if c.Field.Type != change.Bytes || c.Field.Logical != "io.debezium.data.Bits" || c.Field.Param("length") != tc.length {
			t.Errorf("oid %d typmod %d: field %+v", tc.oid, tc.typmod, c.Field)
		}
	}
	if c := mapCol(t, nil, oidBit, 1, false, TypeOptions{}); c.Field.Type != change.Boolean || c.Field.Logical != "" {
		t.Errorf("bit(1): field %+v", c.Field)
	}
}

func TestDecodeBytea(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "hex", oid: oidBytea, typmod: -1, text: `\x0001ff`, want: []byte{0, 1, 0xff}},
		{name: "empty", oid: oidBytea, typmod: -1, text: `\x`, want: []byte{}},
		{name: "escape format", oid: oidBytea, typmod: -1, text: `a\000\\b\377`, want: []byte{'a', 0, '\\', 'b', 0xff}},
		{name: "base64", oid: oidBytea, typmod: -1, opts: TypeOptions{BinaryMode: "base64"}, text: `\xfbff`, want: "+/8="},
		{name: "base64-url-safe", oid: oidBytea, typmod: -1, opts: TypeOptions{BinaryMode: "base64-url-safe"}, text: `\xfbff`, want: "-_8="},
		{name: "hex mode", oid: oidBytea, typmod: -1, opts: TypeOptions{BinaryMode: "hex"}, text: `\x0A0b`, want: "0a0b"},
	})
}

func TestDecodePointAndGeometry(t *testing.T) {
	c := mapCol(t, nil, oidPoint, -1, false, TypeOptions{})
	if c.Field.Type != change.Struct || c.Field.Logical != "io.debezium.data.geometry.Point" || c.Field.Version != 1 ||
		len(c.Field.Fields) != 4 || c.Field.Fields[2].Name != "wkb" || !c.Field.Fields[2].Optional || c.Field.Fields[3].Name != "srid" {
		t.Errorf("point field = %+v", c.Field)
	}
	got := decodeOK(t, c, "(1,2)")
	want := change.StructValue{1.0, 2.0, b64("AQEAAAAAAAAAAADwPwAAAAAAAABA"), nil} // REFERENCE §5
	if !reflect.DeepEqual(got, want) {
		t.Errorf("point = %#v, want %#v", got, want)
	}
	if got := decodeOK(t, c, "(-1.5, 2e-3)").(change.StructValue); got[0] != -1.5 || got[1] != 0.002 {
		t.Errorf("point = %v", got)
	}

	cat := NewTypeCatalog()
	cat.Register(TypeInfo{OID: 90001, Name: "geometry", Type: 'b', Category: 'U', BaseTypmod: -1})
	g := mapCol(t, cat, 90001, -1, false, TypeOptions{})
	if g.Field.Logical != "io.debezium.data.geometry.Geometry" || g.Field.Doc != "Geometry" || len(g.Field.Fields) != 2 {
		t.Errorf("geometry field = %+v", g.Field)
	}
	// SRID=4326;POINT(1 2) as PostGIS prints it, and the same without SRID.
	withSRID := "0101000020E6100000000000000000F03F0000000000000040"
	v := decodeOK(t, g, withSRID).(change.StructValue)
	if v[1] != int32(4326) || len(v[0].([]byte)) != 25 {
		t.Errorf("geometry = %#v", v)
	}
	v = decodeOK(t, g, "0101000000000000000000F03F0000000000000040").(change.StructValue)
	if v[1] != nil || !reflect.DeepEqual(v[0], b64("AQEAAAAAAAAAAADwPwAAAAAAAABA")) {
		t.Errorf("geometry without SRID = %#v", v)
	}
}

func TestEnumAndExtensionTypes(t *testing.T) {
	cat := NewTypeCatalog()
	cat.Register(TypeInfo{OID: 90010, Name: "mood", Type: 'e', Category: 'E', EnumLabels: []string{"sad", "ok", "happy"}, BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90011, Name: "_mood", Type: 'b', Category: 'A', ElemOID: 90010, BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90012, Name: "hstore", Type: 'b', Category: 'U', BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90013, Name: "citext", Type: 'b', Category: 'S', BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90014, Name: "ltree", Type: 'b', Category: 'U', BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90015, Name: "_ltree", Type: 'b', Category: 'A', ElemOID: 90014, BaseTypmod: -1})

	e := mapCol(t, cat, 90010, -1, true, TypeOptions{})
	if e.Field.Type != change.String || e.Field.Logical != "io.debezium.data.Enum" || e.Field.Param("allowed") != "sad,ok,happy" || e.Field.SourceType != "mood" {
		t.Errorf("enum field = %+v", e.Field)
	}
	if got := decodeOK(t, e, "happy"); got != "happy" {
		t.Errorf("enum = %v", got)
	}
	ea := mapCol(t, cat, 90011, -1, false, TypeOptions{})
	if ea.Field.Type != change.Array || ea.Field.Elem.Logical != "io.debezium.data.Enum" || ea.Field.Elem.Optional {
		t.Errorf("enum[] field = %+v elem %+v (Debezium's enum elements are required)", ea.Field, ea.Field.Elem)
	}
	if got := decodeOK(t, ea, "{sad,happy}"); !reflect.DeepEqual(got, []any{"sad", "happy"}) {
		t.Errorf("enum[] = %v", got)
	}

	h := mapCol(t, cat, 90012, -1, false, TypeOptions{})
	if h.Field.Logical != "io.debezium.data.Json" {
		t.Errorf("hstore field = %+v", h.Field)
	}
	// Java: HashMap order of these keys.
	if got := decodeOK(t, h, `"k"=>"v", "a b"=>NULL, "q\"uote"=>"back\\slash"`); got != `{"a b":null,"q\"uote":"back\\slash","k":"v"}` {
		t.Errorf("hstore = %s", got)
	}
	if got := decodeOK(t, h, ""); got != "{}" {
		t.Errorf("empty hstore = %s", got)
	}
	if _, err := MapColumn(context.Background(), cat, nil, "h", 90012, -1, false, TypeOptions{HstoreMode: "map"}); err == nil ||
		!strings.Contains(err.Error(), "hstore.handling.mode") {
		t.Errorf("hstore map mode: err = %v", err)
	}

	if c := mapCol(t, cat, 90013, -1, false, TypeOptions{}); c.Field.Type != change.String || c.Field.Logical != "" || c.Unknown {
		t.Errorf("citext field = %+v", c.Field)
	}
	l := mapCol(t, cat, 90015, -1, false, TypeOptions{})
	if l.Field.Elem == nil || l.Field.Elem.Logical != "io.debezium.data.Ltree" {
		t.Errorf("ltree[] field = %+v", l.Field)
	}
	if got := decodeOK(t, l, "{a.b,a.c.d}"); !reflect.DeepEqual(got, []any{"a.b", "a.c.d"}) {
		t.Errorf("ltree[] = %v", got)
	}
}

func TestHstoreJSONMatchesJava(t *testing.T) {
	// Java: a HashMap filled in this order, written with Jackson's JsonGenerator.
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"a", "b", "c"}, `{"a":"a\u0001v","b":null,"c":"c\u0001v"}`},
		{[]string{"key1", "key2", "key10", "x", "zz", "Ωmega", "k\"q", "tab\t"},
			`{"key1":"key1\u0001v","zz":"zz\u0001v","key2":"key2\u0001v","tab\t":"tab\t\u0001v","x":"x\u0001v","k\"q":"k\"q\u0001v","Ωmega":"Ωmega\u0001v","key10":"key10\u0001v"}`},
		{strings.Fields("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"),
			`{"11":"11\u0001v","12":"12\u0001v","13":"13\u0001v","14":"14\u0001v","15":"15\u0001v","16":"16\u0001v","17":"17\u0001v","18":"18\u0001v","19":"19\u0001v","1":"1\u0001v","2":"2\u0001v","3":"3\u0001v","4":"4\u0001v","5":"5\u0001v","6":"6\u0001v","7":"7\u0001v","8":"8\u0001v","9":"9\u0001v","20":"20\u0001v","10":"10\u0001v"}`},
		// Colliding hashes ("Aa" and "BB" hash alike): insertion order within a bucket.
		{strings.Fields("Aa BB AaAa BBBB AaBB BBAa AaAaAa BBBBBB AaAaBB AaBBAa BBAaAa AaBBBB BBAaBB BBBBAa"),
			`{"Aa":"Aa\u0001v","BB":"BB\u0001v","AaAa":"AaAa\u0001v","BBBB":"BBBB\u0001v","AaBB":"AaBB\u0001v","BBAa":"BBAa\u0001v","AaAaAa":"AaAaAa\u0001v","BBBBBB":"BBBBBB\u0001v","AaAaBB":"AaAaBB\u0001v","AaBBAa":"AaBBAa\u0001v","BBAaAa":"BBAaAa\u0001v","AaBBBB":"AaBBBB\u0001v","BBAaBB":"BBAaBB\u0001v","BBBBAa":"BBBBAa\u0001v"}`},
	} {
		var pairs []hstorePair
		for _, k := range tc.keys {
			p := hstorePair{key: k}
			if k != "b" {
				v := k + "\x01v"
				p.value = &v
			}
			pairs = append(pairs, p)
		}
		if got := hstoreJSON(pairs); got != tc.want {
			t.Errorf("hstoreJSON(%q)\n got %s\nwant %s", tc.keys, got, tc.want)
		}
	}
	var sb strings.Builder
	writeJacksonString(&sb, "\x1f\x7f\b\f\r\n/<>&\u2028é\\")
	if want := "\"\\u001F\x7f\\b\\f\\r\\n/<>&\u2028é\\\\\""; sb.String() != want { // Java: Jackson
		t.Errorf("jackson escaping = %q, want %q", sb.String(), want)
	}
}

func TestDecodeArrays(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "int4[]", oid: 1007, typmod: -1, text: "{1,2,NULL,-3}", want: []any{int32(1), int32(2), nil, int32(-3)}},
		{name: "empty", oid: 1007, typmod: -1, text: "{}", want: []any{}},
		{name: "int8[] bounds", oid: 1016, typmod: -1, text: "[0:1]={5,6}", want: []any{int64(5), int64(6)}},
		{name: "text[] quoting", oid: 1009, typmod: -1, text: `{"a,b","c\"d","NULL",NULL,"","back\\slash",plain,"{x}"}`,
			want: []any{"a,b", `c"d`, "NULL", nil, "", `back\slash`, "plain", "{x}"}},
		{name: "text[] spaces", oid: 1009, typmod: -1, text: `{ a b , "  c " ,null}`, want: []any{"a b", "  c ", nil}},
		{name: "varchar[] escape unquoted", oid: 1015, typmod: -1, text: `{a\,b,\NULL}`, want: []any{"a,b", "NULL"}},
		{name: "numeric(5,2)[]", oid: 1231, typmod: numericMod(5, 2), text: "{1.50,-2.00,NULL}", want: []any{change.Int64Bytes(150), change.Int64Bytes(-200), nil}},
		{name: "bool[]", oid: 1000, typmod: -1, text: "{t,f}", want: []any{true, false}},
		{name: "float8[]", oid: 1022, typmod: -1, text: "{1.5,NaN,-Infinity}", want: []any{1.5, math.NaN(), math.Inf(-1)}},
		{name: "date[]", oid: 1182, typmod: -1, text: "{1970-01-02,infinity}", want: []any{int32(1), int32(-622191234)}}, // through the JDBC driver, as Debezium reads arrays
		{name: "timestamptz(3)[]", oid: 1185, typmod: 3, text: `{"2024-05-01 10:15:30.12+00"}`, want: []any{"2024-05-01T10:15:30.120Z"}},
		{name: "uuid[]", oid: 2951, typmod: -1, text: "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", want: []any{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}},
		{name: "jsonb[]", oid: 3807, typmod: -1, text: `{"{\"a\": 1}","[]"}`, want: []any{`{"a": 1}`, "[]"}},
		{name: "bytea[]", oid: 1001, typmod: -1, text: `{"\\x0102",NULL}`, want: []any{[]byte{1, 2}, nil}},
		{name: "int4range[]", oid: 3905, typmod: -1, text: `{"[1,3)",empty}`, want: []any{"[1,3)", "empty"}},
		{name: "bpchar(3)[]", oid: 1014, typmod: varcharMod(3), text: `{"a  ",bcd}`, want: []any{"a  ", "bcd"}},
	})
	c := mapCol(t, nil, 1231, numericMod(5, 2), false, TypeOptions{})
	want := change.Field{Name: "c", Type: change.Array, Optional: true, SourceType: "numeric(5,2)[]", Elem: &change.Field{
		Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
		Params: []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "5"}},
	}}
	if !reflect.DeepEqual(c.Field, want) {
		t.Errorf("numeric(5,2)[] field = %+v elem %+v", c.Field, c.Field.Elem)
	}
	ia := mapCol(t, nil, 1007, -1, false, TypeOptions{})
	if _, err := ia.Decode([]byte("{{1,2},{3,4}}")); !errors.Is(err, ErrMultiDimensionalArray) {
		t.Errorf("2-D array: err = %v, want ErrMultiDimensionalArray", err)
	}
	if _, err := ia.Decode([]byte("[1:2][1:1]={{1},{2}}")); !errors.Is(err, ErrMultiDimensionalArray) {
		t.Errorf("2-D array with bounds: err = %v, want ErrMultiDimensionalArray", err)
	}
	// Arrays Debezium has no mapping for are Unknown.
	for _, oid := range []uint32{791 /* money[] */, 1003 /* name[] */, 1187 /* interval[] */, 1563 /* varbit[] */, 143 /* xml[] */, 1017 /* point[] */} {
		if c := mapCol(t, nil, oid, -1, false, TypeOptions{}); !c.Unknown || c.Field.Type != change.String {
			t.Errorf("oid %d: Unknown = %v, field %+v", oid, c.Unknown, c.Field)
		}
	}
}

func TestDomains(t *testing.T) {
	cat := NewTypeCatalog()
	cat.Register(TypeInfo{OID: 90020, Name: "price", Type: 'd', Category: 'N', BaseOID: oidNumeric, BaseTypmod: numericMod(10, 2)})
	cat.Register(TypeInfo{OID: 90021, Name: "positive_price", Type: 'd', Category: 'N', BaseOID: 90020, BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90022, Name: "_positive_price", Type: 'b', Category: 'A', ElemOID: 90021, BaseTypmod: -1})
	cat.Register(TypeInfo{OID: 90023, Name: "loop", Type: 'd', BaseOID: 90023, BaseTypmod: -1})

	c := mapCol(t, cat, 90021, -1, true, TypeOptions{})
	if c.Field.Param("scale") != "2" || c.Field.Param("connect.decimal.precision") != "10" || c.Field.SourceType != "positive_price" {
		t.Errorf("domain field = %+v", c.Field)
	}
	if got := decodeOK(t, c, "123.45"); !reflect.DeepEqual(got, b64("MDk=")) {
		t.Errorf("domain value = %v", got)
	}
	a := mapCol(t, cat, 90022, -1, false, TypeOptions{})
	if a.Field.Type != change.Array || a.Field.Elem.Param("scale") != "2" {
		t.Errorf("domain[] field = %+v", a.Field)
	}
	// A column's own typmod wins over the domain's.
	c = mapCol(t, cat, 90020, numericMod(12, 4), true, TypeOptions{})
	if c.Field.Param("scale") != "4" {
		t.Errorf("domain with column typmod: %+v", c.Field)
	}
	if _, err := MapColumn(context.Background(), cat, nil, "c", 90023, -1, false, TypeOptions{}); err == nil {
		t.Error("a domain loop should be an error")
	}
}

func TestUnknownTypes(t *testing.T) {
	cat := NewTypeCatalog()
	cat.Register(TypeInfo{OID: 90030, Name: "complex", Type: 'c', Category: 'C', BaseTypmod: -1})
	for _, oid := range []uint32{603 /* box */, 628 /* line */, 3220 /* pg_lsn */, 4451 /* int4multirange */, 22 /* int2vector */, 90030} {
		c := mapCol(t, cat, oid, -1, true, TypeOptions{})
		if !c.Unknown || !c.Drop || c.Field.Type != change.String || c.Field.Logical != "" || c.Fallback != "" {
			t.Errorf("oid %d: %+v", oid, c)
		}
		if got := decodeOK(t, c, "(1,2),(3,4)"); got != "(1,2),(3,4)" {
			t.Errorf("oid %d: value %v", oid, got)
		}
		// include.unknown.datatypes=true: binary.handling.mode's type, the
		// text's bytes, or null for the geometric types.
		inc := mapCol(t, cat, oid, -1, false, TypeOptions{IncludeUnknown: true})
		if !inc.Unknown || inc.Drop || inc.Field.Type != change.Bytes {
			t.Errorf("oid %d, included: %+v", oid, inc)
		}
		v, err := inc.Decode([]byte("(1,2),(3,4)"))
		want := "(1,2),(3,4)"
		if geometricOIDs[oid] {
			want = "(1.0,2.0),(3.0,4.0)" // as the JDBC driver's PGbox etc. print themselves
		}
		if err != nil || string(v.([]byte)) != want {
			t.Errorf("oid %d, included: %q, %v; want %q", oid, v, err, want)
		}
		hexc := mapCol(t, cat, oid, -1, false, TypeOptions{IncludeUnknown: true, BinaryMode: BinaryHex})
		if hexc.Field.Type != change.String {
			t.Errorf("oid %d, included, hex: %+v", oid, hexc.Field)
		}
		if !geometricOIDs[oid] {
			if got := decodeOK(t, hexc, "ab"); got != "6162" {
				t.Errorf("oid %d, included, hex: %v", oid, got)
			}
		}
	}
	for _, oid := range []uint32{601, 602, 604, 718} { // lseg, path, polygon, circle
		if c := mapCol(t, cat, oid, -1, false, TypeOptions{}); !c.Drop {
			t.Errorf("oid %d is not dropped", oid)
		}
	}
	// The geometric texts as Debezium 3.6.1 sent them (measured), from
	// PostgreSQL's.
	for pg, want := range map[string]string{
		"(3,4),(1,2)":              "(3.0,4.0),(1.0,2.0)",
		"<(1,1),2>":                "<(1.0,1.0),2.0>",
		"((0,0),(1,1),(1,0))":      "((0.0,0.0),(1.0,1.0),(1.0,0.0))",
		"{1,-1,0}":                 "{1.0,-1.0,0.0}",
		"[(0,0),(1,1)]":            "[(0.0,0.0),(1.0,1.0)]",
		"(1.5,-2e+20),(1e-05,0.1)": "(1.5,-2.0E20),(1.0E-5,0.1)",
	} {
		got, err := javaGeometricText([]byte(pg))
		if err != nil || string(got) != want {
			t.Errorf("%s -> %q, %v; want %q", pg, got, err, want)
		}
	}
	if _, err := javaGeometricText([]byte("(1,x)")); err == nil {
		t.Error("an invalid number was taken")
	}
	if _, err := MapColumn(context.Background(), cat, nil, "c", 99999, -1, false, TypeOptions{}); err == nil ||
		!strings.Contains(err.Error(), "99999") {
		t.Errorf("unknown OID without a connection: err = %v", err)
	}
}

func TestMapColumnFieldBasics(t *testing.T) {
	c := mapCol(t, nil, oidVarchar, varcharMod(255), true, TypeOptions{})
	want := change.Field{Name: "c", Type: change.String, SourceType: "varchar(255)"}
	if !reflect.DeepEqual(c.Field, want) || c.Unknown || c.Fallback != "" {
		t.Errorf("varchar(255) NOT NULL = %+v", c)
	}
	c = mapCol(t, nil, oidInt4, -1, false, TypeOptions{})
	if !c.Field.Optional || c.Field.Type != change.Int32 || c.Fallback != int32(0) {
		t.Errorf("int4 = %+v", c)
	}
	// Decode must not keep the caller's buffer.
	buf := []byte("abc")
	v, _ := mapCol(t, nil, oidText, -1, false, TypeOptions{}).Decode(buf)
	buf[0] = 'x'
	if v != "abc" {
		t.Errorf("Decode kept the buffer: %v", v)
	}
}

func TestFallbacks(t *testing.T) {
	for _, tc := range []struct {
		oid    uint32
		typmod int32
		opts   TypeOptions
		want   any
	}{
		{oidBool, -1, TypeOptions{}, false},
		{oidInt2, -1, TypeOptions{}, int16(0)},
		{oidInt8, -1, TypeOptions{}, int64(0)},
		{oidFloat4, -1, TypeOptions{}, float32(0)},
		{oidText, -1, TypeOptions{}, ""},
		{oidNumeric, numericMod(10, 2), TypeOptions{}, []byte{0}},
		{oidNumeric, -1, TypeOptions{}, change.StructValue{int32(0), []byte{0}}},
		{oidNumeric, numericMod(10, 2), TypeOptions{DecimalMode: "string"}, "0.00"},
		{oidNumeric, -1, TypeOptions{DecimalMode: "double"}, float64(0)},
		{oidMoney, -1, TypeOptions{DecimalMode: "string"}, "0.00"},
		{oidBytea, -1, TypeOptions{}, []byte{}},
		{oidBytea, -1, TypeOptions{BinaryMode: "hex"}, ""},
		{oidDate, -1, TypeOptions{}, int32(0)},
		{oidTime, 3, TypeOptions{}, int32(0)},
		{oidTime, -1, TypeOptions{}, int64(0)},
		{oidTimestamptz, -1, TypeOptions{}, "1970-01-01T00:00:00Z"},
		{oidTimetz, -1, TypeOptions{}, "00:00:00Z"},
		{oidInterval, -1, TypeOptions{IntervalMode: "string"}, "P0Y0M0DT0H0M0S"},
		{oidBit, 8, TypeOptions{}, []byte{}},
		{oidPoint, -1, TypeOptions{}, change.StructValue{0.0, 0.0, b64("AQEAAAAAAAAAAAAAAAAAAAAAAAAA"), nil}},
		{1007, -1, TypeOptions{}, []any{}},
	} {
		c := mapCol(t, nil, tc.oid, tc.typmod, true, tc.opts)
		if !reflect.DeepEqual(c.Fallback, tc.want) {
			t.Errorf("oid %d typmod %d %+v: fallback %#v, want %#v", tc.oid, tc.typmod, tc.opts, c.Fallback, tc.want)
		}
	}
}

func TestUnavailableValues(t *testing.T) {
	const p = DefaultUnavailableValue
	cat := NewTypeCatalog()
	cat.Register(TypeInfo{OID: 90012, Name: "hstore", Type: 'b', Category: 'U', BaseTypmod: -1})
	for _, tc := range []struct {
		oid  uint32
		opts TypeOptions
		want any
	}{
		{oidText, TypeOptions{}, p},
		{oidJSONB, TypeOptions{}, p},
		{oidBytea, TypeOptions{}, []byte(p)},
		{oidBytea, TypeOptions{BinaryMode: "hex"}, p},
		{1009, TypeOptions{}, []any{p}},
		{3807, TypeOptions{}, []any{p}},
		{1007, TypeOptions{}, []any{int32('_'), int32('_'), int32('d')}},     // checked by prefix below
		{2951, TypeOptions{}, []any{"b68a35a7-17ad-35b3-af2a-ae46edb4545a"}}, // Java: UUID.nameUUIDFromBytes
		{90012, TypeOptions{}, `{"__debezium_unavailable_value":"__debezium_unavailable_value"}`},
		{oidInt4, TypeOptions{}, nil},
		{oidText, TypeOptions{UnavailableValue: "gone"}, "gone"},
	} {
		c := mapCol(t, cat, tc.oid, -1, false, tc.opts)
		got := c.Unavailable
		if xs, ok := got.([]any); ok && tc.oid == 1007 {
			if len(xs) != len(p) {
				t.Errorf("int4[] placeholder has %d elements", len(xs))
			}
			got = xs[:3]
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("oid %d %+v: Unavailable = %#v, want %#v", tc.oid, tc.opts, got, tc.want)
		}
		if c.Unavailable != nil {
			checkValue(t, "unavailable", c.Field, c.Unavailable, false)
		}
	}
}

func TestTypeOptionsValidate(t *testing.T) {
	if err := (TypeOptions{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	err := TypeOptions{DecimalMode: "exact", TimeMode: "nanos", BinaryMode: "raw", IntervalMode: "iso", HstoreMode: "map"}.Validate()
	for _, key := range []string{"decimal.handling.mode", "time.precision.mode", "binary.handling.mode", "interval.handling.mode", "hstore.handling.mode"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate does not name %s: %v", key, err)
		}
	}
}

func TestTypeCatalog(t *testing.T) {
	ctx := context.Background()
	cat := NewTypeCatalog()
	for oid, want := range map[uint32]TypeInfo{
		23:   {OID: 23, Name: "int4", Type: 'b', Category: 'N', BaseTypmod: -1},
		1007: {OID: 1007, Name: "_int4", Type: 'b', Category: 'A', ElemOID: 23, BaseTypmod: -1},
		22:   {OID: 22, Name: "int2vector", Type: 'b', Category: 'A', BaseTypmod: -1},
		600:  {OID: 600, Name: "point", Type: 'b', Category: 'G', BaseTypmod: -1},
		3904: {OID: 3904, Name: "int4range", Type: 'r', Category: 'R', BaseTypmod: -1},
	} {
		got, err := cat.Lookup(ctx, nil, oid)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Lookup(%d) = %+v, %v; want %+v", oid, got, err, want)
		}
	}

	q := &fakeQuerier{types: map[int64]fakeType{
		90040: {name: "mood", typ: "e", category: "E", typmod: -1, labels: []string{"sad", "happy"}},
	}}
	got, err := cat.Lookup(ctx, q, 90040)
	want := TypeInfo{OID: 90040, Name: "mood", Type: 'e', Category: 'E', BaseTypmod: -1, EnumLabels: []string{"sad", "happy"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup(mood) = %+v, %v", got, err)
	}
	if _, err := cat.Lookup(ctx, q, 90040); err != nil || q.queries != 1 {
		t.Errorf("second Lookup: %v, %d queries (want it cached)", err, q.queries)
	}
	cat.Invalidate(90040)
	if _, err := cat.Lookup(ctx, q, 90040); err != nil || q.queries != 2 {
		t.Errorf("Lookup after Invalidate: %v, %d queries", err, q.queries)
	}
	cat.Invalidate()
	if _, err := cat.Lookup(ctx, nil, 23); err != nil {
		t.Errorf("built-in forgotten by Invalidate(): %v", err)
	}
	if _, err := cat.Lookup(ctx, q, 90099); !errors.Is(err, ErrUnknownTypeOID) {
		t.Errorf("missing OID: err = %v, want ErrUnknownTypeOID", err)
	}
	q.fail = errors.New("connection reset")
	if _, err := cat.Lookup(ctx, q, 90040); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("query failure: err = %v", err)
	}
}

// --- a scripted Querier for the catalog --------------------------------------

type fakeType struct {
	name, typ, category string
	elem, base          int64
	typmod              int32
	labels              []string
}

type fakeQuerier struct {
	types   map[int64]fakeType
	queries int
	fail    error
}

func (q *fakeQuerier) Query(_ context.Context, _ string, args ...any) (pgx.Rows, error) {
	q.queries++
	if q.fail != nil {
		return nil, q.fail
	}
	oid := args[0].(int64)
	r := &fakeRows{}
	if ft, ok := q.types[oid]; ok {
		r.rows = [][]any{{oid, ft.name, ft.typ, ft.category, ft.elem, ft.base, ft.typmod, ft.labels}}
	}
	return r, nil
}

type fakeRows struct {
	rows [][]any
	i    int
}

func (r *fakeRows) Close()                                       {}
func (r *fakeRows) Err() error                                   { return nil }
func (r *fakeRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (r *fakeRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r *fakeRows) Next() bool                                   { r.i++; return r.i <= len(r.rows) }
func (r *fakeRows) Values() ([]any, error)                       { return r.rows[r.i-1], nil }
func (r *fakeRows) RawValues() [][]byte                          { return nil }
func (r *fakeRows) Conn() *pgx.Conn                              { return nil }
func (r *fakeRows) TypeMap() *pgtype.Map                         { return nil }
func (r *fakeRows) Scan(dest ...any) error {
	for i, v := range r.rows[r.i-1] {
		reflect.ValueOf(dest[i]).Elem().Set(reflect.ValueOf(v))
	}
	return nil
}

// --- fuzzing -------------------------------------------------------------------

// readCorpus reads testdata/types/<name>: one Go-quoted string per line.
func readCorpus(f *testing.F, name string) {
	file, err := os.Open(filepath.Join("testdata", "types", name))
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			f.Fatalf("%s: bad line %s: %v", name, line, err)
		}
		f.Add(s)
	}
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
}

// quoteArray writes elements as an array literal, quoting every element.
func quoteArray(elems [][]byte) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			sb.WriteByte(',')
		}
		if e == nil {
			sb.WriteString("NULL")
			continue
		}
		sb.WriteByte('"')
		for _, c := range e {
			if c == '"' || c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(c)
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}

func FuzzArrayLiteral(f *testing.F) {
	readCorpus(f, "array_literals.txt")
	f.Fuzz(func(t *testing.T, s string) {
		elems, err := parseArrayLiteral([]byte(s))
		if err != nil {
			return
		}
		again, err := parseArrayLiteral([]byte(quoteArray(elems)))
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", quoteArray(elems), s, err)
		}
		if len(again) != len(elems) {
			t.Fatalf("%q: %d elements, re-parsed %d", s, len(elems), len(again))
		}
		for i := range elems {
			if (elems[i] == nil) != (again[i] == nil) || string(elems[i]) != string(again[i]) {
				t.Fatalf("%q: element %d %q, re-parsed %q", s, i, elems[i], again[i])
			}
		}
	})
}

func TestArrayLiteralRoundTrip(t *testing.T) {
	elems := [][]byte{[]byte("a"), nil, {}, []byte(`"`), []byte(`\`), []byte("NULL"), []byte(" x "), []byte("{,}")}
	got, err := parseArrayLiteral([]byte(quoteArray(elems)))
	if err != nil || len(got) != len(elems) {
		t.Fatalf("parse(%s) = %q, %v", quoteArray(elems), got, err)
	}
	for i := range elems {
		if (got[i] == nil) != (elems[i] == nil) || string(got[i]) != string(elems[i]) {
			t.Errorf("element %d = %q, want %q", i, got[i], elems[i])
		}
	}
}

// unscaledFromBytes reads Java's BigInteger byte form back.
func unscaledFromBytes(b []byte) *big.Int {
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}

func FuzzNumeric(f *testing.F) {
	readCorpus(f, "numeric_values.txt")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDecimal([]byte(s))
		if err != nil || d.special != "" {
			return
		}
		want, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("parseDecimal accepted %q, which big.Rat rejects", s)
		}
		value := func(d decimal) *big.Rat {
			b := d.UnscaledBytes()
			if minimal := change.BigIntBytes(unscaledFromBytes(b)); string(minimal) != string(b) {
				t.Fatalf("%q: bytes %x are not minimal (%x)", s, b, minimal)
			}
			r := new(big.Rat).SetInt(unscaledFromBytes(b))
			scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs32(d.Scale))), nil))
			if d.Scale >= 0 {
				return r.Quo(r, scale)
			}
			return r.Mul(r, scale)
		}
		if got := value(d); got.Cmp(want) != 0 {
			t.Fatalf("%q: decoded %s, want %s", s, got.RatString(), want.RatString())
		}
		stripped := d.stripTrailingZeros()
		if got := value(stripped); got.Cmp(want) != 0 || stripped.Scale < 0 {
			t.Fatalf("%q: stripped %s scale %d", s, got.RatString(), stripped.Scale)
		}
		if js, ok := new(big.Rat).SetString(d.JavaString()); !ok || js.Cmp(want) != 0 {
			t.Fatalf("%q: javaString %q", s, d.JavaString())
		}
	})
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
