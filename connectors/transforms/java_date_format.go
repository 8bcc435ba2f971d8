package transforms

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// javaDateFormat is a java.text.SimpleDateFormat pattern in UTC, as
// TimestampConverter's format option uses one: the letters users write
// (y M L d H k K h m s S E a z Z X, quoted literals) are formatted and
// parsed as SimpleDateFormat does, leniently (a numeric field reads all
// its digits unless the next field is numeric too, out-of-range values
// roll over, text after the pattern is ignored). Other letters are refused
// by name.
type javaDateFormat struct {
	pattern string
	elems   []dateElem
}

type dateElem struct {
	letter byte   // 0 for a literal
	count  int    // repetitions of the letter
	lit    string // the literal text
}

// The pattern letters sluice supports, with what they mean.
var javaDateLetters = map[byte]string{
	'y': "year", 'M': "month in year", 'L': "month in year (standalone)", 'd': "day in month",
	'H': "hour in day (0-23)", 'k': "hour in day (1-24)", 'K': "hour in am/pm (0-11)", 'h': "hour in am/pm (1-12)",
	'm': "minute in hour", 's': "second in minute", 'S': "millisecond", 'E': "day name in week", 'a': "am/pm marker",
	'z': "time zone", 'Z': "RFC 822 time zone", 'X': "ISO 8601 time zone",
}

// Letters SimpleDateFormat knows and sluice does not implement.
var javaDateUnsupported = map[byte]string{
	'G': "era designator", 'Y': "week year", 'w': "week in year", 'W': "week in month", 'D': "day in year",
	'F': "day of week in month", 'u': "day number of week",
}

// compileJavaDateFormat reads a SimpleDateFormat pattern.
func compileJavaDateFormat(pattern string) (*javaDateFormat, error) {
	f := &javaDateFormat{pattern: pattern}
	addLit := func(s string) {
		if n := len(f.elems); n > 0 && f.elems[n-1].letter == 0 {
			f.elems[n-1].lit += s
			return
		}
		f.elems = append(f.elems, dateElem{lit: s})
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				addLit("'")
				i += 2
				continue
			}
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(pattern) {
					return nil, fmt.Errorf("Unterminated quote")
				}
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(pattern[j])
				j++
			}
			addLit(b.String())
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			if _, ok := javaDateLetters[c]; !ok {
				if what, known := javaDateUnsupported[c]; known {
					return nil, fmt.Errorf("pattern letter '%c' (%s) is not supported by sluice", c, what)
				}
				return nil, fmt.Errorf("Illegal pattern character '%c'", c)
			}
			f.elems = append(f.elems, dateElem{letter: c, count: j - i})
			i = j
		default:
			addLit(string(c))
			i++
		}
	}
	return f, nil
}

var (
	javaMonths   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	javaWeekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// format writes epoch milliseconds ms (UTC) as the pattern says.
func (f *javaDateFormat) format(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	var b strings.Builder
	for _, e := range f.elems {
		n := e.count
		switch e.letter {
		case 0:
			b.WriteString(e.lit)
		case 'y':
			y := t.Year()
			if y <= 0 {
				y = 1 - y // years of the era (BC)
			}
			if n == 2 {
				b.WriteString(pad(y%100, 2))
			} else {
				b.WriteString(pad(y, n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(javaMonths[t.Month()-1])
			case n == 3:
				b.WriteString(javaMonths[t.Month()-1][:3])
			default:
				b.WriteString(pad(int(t.Month()), n))
			}
		case 'd':
			b.WriteString(pad(t.Day(), n))
		case 'H':
			b.WriteString(pad(t.Hour(), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(pad(h, n))
		case 'K':
			b.WriteString(pad(t.Hour()%12, n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(h, n))
		case 'm':
			b.WriteString(pad(t.Minute(), n))
		case 's':
			b.WriteString(pad(t.Second(), n))
		case 'S':
			b.WriteString(pad(t.Nanosecond()/1e6, n))
		case 'E':
			if n >= 4 {
				b.WriteString(javaWeekdays[t.Weekday()])
			} else {
				b.WriteString(javaWeekdays[t.Weekday()][:3])
			}
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'z':
			if n >= 4 {
				b.WriteString("Coordinated Universal Time")
			} else {
				b.WriteString("UTC")
			}
		case 'Z':
			b.WriteString("+0000")
		case 'X':
			b.WriteString("Z")
		}
	}
	return b.String()
}

func isNumericElem(e dateElem) bool {
	switch e.letter {
	case 'y', 'd', 'H', 'k', 'K', 'h', 'm', 's', 'S':
		return true
	case 'M', 'L':
		return e.count <= 2
	}
	return false
}

// parse reads s as SimpleDateFormat.parse does (lenient, in UTC), returning
// epoch milliseconds; ok is false where Java throws a ParseException.
func (f *javaDateFormat) parse(s string) (ms int64, ok bool) {
	year, month, day, hour, minute, sec, milli := 1970, 1, 1, 0, 0, 0, 0
	hour12, pm, havePM := -1, false, false
	offset := 0 // seconds east of UTC
	pos := 0
	for i, e := range f.elems {
		if e.letter == 0 {
			if !strings.HasPrefix(s[pos:], e.lit) {
				return 0, false
			}
			pos += len(e.lit)
			continue
		}
		if isNumericElem(e) {
			limit := len(s)
			if i+1 < len(f.elems) && isNumericElem(f.elems[i+1]) {
				limit = min(pos+e.count, len(s)) // abutting numeric fields take their width
			}
			j := pos
			if e.letter != 'y' && j < limit && (s[j] == '-' || s[j] == '+') {
				return 0, false
			}
			if j < limit && (s[j] == '-' || s[j] == '+') {
				j++
			}
			for j < limit && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			v, err := strconv.Atoi(s[pos:j])
			if err != nil {
				return 0, false
			}
			digits := j - pos
			pos = j
			switch e.letter {
			case 'y':
				if e.count <= 2 && digits == 2 {
					v = javaTwoDigitYear(v)
				}
				year = v
			case 'M', 'L':
				month = v
			case 'd':
				day = v
			case 'H':
				hour = v
			case 'k':
				if v == 24 {
					v = 0
				}
				hour = v
			case 'K':
				hour12 = v
			case 'h':
				if v == 12 {
					v = 0
				}
				hour12 = v
			case 'm':
				minute = v
			case 's':
				sec = v
			case 'S':
				milli = v
			}
			continue
		}
		rest := s[pos:]
		switch e.letter {
		case 'M', 'L':
			m, n := matchName(rest, javaMonths)
			if n == 0 {
				return 0, false
			}
			month, pos = m+1, pos+n
		case 'E':
			_, n := matchName(rest, javaWeekdays)
			if n == 0 {
				return 0, false
			}
			pos += n
		case 'a':
			switch {
			case len(rest) >= 2 && strings.EqualFold(rest[:2], "AM"):
				pm, havePM = false, true
			case len(rest) >= 2 && strings.EqualFold(rest[:2], "PM"):
				pm, havePM = true, true
			default:
				return 0, false
			}
			pos += 2
		case 'z', 'Z', 'X':
			off, n := parseJavaZone(rest, e.letter)
			if n == 0 {
				return 0, false
			}
			offset, pos = off, pos+n
		}
	}
	if hour12 >= 0 {
		hour = hour12
		if havePM && pm {
			hour += 12
		}
	} // with H or k the hour of day is read as is, as Calendar resolves it
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	return t.UnixMilli() + int64(milli) - int64(offset)*1000, true
}

// javaTwoDigitYear places a two-digit year within 80 years before and 20
// after now, as SimpleDateFormat's default century does.
func javaTwoDigitYear(v int) int {
	now := time.Now().UTC()
	start := now.Year() - 80
	y := start/100*100 + v
	if y < start {
		y += 100
	}
	return y
}

// matchName matches the long or the three-letter name of one of names at
// the start of s, ignoring case; it returns the index and length matched.
func matchName(s string, names []string) (int, int) {
	best, bestLen := -1, 0
	for i, n := range names {
		for _, cand := range []string{n, n[:3]} {
			if len(cand) > bestLen && len(s) >= len(cand) && strings.EqualFold(s[:len(cand)], cand) {
				best, bestLen = i, len(cand)
			}
		}
	}
	return best, bestLen
}

// parseJavaZone reads a zone: Z (ISO), +hh:mm, +hhmm, +hh, or GMT/UTC with
// an optional offset. It returns the offset in seconds and the length read.
func parseJavaZone(s string, letter byte) (int, int) {
	n := 0
	if letter == 'X' && strings.HasPrefix(s, "Z") {
		return 0, 1
	}
	for _, name := range []string{"GMT", "UTC"} {
		if strings.HasPrefix(s, name) {
			n = len(name)
			if len(s) == n || (s[n] != '+' && s[n] != '-') {
				return 0, n
			}
		}
	}
	if n < len(s) && (s[n] == '+' || s[n] == '-') {
		sign := 1
		if s[n] == '-' {
			sign = -1
		}
		j := n + 1
		digits := func(k int) (int, bool) {
			if j+k > len(s) {
				return 0, false
			}
			v, err := strconv.Atoi(s[j : j+k])
			if err != nil {
				return 0, false
			}
			j += k
			return v, true
		}
		h, ok := digits(2)
		if !ok {
			return 0, 0
		}
		m := 0
		if j < len(s) && s[j] == ':' {
			j++
			if m, ok = digits(2); !ok {
				return 0, 0
			}
		} else if mm, ok := digits(2); ok {
			m = mm
		}
		return sign * (h*3600 + m*60), j
	}
	return 0, 0
}
