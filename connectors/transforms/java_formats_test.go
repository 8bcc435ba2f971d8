package transforms

import (
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The expected values below were printed by Java 17 (SimpleDateFormat in
// UTC; Connect 4.3.0's Values.convertTo*; SingleFieldPath V2).

// TestJavaDateFormatAsTimestampRouterWritesIt checks the formatter
// TimestampRouter shares with TimestampConverter.
func TestJavaDateFormatAsTimestampRouterWritesIt(t *testing.T) {
	ts := []int64{1735603200000, 1767225599999, 1700000000123, 0, 1704067200000}
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{"yyyyMMdd", []string{"20241231", "20251231", "20231114", "19700101", "20240101"}},
		{"yy-M-d H:m:s.S", []string{"24-12-31 0:0:0.0", "25-12-31 23:59:59.999", "23-11-14 22:13:20.123", "70-1-1 0:0:0.0", "24-1-1 0:0:0.0"}},
		{"yyyy-'W' EEE EEEE MMM MMMM", []string{"2024-W Tue Tuesday Dec December", "2025-W Wed Wednesday Dec December",
			"2023-W Tue Tuesday Nov November", "1970-W Thu Thursday Jan January", "2024-W Mon Monday Jan January"}},
		{"a h K k z zzzz Z X", []string{
			"AM 12 0 24 UTC Coordinated Universal Time +0000 Z", "PM 11 11 23 UTC Coordinated Universal Time +0000 Z",
			"PM 10 10 22 UTC Coordinated Universal Time +0000 Z", "AM 12 0 24 UTC Coordinated Universal Time +0000 Z",
			"AM 12 0 24 UTC Coordinated Universal Time +0000 Z"}},
		{"'it''s' ''", []string{"it's '", "it's '", "it's '", "it's '", "it's '"}},
		{"yyyyy SSS", []string{"02024 000", "02025 999", "02023 123", "01970 000", "02024 000"}},
	} {
		f, err := compileJavaDateFormat(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		for i, ms := range ts {
			if got := f.format(ms); got != c.want[i] {
				t.Errorf("%s at %d: %q, want %q", c.pattern, ms, got, c.want[i])
			}
		}
	}
	for pattern, want := range map[string]string{"yyyyq": "Illegal pattern character 'q'", "'abc": "Unterminated quote"} {
		if _, err := compileJavaDateFormat(pattern); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", pattern, err, want)
		}
	}
}

func TestJavaNumberConversions(t *testing.T) {
	for _, c := range []struct {
		in        string
		long      int64
		int_      int32
		byte_     int8
		double    float64
		float     float32
		badNumber bool
	}{
		{in: "12.7", long: 12, int_: 12, byte_: 12, double: 12.7, float: 12.7},
		{in: "-12.7", long: -12, int_: -12, byte_: -12, double: -12.7, float: -12.7},
		{in: "1e3", long: 1000, int_: 1000, byte_: -24, double: 1000, float: 1000},
		{in: "99999999999", long: 99999999999, int_: 1215752191, byte_: -1, double: 9.9999999999e10, float: 9.9999998e10},
		{in: "1e19", long: -8446744073709551616, int_: -1981284352, byte_: 0, double: 1e19, float: 1e19},
		{in: "-1e20", long: -7766279631452241920, int_: -1661992960, byte_: 0, double: -1e20, float: -1e20},
		{in: "0.5e1", long: 5, int_: 5, byte_: 5, double: 5, float: 5},
		{in: ".5", double: 0.5, float: 0.5},
		{in: "+3", long: 3, int_: 3, byte_: 3, double: 3, float: 3},
		{in: "1E-2", double: 0.01, float: 0.01},
		{in: "18446744073709551617", long: 1, int_: 1, byte_: 1, double: 1.8446744073709552e19, float: 1.8446744e19},
		{in: "abc", badNumber: true},
		{in: "1_0", badNumber: true},
	} {
		l, err := javaAsLong(c.in)
		d, derr := javaAsDouble(c.in)
		if c.badNumber {
			want := "Unable to convert " + c.in + " (class java.lang.String) to a number"
			if err == nil || err.Error() != want || derr == nil || derr.Error() != want {
				t.Errorf("%s: %v / %v, want %s", c.in, err, derr, want)
			}
			continue
		}
		if err != nil || derr != nil {
			t.Fatalf("%s: %v %v", c.in, err, derr)
		}
		if l != c.long || int32(l) != c.int_ || int8(l) != c.byte_ || d != c.double || float32(d) != c.float {
			t.Errorf("%s: %d %d %d %v %v, want %+v", c.in, l, int32(l), int8(l), d, float32(d), c)
		}
	}
}

func TestFieldPathV2(t *testing.T) {
	for path, want := range map[string][]string{
		"a.b": {"a", "b"}, "`a.b`.c": {"a.b", "c"}, "a.`b.c`": {"a", "b.c"}, "`a\\`.b`.c": {"a`.b", "c"},
		"a.": {"a", ""}, "``": {""}, "`a`b`.c": {"a`b", "c"}, "`a.b\\``": {"a.b\\`"},
	} {
		got, err := parseFieldPath(path, "V2")
		if err != nil || !reflect.DeepEqual([]string(got), want) {
			t.Errorf("%s: %q, %v; want %q", path, got, err, want)
		}
	}
	for path, at := range map[string]string{"`a": "0", "a.`b": "2"} {
		_, err := parseFieldPath(path, "V2")
		want := "Incomplete backtick pair in path: [" + path + "], consider adding a backslash before backtick at position " + at + " to escape it"
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", path, err, want)
		}
	}
	if p, _ := parseFieldPath("a.b", "V1"); !reflect.DeepEqual([]string(p), []string{"a.b"}) {
		t.Errorf("V1: %q", p)
	}
}

func TestTwosComplement(t *testing.T) {
	for in, want := range map[string][]byte{"0": {0}, "1234": {0x04, 0xd2}, "-1": {0xff}, "128": {0, 0x80}, "-128": {0x80}, "-129": {0xff, 0x7f}} {
		d, _ := parseJavaDecimal(in)
		if got := twosComplement(d.unscaled); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: % x, want % x", in, got, want)
		}
	}
}

// FuzzFieldPathV2 checks that any path parses without a panic, and that a
// path without backticks is its dot-separated steps.
func FuzzFieldPathV2(f *testing.F) {
	for _, s := range []string{"a.b", "`a.b`.c", "`a\\`.b`.c", "a.", "``", "`a", "a.`b", "`a`b`.c", "`a.b\\``", ".", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		steps, err := parseFieldPath(path, "V2")
		if strings.ContainsRune(path, '`') || path == "" {
			return
		}
		if err != nil || !reflect.DeepEqual([]string(steps), strings.Split(path, ".")) {
			t.Errorf("%q: %q, %v", path, steps, err)
		}
	})
}

// FuzzJavaAsLong compares BigDecimal.longValue's reimplementation with
// exact rational arithmetic, for exponents small enough to compute.
func FuzzJavaAsLong(f *testing.F) {
	for _, s := range []string{"12.7", "-12.7", "1e3", "99999999999", "1e19", "-1e20", ".5", "+3", "1E-2", "18446744073709551617", "-9.99e-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := javaAsLong(s)
		if !javaDecimalSyntax.MatchString(s) {
			if err == nil {
				t.Errorf("%q: accepted", s)
			}
			return
		}
		if i := strings.IndexAny(s, "eE"); i >= 0 {
			if e, perr := strconv.Atoi(s[i+1:]); perr != nil || e > 200 || e < -200 {
				return
			}
		}
		r, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
		if !ok || err != nil {
			t.Fatalf("%q: %v %v", s, ok, err)
		}
		q := new(big.Int).Quo(r.Num(), r.Denom()) // truncated toward zero
		if want := int64(lowUint64(q)); got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	})
}
