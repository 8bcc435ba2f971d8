package schema

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// HeaderBytes returns the bytes of a header value v with Connect schema f
// (nil for a schemaless value) as Kafka Connect's default header
// converter, SimpleHeaderConverter, writes them (Values.convertToString):
//
//   - null is a header without a value (nil);
//   - a string is its UTF-8 bytes, without quotes; bytes are base64;
//   - numbers are Java's toString of them (a float as Float.toString,
//     NaN, Infinity), booleans true or false, a Decimal its BigDecimal
//     toString;
//   - Connect's Date, Time and Timestamp are formatted, in UTC, by the
//     value (not the schema) as Values.dateFormatFor does: a value under a
//     day as HH:mm:ss.SSS'Z', a whole day as yyyy-MM-dd, any other as
//     yyyy-MM-dd'T'HH:mm:ss.SSS'Z';
//   - arrays are [a,b], maps {k:v,…} and structs {"name":value,…}, with
//     strings inside them quoted (only '\' and '"' escaped) and null as
//     null; a struct member's null is its default when it has one.
func HeaderBytes(f *change.Field, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return appendHeaderValue(nil, f, v, false)
}

func appendHeaderValue(b []byte, f *change.Field, v any, embedded bool) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	if f != nil {
		switch f.Logical {
		case connectDecimal:
			if x, ok := v.([]byte); ok {
				scale, err := strconv.ParseInt(f.Param("scale"), 10, 32)
				if err != nil {
					return b, fmt.Errorf("%w: decimal without a valid scale parameter", ErrValue)
				}
				return append(b, decimalString(x, int32(scale))...), nil
			}
		case connectDate:
			if x, ok := toInt64(v); ok {
				return appendJavaDate(b, x*86400000), nil
			}
		case connectTime, connectTimestamp:
			if x, ok := toInt64(v); ok {
				return appendJavaDate(b, x), nil
			}
		}
	}
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(b, x), nil
	case float32:
		return appendJavaNumber(b, float64(x), 32), nil
	case float64:
		return appendJavaNumber(b, x, 64), nil
	case string:
		if !embedded {
			return append(b, x...), nil
		}
		b = append(b, '"')
		b = append(b, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(x)...)
		return append(b, '"'), nil
	case []byte:
		if embedded {
			b = append(b, '"')
		}
		b = base64.StdEncoding.AppendEncode(b, x)
		if embedded {
			b = append(b, '"')
		}
		return b, nil
	case []any:
		var elem *change.Field
		if f != nil {
			elem = f.Elem
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendHeaderValue(b, elem, e, true); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case change.MapValue, map[string]any:
		entries, _ := mapEntries(x)
		var kf, vf *change.Field
		if f != nil {
			kf, vf = f.KeyElem, f.Elem
		}
		b = append(b, '{')
		for i, e := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendHeaderValue(b, kf, e.Key, true); err != nil {
				return b, err
			}
			b = append(b, ':')
			if b, err = appendHeaderValue(b, vf, e.Value, true); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case change.StructValue:
		if f == nil || f.Type != change.Struct || len(f.Fields) != len(x) {
			return b, fmt.Errorf("%w: a struct header value without its schema", ErrValue)
		}
		b = append(b, '{')
		for i := range f.Fields {
			m := &f.Fields[i]
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = appendHeaderValue(b, nil, m.Name, true)
			b = append(b, ':')
			mv := x[i]
			if mv == nil {
				mv = m.Default // Struct.get gives a member's default for null
			}
			var err error
			if b, err = appendHeaderValue(b, m, mv, true); err != nil {
				return b, fmt.Errorf("%s: %w", m.Name, err)
			}
		}
		return append(b, '}'), nil
	}
	if b, ok := appendInt(b, v); ok {
		return b, nil
	}
	return b, fmt.Errorf("%w: %T cannot be a header value", ErrValue, v)
}

// appendJavaNumber appends a float as Java's Float/Double.toString.
func appendJavaNumber(b []byte, x float64, bits int) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, "NaN"...)
	case math.IsInf(x, 1):
		return append(b, "Infinity"...)
	case math.IsInf(x, -1):
		return append(b, "-Infinity"...)
	}
	return change.AppendJavaFloat(b, x, bits)
}

// appendJavaDate appends epoch milliseconds ms as Values.dateFormatFor
// formats a java.util.Date, in UTC.
func appendJavaDate(b []byte, ms int64) []byte {
	t := time.UnixMilli(ms).UTC()
	const day = 86400000
	switch {
	case ms < day:
		return t.AppendFormat(b, "15:04:05.000Z")
	case ms%day == 0:
		return t.AppendFormat(b, "2006-01-02")
	}
	return t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
}

// decimalString returns a Connect Decimal (unscaled big-endian two's
// complement bytes and a scale) as BigDecimal.toString prints it.
func decimalString(unscaled []byte, scale int32) string {
	n := new(big.Int).SetBytes(unscaled)
	if len(unscaled) > 0 && unscaled[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(unscaled))))
	}
	d := change.Decimal{Neg: n.Sign() < 0, Scale: scale}
	d.Digits = new(big.Int).Abs(n).String()
	return d.JavaString()
}
