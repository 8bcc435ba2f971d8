package connecttypes

import "strconv"

// Microseconds in a second and in a day: the unit both sources carry
// instants in before they encode them.
const (
	MicrosPerSecond = 1_000_000
	MicrosPerDay    = 86_400 * MicrosPerSecond
)

// DaysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (year 0 is 1 BC). It is exact for every int64 year that does not
// overflow, so dates before 1582 and BC dates come out as Java's
// LocalDate.toEpochDay gives them.
func DaysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := FloorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// CivilFromDays is the inverse of DaysFromCivil: the proleptic Gregorian
// year (astronomical: 0 is 1 BC), month and day of days since 1970-01-01.
func CivilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := FloorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// FloorDiv divides rounding toward negative infinity, as Java's
// Math.floorDiv does (Go's / truncates toward zero): an instant before the
// epoch lies in the day or millisecond before, not after, zero.
func FloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// FormatZonedTimestamp formats the instant days since the epoch plus micros
// (0 <= micros < MicrosPerDay) into that day as Debezium's ZonedTimestamp:
// ISO-8601 in UTC, the fraction with exactly width digits (1-9), or for
// width 0 only the digits needed (none for a whole second), years beyond
// 9999 with '+' and years before 1 as astronomical years with '-'.
func FormatZonedTimestamp(days, micros int64, width int) string {
	y, m, d := CivilFromDays(days)
	buf := make([]byte, 0, 40)
	buf = appendISOYear(buf, y)
	buf = append(buf, '-')
	buf = append2(buf, m)
	buf = append(buf, '-')
	buf = append2(buf, d)
	buf = append(buf, 'T')
	buf = AppendClock(buf, micros, width)
	buf = append(buf, 'Z')
	return string(buf)
}

func appendISOYear(buf []byte, y int64) []byte {
	switch {
	case y > 9999:
		buf = append(buf, '+')
	case y < 0:
		buf = append(buf, '-')
		y = -y
	}
	s := strconv.FormatInt(y, 10)
	for i := len(s); i < 4; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

func append2(buf []byte, v int64) []byte {
	return append(buf, byte('0'+v/10), byte('0'+v%10))
}

// AppendClock appends HH:MM:SS and the fraction of us µs since midnight:
// with exactly width digits (1-9), or when width is 0 with only the digits
// needed (java.time's ISO formatters).
func AppendClock(buf []byte, us int64, width int) []byte {
	secs := us / MicrosPerSecond
	frac := us % MicrosPerSecond
	buf = append2(buf, secs/3600)
	buf = append(buf, ':')
	buf = append2(buf, secs/60%60)
	buf = append(buf, ':')
	buf = append2(buf, secs%60)
	var digits [9]byte // nanoseconds
	for i, v := 5, frac; i >= 0; i-- {
		digits[i] = byte('0' + v%10)
		v /= 10
	}
	digits[6], digits[7], digits[8] = '0', '0', '0'
	switch {
	case width > 0 && width <= 9:
		buf = append(buf, '.')
		buf = append(buf, digits[:width]...)
	case frac != 0:
		n := 6
		for digits[n-1] == '0' {
			n--
		}
		buf = append(buf, '.')
		buf = append(buf, digits[:n]...)
	}
	return buf
}
