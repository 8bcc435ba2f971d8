package schema

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluicecdc/sluice/connectors/change"
)

// appendValue appends v, laid out by f, as Kafka Connect's JsonConverter
// writes it with replace.null.with.default=true, its default (see
// appendValueNulls).
func appendValue(b []byte, f *change.Field, v any) ([]byte, error) {
	return appendValueNulls(b, f, v, true)
}

// appendValueNulls appends v, laid out by f, as Kafka Connect's
// JsonConverter writes it (convertToJson): a nil value becomes f's default
// when it has one and replace (replace.null.with.default) is set, else null
// when f is optional; a nil in a required field is an error, as it is in
// Kafka Connect. replace applies at every depth: struct members, array
// elements.
func appendValueNulls(b []byte, f *change.Field, v any, replace bool) ([]byte, error) {
	if v == nil {
		switch {
		case f.Default != nil && replace:
			v = f.Default
		case f.Optional:
			return append(b, "null"...), nil
		case f.Default != nil:
			return b, fmt.Errorf("%w: null in a required %s field (replace.null.with.default=false keeps nulls)", ErrValue, f.Type)
		default:
			return b, fmt.Errorf("%w: null in a required %s field without a default", ErrValue, f.Type)
		}
	}
	switch f.Type {
	case change.Boolean:
		if x, ok := v.(bool); ok {
			if x {
				return append(b, "true"...), nil
			}
			return append(b, "false"...), nil
		}
	case change.Int8, change.Int16, change.Int32, change.Int64:
		if b, ok := appendInt(b, v); ok {
			return b, nil
		}
	case change.Float32:
		switch x := v.(type) {
		case float32:
			return appendJavaFloat(b, float64(x), 32), nil
		case float64:
			return appendJavaFloat(b, float64(float32(x)), 32), nil
		}
	case change.Float64:
		switch x := v.(type) {
		case float64:
			return appendJavaFloat(b, x, 64), nil
		case float32:
			return appendJavaFloat(b, float64(x), 64), nil
		}
	case change.String:
		if x, ok := v.(string); ok {
			return appendString(b, x), nil
		}
	case change.Bytes:
		if x, ok := v.([]byte); ok {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, x)
			return append(b, '"'), nil
		}
	case change.Array:
		if x, ok := v.([]any); ok {
			return appendArray(b, f, x, replace)
		}
	case change.Struct:
		if x, ok := v.(change.StructValue); ok {
			return appendStructNulls(b, f.Fields, x, replace)
		}
	case change.Map:
		return appendMap(b, f, v, replace)
	default:
		return b, fmt.Errorf("%w: unknown schema type %d", ErrValue, f.Type)
	}
	return b, fmt.Errorf("%w: %T in a %s field", ErrValue, v, f.Type)
}

// appendInt appends any Go integer as a JSON number.
func appendInt(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case int8:
		return strconv.AppendInt(b, int64(x), 10), true
	case int16:
		return strconv.AppendInt(b, int64(x), 10), true
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(b, x, 10), true
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), true
	}
	return b, false
}

func appendArray(b []byte, f *change.Field, vs []any, replace bool) ([]byte, error) {
	if f.Elem == nil {
		return b, fmt.Errorf("%w: array field without an element schema", ErrValue)
	}
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValueNulls(b, f.Elem, v, replace); err != nil {
			return b, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return append(b, ']'), nil
}

// appendStruct appends vs as a JSON object whose members are named and laid
// out by fields, in order, with replace.null.with.default=true.
func appendStruct(b []byte, fields []change.Field, vs []any) ([]byte, error) {
	return appendStructNulls(b, fields, vs, true)
}

// appendStructNulls is appendStruct with replace as in appendValueNulls.
func appendStructNulls(b []byte, fields []change.Field, vs []any, replace bool) ([]byte, error) {
	if len(vs) != len(fields) {
		return b, fmt.Errorf("%w: struct value has %d members, its schema %d", ErrValue, len(vs), len(fields))
	}
	b = append(b, '{')
	for i := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		f := &fields[i]
		b = appendString(b, f.Name)
		b = append(b, ':')
		var err error
		if b, err = appendValueNulls(b, f, vs[i], replace); err != nil {
			return b, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return append(b, '}'), nil
}

// escape[c] is the escape for ASCII byte c: 0 if it is written as is, 'u'
// for \u00XX, else the letter after the backslash.
var escape = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < 0x20; c++ {
		t[c] = 'u'
	}
	t['"'] = '"'
	t['\\'] = '\\'
	t['\b'] = 'b'
	t['\t'] = 't'
	t['\n'] = 'n'
	t['\f'] = 'f'
	t['\r'] = 'r'
	return t
}()

const hexUpper = "0123456789ABCDEF"

const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// plain8 reports whether none of the eight bytes of s needs escaping or
// UTF-8 decoding: none is below 0x20, '"', '\\' or 0x80 and above.
func plain8(s string) bool {
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	// A byte's high bit is set in zero(v) when that byte of v is zero (the
	// classic "has zero byte" test; it may also flag a 0x01 byte above a
	// zero one, which only sends the caller to its byte-by-byte path).
	zero := func(v uint64) uint64 { return (v - lsb8) &^ v & msb8 }
	bad := x&msb8 | // non-ASCII
		(x-0x20*lsb8)&^x&msb8 | // below 0x20
		zero(x^('"'*lsb8)) |
		zero(x^('\\'*lsb8))
	return bad == 0
}

// appendString appends s as a JSON string escaped the way Jackson's
// UTF8JsonGenerator escapes it by default (Kafka Connect's JsonConverter
// writes through it):
//
//   - '"' and '\' get a backslash; \b \t \n \f \r their short forms; the
//     other characters below U+0020 are \u00XX with upper-case hex.
//   - A character outside the Basic Multilingual Plane (an emoji, say) is
//     written as its escaped UTF-16 surrogate pair, \uD83D\uDE00: Java
//     strings hold it as two chars and Jackson escapes each
//     (JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8 is off by default).
//   - Nothing else is escaped: not '/', not <, > or & (encoding/json's HTML
//     escaping would differ from Debezium's bytes), not DEL, not U+2028 or
//     U+2029, not the rest of the BMP.
//
// Go strings may hold invalid UTF-8, which a Java string cannot: each invalid
// byte is written as \uFFFD, as encoding/json does, so the output is always
// valid JSON. The integration test TestJacksonCrossCheck compares this with
// Jackson itself.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight plain bytes at a time: none below 0x20, none '"' or
		// '\', none outside ASCII.
		for i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			e := escape[c]
			if e == 0 {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			if e == 'u' {
				b = append(b, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&0xF])
			} else {
				b = append(b, '\\', e)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\uFFFD`...)
			i++
			start = i
		case r > 0xFFFF:
			b = append(b, s[start:i]...)
			r1, r2 := utf16.EncodeRune(r)
			b = appendU(appendU(b, r1), r2)
			i += size
			start = i
		default:
			i += size
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendU appends \uXXXX for the UTF-16 unit r, in upper-case hex.
func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexUpper[r>>12&0xF], hexUpper[r>>8&0xF], hexUpper[r>>4&0xF], hexUpper[r&0xF])
}

// appendJavaFloat appends f (a float32 when bits is 32) as Jackson writes a
// Java float or double, which is Java's Float.toString / Double.toString as
// specified since JDK 19 (the shortest-decimal algorithm):
//
//   - NaN and the infinities are not JSON numbers; Jackson's default
//     QUOTE_NON_NUMERIC_NUMBERS writes them as the strings "NaN",
//     "Infinity" and "-Infinity".
//   - Zero is 0.0 or -0.0.
//   - The digits are the shortest decimal that reads back as f; when a single
//     digit suffices, Java chooses the closest decimal of one or two digits
//     (so Double.MIN_VALUE is 4.9E-324, not 5E-324).
//   - A decimal d with 10^-3 <= d < 10^7 is written plain, with at least one
//     digit after the point: 1.0, 100.0, 0.001, 1234567.5.
//   - Any other is written d.dddEn with at least one digit after the point
//     and no '+' or leading zeros in the exponent: 1.0E7, 1.0E-4,
//     1.7976931348623157E308.
//
// JDKs before 19 print a longer, non-shortest digit string for some values
// (1.0E23 is 9.999999999999999E22 on JDK 17; about one float in ten of
// large magnitude gains digits); the value read back is the same. sluice
// matches JDK 19 and later, as TestJacksonCrossCheck verifies against
// Jackson on a current JDK.
func appendJavaFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return change.AppendJavaFloat(b, f, bits)
}
