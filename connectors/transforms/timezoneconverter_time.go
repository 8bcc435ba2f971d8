package transforms

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The java.time pieces TimezoneConverter relies on: a zone's offset at an
// instant and at a local date-time (ZoneRules.getOffset), and the ISO
// offset date-time and time formats it parses and writes.

// tzOffsetAt is the zone's offset in seconds at the instant sec.
func tzOffsetAt(loc *time.Location, sec int64) int64 {
	_, off := time.Unix(sec, 0).In(loc).Zone()
	return int64(off)
}

// tzOffsetAtLocal is ZoneRules.getOffset(LocalDateTime) for the local
// date-time local (seconds since the epoch of the local calendar): the one
// valid offset, or in a gap or an overlap the offset before the
// transition. (Go's time.Date leaves which offset it picks unspecified.)
func tzOffsetAtLocal(loc *time.Location, local int64) int64 {
	before := tzOffsetAt(loc, local-2*86400)
	after := tzOffsetAt(loc, local+2*86400)
	if before == after {
		return before
	}
	validBefore := tzOffsetAt(loc, local-before) == before
	validAfter := tzOffsetAt(loc, local-after) == after
	if validAfter && !validBefore {
		return after
	}
	return before // normal before the transition, an overlap, or a gap
}

// tzFloorDiv is Math.tzFloorDiv.
func tzFloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// tzISO is a parsed ISO offset date-time or offset time.
type tzISO struct {
	local  int64 // seconds since the epoch of the local calendar (of the time of day for a time)
	nanos  int64
	offset int64 // seconds east of UTC
}

// tzParseDateTime parses what DateTimeFormatter.ISO_OFFSET_DATE_TIME
// reads: yyyy-MM-ddTHH:mm[:ss[.fffffffff]] then Z or an offset.
func tzParseDateTime(s string) (tzISO, error) {
	bad := func() (tzISO, error) {
		return tzISO{}, fmt.Errorf("Text '%s' could not be parsed as an ISO offset date-time", s)
	}
	t := strings.IndexAny(s, "Tt")
	if t < 0 {
		return bad()
	}
	date := s[:t]
	sign := int64(1)
	if strings.HasPrefix(date, "-") || strings.HasPrefix(date, "+") {
		if date[0] == '-' {
			sign = -1
		}
		date = date[1:]
	}
	parts := strings.Split(date, "-")
	if len(parts) != 3 || len(parts[0]) < 4 || len(parts[1]) != 2 || len(parts[2]) != 2 {
		return bad()
	}
	y, err1 := strconv.ParseInt(parts[0], 10, 64)
	mo, err2 := strconv.Atoi(parts[1])
	d, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return bad()
	}
	tod, err := tzParseTime(s[t+1:])
	if err != nil {
		return bad()
	}
	day := time.Date(int(sign*y), time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if day.Day() != d {
		return bad() // February 30th and the like
	}
	tod.local += day.Unix()
	return tod, nil
}

// tzParseTime parses what DateTimeFormatter.ISO_OFFSET_TIME reads:
// HH:mm[:ss[.fffffffff]] then Z or an offset (±HH, ±HH:mm, ±HHmm,
// ±HH:mm:ss).
func tzParseTime(s string) (tzISO, error) {
	bad := func() (tzISO, error) {
		return tzISO{}, fmt.Errorf("Text '%s' could not be parsed as an ISO offset time", s)
	}
	end := strings.IndexAny(s, "Zz+-")
	if end < 0 {
		return bad()
	}
	clock, zone := s[:end], s[end:]
	var out tzISO
	num := func(p string, max int) (int64, bool) {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, false
		}
		n := int64(p[0]-'0')*10 + int64(p[1]-'0')
		return n, n <= int64(max)
	}
	frac := ""
	if i := strings.IndexByte(clock, '.'); i >= 0 {
		clock, frac = clock[:i], clock[i+1:]
		if len(frac) == 0 || len(frac) > 9 || strings.Count(clock, ":") != 2 {
			return bad()
		}
		for _, c := range frac {
			if c < '0' || c > '9' {
				return bad()
			}
		}
		n, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		out.nanos = n
	}
	hms := strings.Split(clock, ":")
	if len(hms) < 2 || len(hms) > 3 {
		return bad()
	}
	limits := []int{23, 59, 59}
	mult := []int64{3600, 60, 1}
	for i, p := range hms {
		n, ok := num(p, limits[i])
		if !ok {
			return bad()
		}
		out.local += n * mult[i]
	}
	if zone == "Z" || zone == "z" {
		return out, nil
	}
	sign := int64(1)
	if zone[0] == '-' {
		sign = -1
	}
	z := strings.ReplaceAll(zone[1:], ":", "")
	if len(z) != 2 && len(z) != 4 && len(z) != 6 {
		return bad()
	}
	for i := 0; i < len(z); i += 2 {
		n, ok := num(z[i:i+2], []int{18, 59, 59}[i/2])
		if !ok {
			return bad()
		}
		out.offset += n * mult[i/2]
	}
	out.offset *= sign
	return out, nil
}

// tzFormatDateTime writes local (seconds of the local calendar),
// nanos and offset as DateTimeFormatter.ISO_OFFSET_DATE_TIME does: seconds
// always, the fraction without trailing zeros (none when zero), the year in
// at least four digits (a sign beyond 9999 or below 0), Z for offset zero.
func tzFormatDateTime(local, nanos, offset int64) string {
	day := tzFloorDiv(local, 86400)
	t := time.Unix(day*86400, 0).UTC()
	var b strings.Builder
	y := t.Year()
	switch {
	case y > 9999:
		b.WriteByte('+')
	case y < 0:
		b.WriteByte('-')
		y = -y
	}
	fmt.Fprintf(&b, "%04d-%02d-%02dT", y, int(t.Month()), t.Day())
	b.WriteString(tzFormatTime(local-day*86400, nanos, offset))
	return b.String()
}

// tzFormatTime writes a time of day (seconds), nanos and offset as
// DateTimeFormatter.ISO_OFFSET_TIME does.
func tzFormatTime(secOfDay, nanos, offset int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%02d:%02d:%02d", secOfDay/3600, secOfDay/60%60, secOfDay%60)
	if nanos != 0 {
		f := strings.TrimRight(fmt.Sprintf("%09d", nanos), "0")
		b.WriteByte('.')
		b.WriteString(f)
	}
	if offset == 0 {
		b.WriteByte('Z')
		return b.String()
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	b.WriteByte(sign)
	fmt.Fprintf(&b, "%02d:%02d", offset/3600, offset/60%60)
	if s := offset % 60; s != 0 {
		fmt.Fprintf(&b, ":%02d", s)
	}
	return b.String()
}
