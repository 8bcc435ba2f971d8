package change

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number, Digits × 10^-Scale, with the
// conversions to the forms Kafka Connect and Debezium give decimals: the
// unscaled two's complement bytes of a Connect Decimal, Java's
// BigDecimal.toString for decimal.handling.mode=string, and a float64 for
// decimal.handling.mode=double. Sources parse their databases' decimals into
// it so both write them the same way.
type Decimal struct {
	Neg    bool
	Digits string // decimal digits, no sign, no leading zeros but a lone "0"
	Scale  int32
}

// ParseDecimal parses [-+]digits[.digits][e[-+]digits], refusing more than
// maxDigits digits or a scale beyond ±maxDigits.
func ParseDecimal(b []byte, maxDigits int) (Decimal, error) {
	var d Decimal
	s := b
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		d.Neg = s[0] == '-'
		s = s[1:]
	}
	digits := make([]byte, 0, len(s))
	seenDigit, seenPoint := false, false
	i := 0
scan:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			seenDigit = true
			if seenPoint {
				d.Scale++
			}
		case c == '.' && !seenPoint:
			seenPoint = true
		default:
			break scan
		}
	}
	if !seenDigit {
		return Decimal{}, fmt.Errorf("invalid decimal %q", b)
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return Decimal{}, fmt.Errorf("invalid decimal %q", b)
		}
		exp, err := strconv.ParseInt(string(s[i+1:]), 10, 32)
		if err != nil || exp > int64(maxDigits) || exp < -int64(maxDigits) {
			return Decimal{}, fmt.Errorf("invalid decimal %q", b)
		}
		d.Scale -= int32(exp)
	}
	j := 0
	for j < len(digits)-1 && digits[j] == '0' {
		j++
	}
	d.Digits = string(digits[j:])
	if len(d.Digits) > maxDigits || int(d.Scale) > maxDigits || int(d.Scale) < -maxDigits {
		return Decimal{}, fmt.Errorf("decimal %q has too many digits", b)
	}
	if d.Digits == "0" {
		d.Neg = false
	}
	return d, nil
}

// Rescale sets the scale as java.math.BigDecimal.setScale without rounding
// does: more digits are appended as zeros, fewer may only drop zeros.
func (d Decimal) Rescale(scale int32) (Decimal, error) {
	switch {
	case scale > d.Scale:
		d.Digits += strings.Repeat("0", int(scale-d.Scale))
		if d.Digits[0] == '0' {
			d.Digits = "0"
		}
	case scale < d.Scale:
		drop := int(d.Scale - scale)
		if drop > len(d.Digits) {
			// All digits are after the new scale: the value must be zero.
			if strings.Trim(d.Digits, "0") != "" {
				return Decimal{}, fmt.Errorf("value has more than %d fraction digits", scale)
			}
			d.Digits = "0"
		} else {
			if strings.Trim(d.Digits[len(d.Digits)-drop:], "0") != "" {
				return Decimal{}, fmt.Errorf("value has more than %d fraction digits", scale)
			}
			d.Digits = d.Digits[:len(d.Digits)-drop]
			if d.Digits == "" {
				d.Digits = "0"
			}
		}
	}
	d.Scale = scale
	if d.Digits == "0" {
		d.Neg = false
	}
	return d, nil
}

// StripTrailingZeros removes fraction zeros, never going below scale 0
// (BigDecimal.stripTrailingZeros followed by setScale(0) when negative, as
// Debezium does for VariableScaleDecimal).
func (d Decimal) StripTrailingZeros() Decimal {
	if d.Scale < 0 {
		d, _ = d.Rescale(0) // adds zeros: cannot fail
	}
	for d.Scale > 0 && len(d.Digits) > 1 && d.Digits[len(d.Digits)-1] == '0' {
		d.Digits = d.Digits[:len(d.Digits)-1]
		d.Scale--
	}
	if d.Digits == "0" {
		d.Scale = 0
	}
	return d
}

// UnscaledBytes returns the unscaled value as Java's BigInteger.toByteArray
// does: big-endian two's complement in the fewest bytes.
func (d Decimal) UnscaledBytes() []byte {
	if len(d.Digits) <= 18 {
		v, _ := strconv.ParseInt(d.Digits, 10, 64)
		if d.Neg {
			v = -v
		}
		return Int64Bytes(v)
	}
	var x big.Int
	x.SetString(d.Digits, 10)
	if d.Neg {
		x.Neg(&x)
	}
	return BigIntBytes(&x)
}

// Int64Bytes is Java's BigInteger.valueOf(v).toByteArray().
func Int64Bytes(v int64) []byte {
	n := 1
	for w := v; w > 127 || w < -128; w >>= 8 {
		n++
	}
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = byte(v)
		v >>= 8
	}
	return out
}

// BigIntBytes is Java's BigInteger.toByteArray().
func BigIntBytes(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	var m big.Int
	m.Neg(x)
	m.Sub(&m, big.NewInt(1))
	b := m.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}

// JavaString formats d as java.math.BigDecimal.toString does (scientific
// notation when the exponent is below -6).
func (d Decimal) JavaString() string {
	sign := ""
	if d.Neg {
		sign = "-"
	}
	if d.Scale == 0 {
		return sign + d.Digits
	}
	adjusted := -int64(d.Scale) + int64(len(d.Digits)-1)
	if d.Scale > 0 && adjusted >= -6 {
		n := len(d.Digits) - int(d.Scale)
		if n > 0 {
			return sign + d.Digits[:n] + "." + d.Digits[n:]
		}
		return sign + "0." + strings.Repeat("0", -n) + d.Digits
	}
	var sb strings.Builder
	sb.WriteString(sign)
	sb.WriteByte(d.Digits[0])
	if len(d.Digits) > 1 {
		sb.WriteByte('.')
		sb.WriteString(d.Digits[1:])
	}
	sb.WriteByte('E')
	if adjusted > 0 {
		sb.WriteByte('+')
	}
	sb.WriteString(strconv.FormatInt(adjusted, 10))
	return sb.String()
}

// Float64 returns the nearest float64.
func (d Decimal) Float64() float64 {
	s := d.Digits
	if d.Neg {
		s = "-" + s
	}
	if d.Scale != 0 {
		s += "e" + strconv.Itoa(int(-d.Scale))
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
