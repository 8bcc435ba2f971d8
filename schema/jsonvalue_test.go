package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// Expected strings are Java's Double.toString / Float.toString (JDK 19+).
func TestJavaDouble(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1, "-1.0"},
		{100, "100.0"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{0.30000000000000004, "0.30000000000000004"},
		{123.456, "123.456"},
		{0.001, "0.001"},
		{0.00123, "0.00123"},
		{0.0001, "1.0E-4"},
		{5e-5, "5.0E-5"},
		{9999999, "9999999.0"},
		{1234567.125, "1234567.125"},
		{1e7, "1.0E7"},
		{12345678.9, "1.23456789E7"},
		{1e10, "1.0E10"},
		{-1e10, "-1.0E10"},
		{2e23, "2.0E23"},
		{1e23, "1.0E23"},
		{1 << 63, "9.223372036854776E18"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{2.2250738585072014e-308, "2.2250738585072014E-308"}, // Double.MIN_NORMAL
		{5e-324, "4.9E-324"},                                 // Double.MIN_VALUE: closest of 1 or 2 digits
		{1e-323, "9.9E-324"},                                 // 2 * MIN_VALUE, same rule
		{1.5e-323, "1.5E-323"},                               // 3 * MIN_VALUE
		{math.NaN(), `"NaN"`},                                // Jackson QUOTE_NON_NUMERIC_NUMBERS
		{math.Inf(1), `"Infinity"`},
		{math.Inf(-1), `"-Infinity"`},
	} {
		if got := string(appendJavaFloat(nil, c.f, 64)); got != c.want {
			t.Errorf("double %v: got %s, want %s", c.f, got, c.want)
		}
	}
}

func TestJavaFloat(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want string
	}{
		{0, "0.0"},
		{1, "1.0"},
		{0.1, "0.1"},
		{0.3, "0.3"},
		{1.1, "1.1"},
		{3.14159, "3.14159"},
		{16777216, "1.6777216E7"},
		{1e10, "1.0E10"},
		{1e-10, "1.0E-10"},
		{math.MaxFloat32, "3.4028235E38"},
		{math.SmallestNonzeroFloat32, "1.4E-45"}, // Float.MIN_VALUE
		{float32(math.NaN()), `"NaN"`},
		{float32(math.Inf(-1)), `"-Infinity"`},
	} {
		if got := string(appendJavaFloat(nil, float64(c.f), 32)); got != c.want {
			t.Errorf("float %v: got %s, want %s", c.f, got, c.want)
		}
	}
}

// FuzzJavaDouble checks the form of every finite double's output and that
// it reads back as the same double.
func FuzzJavaDouble(f *testing.F) {
	for _, x := range []float64{0, 1, 0.1, 1e7, 1e-3, 5e-324, math.MaxFloat64, 1e23, 123.456} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		checkJavaFloat(t, x, 64)
		checkJavaFloat(t, float64(float32(x)), 32)
	})
}

func checkJavaFloat(t *testing.T, x float64, bitSize int) {
	t.Helper()
	s := string(appendJavaFloat(nil, x, bitSize))
	if math.IsNaN(x) || math.IsInf(x, 0) {
		if !strings.HasPrefix(s, `"`) {
			t.Fatalf("%v: %s not a string", x, s)
		}
		return
	}
	if !json.Valid([]byte(s)) {
		t.Fatalf("%v: %s is not a JSON number", x, s)
	}
	g, err := strconv.ParseFloat(s, bitSize)
	if err != nil || g != x || math.Signbit(g) != math.Signbit(x) {
		t.Fatalf("%v: %s reads back as %v (%v)", x, s, g, err)
	}
	mant, exp, sci := strings.Cut(strings.TrimPrefix(s, "-"), "E")
	intPart, frac, ok := strings.Cut(mant, ".")
	if !ok || frac == "" {
		t.Fatalf("%v: %s has no digit after the point", x, s)
	}
	a := math.Abs(x)
	if sci {
		if len(intPart) != 1 || intPart == "0" || strings.HasPrefix(exp, "+") {
			t.Fatalf("%v: %s is not d.dddEn", x, s)
		}
		if e, _ := strconv.Atoi(exp); e >= -3 && e < 7 {
			t.Fatalf("%v: %s uses an exponent in plain range", x, s)
		}
	} else if a != 0 && (a < 1e-3*0.9999 || a >= 1e7) {
		t.Fatalf("%v: %s is plain outside [1e-3, 1e7)", x, s)
	}
	// Shortest: at most as many digits as strconv's shortest, plus one when
	// Java's one-or-two-digit rule applies.
	digits := strings.TrimLeft(strings.ReplaceAll(intPart+frac, ".", ""), "0")
	digits = strings.TrimRight(digits, "0")
	short := strings.TrimRight(strings.Replace(strings.Split(strconv.FormatFloat(a, 'e', -1, bitSize), "e")[0], ".", "", 1), "0")
	if len(digits) > max(len(short), 2) {
		t.Fatalf("%v: %s has %d digits, shortest has %d", x, s, len(digits), len(short))
	}
}

func TestAppendString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\s/`, `"q\"b\\s/"`},
		{"\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001F` + "\x7f\""},
		{"<a href='x'>&amp;</a>", `"<a href='x'>&amp;</a>"`},
		{"é中\uffff\u2028\u2029", "\"é中\uffff\u2028\u2029\""},
		{"😀 𝄞", `"\uD83D\uDE00 \uD834\uDD1E"`}, // outside the BMP: escaped surrogate pairs, as Jackson writes them
		{"a\xffb\xc3", `"a\uFFFDb\uFFFD"`},
		{"\xed\xa0\x80", `"\uFFFD\uFFFD\uFFFD"`}, // an encoded surrogate is invalid UTF-8
	} {
		if got := string(appendString(nil, c.in)); got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzAppendString checks that any string round-trips through the escaper
// and encoding/json's decoder, invalid UTF-8 bytes becoming U+FFFD each.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", `"\`, "\x00\x1f\x7f", "<>&", "\u2028", "😀", "\xff", "a\xc3(b", "\xed\xa0\x80", "\t\n\r\b\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		if !json.Valid(b) {
			t.Fatalf("%q: invalid JSON %s", s, b)
		}
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if want := string([]rune(s)); got != want {
			t.Fatalf("%q: decoded %q, want %q", s, got, want)
		}
		if !utf8.Valid(b) {
			t.Fatalf("%q: output is not UTF-8", s)
		}
		for _, c := range []byte("<>&") {
			if strings.IndexByte(s, c) >= 0 && strings.IndexByte(string(b), c) < 0 {
				t.Fatalf("%q: %c was escaped", s, c)
			}
		}
	})
}

// TestAppendStringWordAtATime checks the eight-bytes-at-a-time fast path of
// appendString against a rune-by-rune rendering of the same rules, on
// strings that put every kind of special byte at every offset of a word.
func TestAppendStringWordAtATime(t *testing.T) {
	ref := func(s string) string {
		var sb strings.Builder
		sb.WriteByte('"')
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				sb.WriteString(`\uFFFD`)
			case r == '"' || r == '\\':
				sb.WriteByte('\\')
				sb.WriteRune(r)
			case r == '\b':
				sb.WriteString(`\b`)
			case r == '\t':
				sb.WriteString(`\t`)
			case r == '\n':
				sb.WriteString(`\n`)
			case r == '\f':
				sb.WriteString(`\f`)
			case r == '\r':
				sb.WriteString(`\r`)
			case r < 0x20:
				fmt.Fprintf(&sb, `\u%04X`, r)
			case r > 0xFFFF:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&sb, `\u%04X\u%04X`, r1, r2)
			default:
				sb.WriteString(s[i : i+size])
			}
			i += size
		}
		sb.WriteByte('"')
		return sb.String()
	}
	specials := []string{"\"", "\\", "\x00", "\x01", "\x1f", "\n", "\x7f", " ", "é", "😀", "\xff", "\x80", "!", "#", "[", "]", "~", "\x21\x00"}
	for _, sp := range specials {
		for pre := 0; pre < 18; pre++ {
			for post := 0; post < 10; post += 3 {
				s := strings.Repeat("a", pre) + sp + strings.Repeat("b", post)
				if got, want := string(appendString(nil, s)), ref(s); got != want {
					t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("abcXYZ019 \"\\\x00\x1f\x20\x21\x7f\x80\xc3\xa9\xf0\x9f\x98\x80\n\t")
	for n := 0; n < 20000; n++ {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := string(appendString(nil, string(b))), ref(string(b)); got != want {
			t.Fatalf("appendString(%q) = %s, want %s", b, got, want)
		}
	}
}
