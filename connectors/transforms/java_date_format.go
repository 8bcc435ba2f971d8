package transforms

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// javaDateFormat is a java.text.SimpleDateFormat pattern, parsed once, that
// formats instants in UTC with the English (US) symbols of a default JVM:
// weeks start on Sunday and week 1 is the week of January 1.
type javaDateFormat []dateToken

// dateToken is a run of one pattern letter (count times), or literal text
// when letter is 0.
type dateToken struct {
	letter  byte
	count   int
	literal string
}

// The pattern letters SimpleDateFormat knows; any other ASCII letter is an
// error.
const javaDateLetters = "GyMdkHmsSEDFwWahKzZYuXL"

// parseJavaDateFormat parses pattern as SimpleDateFormat does, with its
// exception texts: letters outside quotes are fields, '...' quotes text and
// ” is a quote.
func parseJavaDateFormat(pattern string) (javaDateFormat, error) {
	var out javaDateFormat
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, dateToken{literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch {
		case ch == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				lit.WriteByte('\'')
				i++
				continue
			}
			end := i + 1
			for {
				j := strings.IndexByte(pattern[end:], '\'')
				if j < 0 {
					return nil, errors.New("Unterminated quote")
				}
				lit.WriteString(pattern[end : end+j])
				end += j + 1
				if end < len(pattern) && pattern[end] == '\'' { // '' inside quotes
					lit.WriteByte('\'')
					end++
					continue
				}
				break
			}
			i = end - 1
		case (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'):
			if !strings.ContainsRune(javaDateLetters, rune(ch)) {
				return nil, fmt.Errorf("Illegal pattern character '%c'", ch)
			}
			flush()
			n := 1
			for i+1 < len(pattern) && pattern[i+1] == ch {
				n++
				i++
			}
			out = append(out, dateToken{letter: ch, count: n})
		default:
			lit.WriteByte(ch)
		}
	}
	flush()
	return out, nil
}

var (
	javaMonths = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	javaDays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// format writes t (in UTC) as the pattern says.
func (f javaDateFormat) format(t time.Time) string {
	t = t.UTC()
	var b strings.Builder
	num := func(v, width int) {
		s := strconv.Itoa(v)
		for i := len(s); i < width; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	text := func(full string, count int) {
		if count >= 4 {
			b.WriteString(full)
		} else {
			b.WriteString(full[:3])
		}
	}
	for _, tok := range f {
		n := tok.count
		switch tok.letter {
		case 0:
			b.WriteString(tok.literal)
		case 'G':
			b.WriteString("AD")
		case 'y', 'Y':
			y := t.Year()
			if tok.letter == 'Y' {
				y, _ = usWeek(t, true)
			}
			if n == 2 {
				num(y%100, 2)
			} else {
				num(y, n)
			}
		case 'M', 'L':
			if n >= 3 {
				text(javaMonths[t.Month()-1], n)
			} else {
				num(int(t.Month()), n)
			}
		case 'd':
			num(t.Day(), n)
		case 'D':
			num(t.YearDay(), n)
		case 'E':
			text(javaDays[t.Weekday()], n)
		case 'u':
			d := int(t.Weekday())
			if d == 0 {
				d = 7
			}
			num(d, n)
		case 'F':
			num((t.Day()-1)/7+1, n)
		case 'w':
			_, w := usWeek(t, true)
			num(w, n)
		case 'W':
			_, w := usWeek(t, false)
			num(w, n)
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'H':
			num(t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			num(h, n)
		case 'K':
			num(t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			num(h, n)
		case 'm':
			num(t.Minute(), n)
		case 's':
			num(t.Second(), n)
		case 'S':
			num(t.Nanosecond()/1e6, n)
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

// usWeek returns the week-based year and the week of the year (ofYear) or
// of the month of t, with Sunday-first weeks and week 1 the week holding
// the first day: the last days of December can be week 1 of the next year.
func usWeek(t time.Time, ofYear bool) (year, week int) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	sunday := day.AddDate(0, 0, -int(day.Weekday()))
	first := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	if !ofYear {
		first = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	} else if sat := sunday.AddDate(0, 0, 6); sat.Year() > t.Year() {
		return t.Year() + 1, 1
	}
	firstSunday := first.AddDate(0, 0, -int(first.Weekday()))
	return t.Year(), int(sunday.Sub(firstSunday).Hours()/24)/7 + 1
}
