package transforms

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// Java's number conversions that Kafka's transforms rely on:
// new BigDecimal(String) and its longValue/doubleValue, which Connect's
// Values.convertTo* apply to a string.

// javaInt is an integer as Java prints it.
func javaInt(v int64) string { return strconv.FormatInt(v, 10) }

// javaDecimalSyntax is the syntax new BigDecimal(String) accepts (ASCII
// digits).
var javaDecimalSyntax = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// javaDecimal is a BigDecimal: unscaled × 10^-scale.
type javaDecimal struct {
	unscaled *big.Int
	scale    int64
}

// parseJavaDecimal is new BigDecimal(s); ok is false where Java throws
// NumberFormatException.
func parseJavaDecimal(s string) (javaDecimal, bool) {
	if !javaDecimalSyntax.MatchString(s) {
		return javaDecimal{}, false
	}
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return javaDecimal{}, false
		}
		mant, exp = s[:i], e
	}
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimLeft(mant, "+-")
	intPart, frac, _ := strings.Cut(mant, ".")
	u, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return javaDecimal{}, false
	}
	if neg {
		u.Neg(u)
	}
	scale := int64(len(frac)) - exp
	if scale > math.MaxInt32 || scale < math.MinInt32 {
		return javaDecimal{}, false
	}
	return javaDecimal{unscaled: u, scale: scale}, true
}

// longValue is BigDecimal.longValue: the integer part, truncated toward
// zero, keeping its low 64 bits.
func (d javaDecimal) longValue() int64 {
	if d.unscaled.Sign() == 0 {
		return 0
	}
	v := new(big.Int).Set(d.unscaled)
	switch {
	case d.scale <= -64:
		return 0 // a multiple of 10^64, so of 2^64
	case d.scale < 0:
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(-d.scale), nil))
	case d.scale > 0:
		if d.scale > int64(len(v.String())) {
			return 0
		}
		v.Quo(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(d.scale), nil))
	}
	return int64(lowUint64(v))
}

// lowUint64 returns the low 64 bits of v's two's complement.
func lowUint64(v *big.Int) uint64 {
	m := new(big.Int).And(v, new(big.Int).SetUint64(math.MaxUint64))
	return m.Uint64()
}

// javaAsLong is Values.convertToLong(null, s) and its narrower kin before
// the cast: the error text is Connect's DataException.
func javaAsLong(s string) (int64, error) {
	d, ok := parseJavaDecimal(s)
	if !ok {
		return 0, dataErrorf("Unable to convert %s (class java.lang.String) to a number", s)
	}
	return d.longValue(), nil
}

// javaAsDouble is Values.convertToDouble(null, s):
// BigDecimal.doubleValue, correctly rounded.
func javaAsDouble(s string) (float64, error) {
	if !javaDecimalSyntax.MatchString(s) {
		return 0, dataErrorf("Unable to convert %s (class java.lang.String) to a number", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, dataErrorf("Unable to convert %s (class java.lang.String) to a number", s)
	}
	return f, nil // ±Inf or ±0 beyond the range, as doubleValue
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// twosComplement is BigInteger.toByteArray: the minimal big-endian two's
// complement bytes of v (one byte for zero).
func twosComplement(v *big.Int) []byte {
	if v.Sign() >= 0 {
		b := v.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -v - 1, inverted.
	m := new(big.Int).Neg(v)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}
