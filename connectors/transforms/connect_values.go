package transforms

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The schema names of Kafka Connect's logical types.
const (
	connectDecimalName   = "org.apache.kafka.connect.data.Decimal"
	connectDateName      = "org.apache.kafka.connect.data.Date"
	connectTimeName      = "org.apache.kafka.connect.data.Time"
	connectTimestampName = "org.apache.kafka.connect.data.Timestamp"
)

// parseConnectLiteral is Kafka Connect's Values.parseString for the literals
// users write in a config (InsertHeader's value.literal): it infers a
// schema and value. "null" is a null value (nil schema); "true" and "false"
// booleans; a leading number the smallest integer type that holds it, else
// a float32, a float64 or a Decimal; ISO 8601 dates (yyyy-MM-dd), times
// (HH:mm:ss.SSSZ) and timestamps (yyyy-MM-ddTHH:mm:ss.SSSZ) Connect Date,
// Time and Timestamp values; anything else the string itself. As in Kafka,
// only the first token of a value made of several is read when it is a
// number ("12:30" is the int8 12).
//
// Arrays and maps ("[1,2]") are kept as strings: Kafka would parse them and
// its header converter would write them back without the spaces.
func parseConnectLiteral(s string) (*change.Field, any) {
	if s == "" {
		return &change.Field{Type: change.String}, s
	}
	toks := connectTokens(s)
	// Single-token literals, surrounded by blanks at most.
	var nonBlank []string
	for _, t := range toks {
		if strings.TrimSpace(t) != "" {
			nonBlank = append(nonBlank, t)
		}
	}
	if len(nonBlank) == 1 {
		switch strings.TrimSpace(nonBlank[0]) {
		case "null":
			return nil, nil
		case "true":
			return &change.Field{Type: change.Boolean}, true
		case "false":
			return &change.Field{Type: change.Boolean}, false
		}
	}
	first := toks[0]
	if strings.TrimSpace(first) == "" {
		return &change.Field{Type: change.String}, first
	}
	token := strings.TrimSpace(first)
	if c := token[0]; c >= '0' && c <= '9' {
		if len(toks) >= 5 {
			if f, v := parseConnectTemporal(token + strings.Join(toks[1:5], "")); f != nil {
				return f, v
			}
		}
		if f, v := parseConnectTemporal(token); f != nil {
			return f, v
		}
	}
	if c := token[0]; (c >= '0' && c <= '9') || c == '+' || c == '-' {
		if f, v := parseConnectNumber(token); f != nil {
			return f, v
		}
	}
	return &change.Field{Type: change.String}, s
}

// connectTokens splits s as Kafka Connect's Values.Parser does: each of
// : , { } [ ] " not escaped by a backslash is a token of its own, the text
// between them another.
func connectTokens(s string) []string {
	var toks []string
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			escaped = !escaped
		case ':', ',', '{', '}', '[', ']', '"':
			if escaped {
				escaped = false
				continue
			}
			if start < i {
				toks = append(toks, s[start:i])
			}
			toks = append(toks, s[i:i+1])
			start = i + 1
		default:
			escaped = false
		}
	}
	if start < len(s) {
		toks = append(toks, s[start:])
	}
	return toks
}

var (
	isoDate      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	isoTime      = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	isoTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// parseConnectTemporal reads an ISO 8601 date, time or timestamp literal
// (Values.parseAsTemporal, strictly: Java's lenient rolling of out-of-range
// fields is not copied) as a Connect Date, Time or Timestamp.
func parseConnectTemporal(s string) (*change.Field, any) {
	s = strings.ReplaceAll(s, `\:`, ":")
	switch {
	case isoDate.MatchString(s):
		t, err := time.Parse("2006-01-02", s)
		if err == nil {
			return &change.Field{Type: change.Int32, Logical: connectDateName, Version: 1}, int32(t.Unix() / 86400)
		}
	case isoTime.MatchString(s):
		t, err := time.Parse("15:04:05.000Z", s)
		if err == nil {
			ms := int32(t.Hour()*3600000 + t.Minute()*60000 + t.Second()*1000 + t.Nanosecond()/1e6)
			return &change.Field{Type: change.Int32, Logical: connectTimeName, Version: 1}, ms
		}
	case isoTimestamp.MatchString(s):
		t, err := time.Parse("2006-01-02T15:04:05.000Z", s)
		if err == nil {
			return &change.Field{Type: change.Int64, Logical: connectTimestampName, Version: 1}, t.UnixMilli()
		}
	}
	return nil, nil
}

var javaBigDecimal = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// parseConnectNumber is Values.parseAsNumber: an integral value that fits
// a long becomes the smallest of int8, int16, int32, int64; a value with a
// scale a float32 (or float64 when float32 overflows); else a Decimal.
// It returns nil for what java.math.BigDecimal does not parse.
func parseConnectNumber(tok string) (*change.Field, any) {
	if !javaBigDecimal.MatchString(tok) {
		return nil, nil
	}
	d, err := change.ParseDecimal([]byte(tok), 1000)
	if err != nil {
		return nil, nil
	}
	if i, ok := decimalInt64(d); ok {
		switch {
		case i == int64(int8(i)):
			return &change.Field{Type: change.Int8}, int8(i)
		case i == int64(int16(i)):
			return &change.Field{Type: change.Int16}, int16(i)
		case i == int64(int32(i)):
			return &change.Field{Type: change.Int32}, int32(i)
		}
		return &change.Field{Type: change.Int64}, i
	}
	if d.Scale != 0 {
		if f, err := strconv.ParseFloat(tok, 32); err == nil && !math.IsInf(f, 0) {
			return &change.Field{Type: change.Float32}, float32(f)
		}
		if f, err := strconv.ParseFloat(tok, 64); err == nil && !math.IsInf(f, 0) {
			return &change.Field{Type: change.Float64}, f
		}
	}
	return &change.Field{Type: change.Bytes, Logical: connectDecimalName, Version: 1,
		Params: []change.Param{{Key: "scale", Value: strconv.Itoa(int(d.Scale))}}}, d.UnscaledBytes()
}

// decimalInt64 returns d as an int64 when it is integral and fits.
func decimalInt64(d change.Decimal) (int64, bool) {
	digits := d.Digits
	if d.Scale > 0 {
		cut := len(digits) - int(d.Scale)
		frac := digits[max(cut, 0):]
		if strings.Trim(frac, "0") != "" {
			return 0, false
		}
		if cut <= 0 {
			return 0, true
		}
		digits = digits[:cut]
	} else if d.Scale < 0 {
		if digits == "0" {
			return 0, true
		}
		if -d.Scale > 19 {
			return 0, false
		}
		digits += strings.Repeat("0", int(-d.Scale))
	}
	if d.Neg {
		digits = "-" + digits
	}
	i, err := strconv.ParseInt(digits, 10, 64)
	return i, err == nil
}
