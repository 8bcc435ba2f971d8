package change

import (
	"math"
	"strconv"
)

// AppendJavaFloat appends f as Java's Double.toString (bits 64) or
// Float.toString (bits 32) prints it, on JDK 19 and later: NaN, Infinity,
// -Infinity; 0.0 and -0.0; the shortest digits that read back as f (when a
// single digit suffices, the closest decimal of one or two digits); plain
// for 10^-3 <= |f| < 10^7 with at least one digit after the point (1.0,
// 0.001, 1234567.5), else d.dddEn (1.0E7, 1.0E-4).
func AppendJavaFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var tmp, dbuf [32]byte
	digits, exp := splitExp(dbuf[:0], strconv.AppendFloat(tmp[:0], f, 'e', -1, bits))
	if len(digits) == 1 {
		// Java picks the closest decimal among those of length 1 or 2 that
		// read back as f. The closest two-digit decimal is f rounded to two
		// digits; it is a different number from the one-digit one only when
		// its second digit is not 0 or its first digit or exponent differ.
		var tmp2, dbuf2 [32]byte
		s2 := strconv.AppendFloat(tmp2[:0], f, 'e', 1, bits)
		d2, e2 := splitExp(dbuf2[:0], s2)
		if d2[1] != '0' || d2[0] != digits[0] || e2 != exp {
			if g, err := strconv.ParseFloat(string(s2), bits); err == nil && g == f {
				digits, exp = d2, e2
				if digits[1] == '0' {
					digits = digits[:1]
				}
			}
		}
	}
	if exp >= -3 && exp < 7 {
		if exp < 0 {
			b = append(b, '0', '.')
			for i := -1; i > exp; i-- {
				b = append(b, '0')
			}
			return append(b, digits...)
		}
		// exp+1 digits before the point.
		if len(digits) <= exp+1 {
			b = append(b, digits...)
			for i := len(digits); i <= exp; i++ {
				b = append(b, '0')
			}
			return append(b, '.', '0')
		}
		b = append(b, digits[:exp+1]...)
		b = append(b, '.')
		return append(b, digits[exp+1:]...)
	}
	b = append(b, digits[0], '.')
	if len(digits) > 1 {
		b = append(b, digits[1:]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10)
}

// splitExp splits strconv's 'e' format "d.ddde±xx" into its significant
// digits without the point, appended to dst, and its exponent.
func splitExp(dst, s []byte) (digits []byte, exp int) {
	e := len(s) - 1
	for s[e] != 'e' {
		e--
	}
	for _, c := range s[:e] {
		if c != '.' {
			dst = append(dst, c)
		}
	}
	neg := s[e+1] == '-'
	for _, c := range s[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	if neg {
		exp = -exp
	}
	return dst, exp
}
