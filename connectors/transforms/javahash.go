package transforms

import (
	"math"
	"math/big"
	"strconv"
	"unicode/utf16"

	"github.com/sluicecdc/sluice/connectors/change"
)

// prJavaHash is Java's Object.hashCode of the object Kafka Connect holds
// a value of schema s in, for PartitionRouting's java hash: String's over
// UTF-16 code units, Integer/Short/Byte their value, Long (and
// java.util.Date, Connect's Date, Time and Timestamp) the two halves
// xor-ed, Float and Double their canonical bits, Boolean 1231/1237,
// BigDecimal (Connect's Decimal) 31·hash(unscaled)+scale, ByteBuffer
// (Debezium's bytes) 31-based over the signed bytes from the last,
// List and Map as java.util's.
//
// A Struct's hashCode includes its schema's, which hashes an enum
// (Schema.Type) by identity: it changes from one JVM run to the next, so
// Debezium's own partition for a struct value (a whole before/after/source
// block, a VariableScaleDecimal, a geometry) is not reproducible. sluice
// hashes a struct as a List of its members instead: stable, but not
// Debezium's.
func prJavaHash(s *change.Field, v any) int32 {
	if v == nil {
		return 0
	}
	if s != nil {
		switch s.Logical {
		case "org.apache.kafka.connect.data.Decimal":
			if b, ok := v.([]byte); ok {
				scale, _ := strconv.Atoi(s.Param("scale"))
				return prBigDecimalHash(b, int32(scale))
			}
		case "org.apache.kafka.connect.data.Date":
			if d, ok := prInt64(v); ok {
				return prLongHash(d * 86_400_000)
			}
		case "org.apache.kafka.connect.data.Time", "org.apache.kafka.connect.data.Timestamp":
			if ms, ok := prInt64(v); ok {
				return prLongHash(ms)
			}
		}
	}
	switch x := v.(type) {
	case bool:
		if x {
			return 1231
		}
		return 1237
	case int8:
		return int32(x)
	case int16:
		return int32(x)
	case int32:
		return x
	case int:
		if s != nil && s.Type == change.Int64 {
			return prLongHash(int64(x))
		}
		return int32(x)
	case int64:
		if s != nil && (s.Type == change.Int8 || s.Type == change.Int16 || s.Type == change.Int32) {
			return int32(x)
		}
		return prLongHash(x)
	case float32:
		bits := math.Float32bits(x)
		if x != x {
			bits = 0x7fc00000
		}
		return int32(bits)
	case float64:
		bits := math.Float64bits(x)
		if x != x {
			bits = 0x7ff8000000000000
		}
		return int32(bits ^ bits>>32)
	case string:
		return prStringHash(x)
	case []byte:
		// java.nio.ByteBuffer.hashCode.
		h := int32(1)
		for i := len(x) - 1; i >= 0; i-- {
			h = 31*h + int32(int8(x[i]))
		}
		return h
	case []any:
		var elem *change.Field
		if s != nil {
			elem = s.Elem
		}
		h := int32(1)
		for _, e := range x {
			h = 31*h + prJavaHash(elem, e)
		}
		return h
	case change.MapValue:
		var ks, vs *change.Field
		if s != nil {
			ks, vs = s.KeyElem, s.Elem
		}
		var h int32
		for _, e := range x {
			h += prJavaHash(ks, e.Key) ^ prJavaHash(vs, e.Value)
		}
		return h
	case map[string]any:
		var h int32
		for k, e := range x {
			h += prStringHash(k) ^ prJavaHash(nil, e)
		}
		return h
	case change.StructValue:
		h := int32(1)
		for i, e := range x {
			var m *change.Field
			if s != nil && i < len(s.Fields) {
				m = &s.Fields[i]
			}
			h = 31*h + prJavaHash(m, e)
		}
		return h
	}
	return 0
}

func prInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

// prLongHash is Long.hashCode (and java.util.Date's): the low and high
// 32 bits xor-ed.
func prLongHash(v int64) int32 { return int32(v ^ int64(uint64(v)>>32)) }

// prStringHash is String.hashCode: s[0]·31^(n-1) + … over UTF-16 code
// units.
func prStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + int32(hi)
			h = 31*h + int32(lo)
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// prBigDecimalHash is BigDecimal.hashCode of the decimal whose unscaled
// value is b (big-endian two's complement) and scale is scale:
// 31·BigInteger.hashCode + scale, BigInteger's being its sign times the
// 31-based hash of its magnitude's 32-bit words, most significant first.
func prBigDecimalHash(b []byte, scale int32) int32 {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	mag := new(big.Int).Abs(n).Bytes()
	// Pad to whole 32-bit words.
	if r := len(mag) % 4; r != 0 {
		mag = append(make([]byte, 4-r), mag...)
	}
	var h int32
	for i := 0; i < len(mag); i += 4 {
		w := int32(uint32(mag[i])<<24 | uint32(mag[i+1])<<16 | uint32(mag[i+2])<<8 | uint32(mag[i+3]))
		h = 31*h + w
	}
	h *= int32(n.Sign())
	return 31*h + scale
}
