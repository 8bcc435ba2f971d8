package transforms

import (
	"errors"
	"math"
	"reflect"
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
// Time and Timestamp values; [a,b] an array and {k:v} a map of such values
// (strings in them quoted), their elements widened to a common numeric
// type; anything else the string itself. As in Kafka, only the first
// token is read when it is a number or an array ("12:30" is the int8 12),
// and an array or map Kafka cannot parse (a null among numbers, an unquoted
// word) stays a string.
//
// Arrays and maps mixing Connect Date, Time, Timestamp or Decimal values
// with other types stay strings: Kafka's conversions of those mixes are
// not reproduced.
func parseConnectLiteral(s string) (*change.Field, any) {
	if s == "" {
		return &change.Field{Type: change.String}, s
	}
	p := &literalParser{src: s, toks: connectTokens(s)}
	v, err := p.parse(false)
	if err != nil {
		return &change.Field{Type: change.String}, s
	}
	if v == nil {
		return nil, nil
	}
	return v.schema, v.value
}

// schemaAndValue is Kafka's SchemaAndValue; a nil one is a null.
type schemaAndValue struct {
	schema *change.Field
	value  any
}

// errLiteral is Values' DataException: the literal is not an array or map
// after all, and the whole text becomes a string.
var errLiteral = errors.New("not a literal Kafka parses")

// literalParser is Values.ValueParser over Values.Parser's tokens.
type literalParser struct {
	src  string
	toks []string
	pos  int
}

func (p *literalParser) hasNext() bool { return p.pos < len(p.toks) }

// canConsume is Parser.canConsume: it skips blank tokens, then takes the
// next token when, trimmed, it is want. On a miss the blanks stay skipped,
// as in Kafka.
func (p *literalParser) canConsume(want string) bool {
	for p.pos < len(p.toks)-1 && javaTrim(p.toks[p.pos]) == "" {
		p.pos++
	}
	if p.pos < len(p.toks) && javaTrim(p.toks[p.pos]) == want {
		p.pos++
		return true
	}
	return false
}

func (p *literalParser) next() string {
	t := p.toks[p.pos]
	p.pos++
	return t
}

// singleLiteral is canParseSingleTokenLiteral.
func (p *literalParser) singleLiteral(embedded bool, lit string) bool {
	start := p.pos
	if p.canConsume(lit) && (embedded || !p.hasNext()) {
		return true
	}
	p.pos = start
	return false
}

func (p *literalParser) parse(embedded bool) (*schemaAndValue, error) {
	if !p.hasNext() {
		return nil, nil
	}
	if embedded && p.canConsume(`"`) {
		return p.quoted()
	}
	switch {
	case p.singleLiteral(embedded, "null"):
		return nil, nil
	case p.singleLiteral(embedded, "true"):
		return &schemaAndValue{&change.Field{Type: change.Boolean}, true}, nil
	case p.singleLiteral(embedded, "false"):
		return &schemaAndValue{&change.Field{Type: change.Boolean}, false}, nil
	}
	start := p.pos
	var v *schemaAndValue
	var err error
	switch {
	case p.canConsume("["):
		v, err = p.array()
	case p.canConsume("{"):
		v, err = p.mapValue()
	default:
		err = errLiteral
		start = p.pos // the blanks canConsume skipped stay skipped
	}
	if err == nil {
		return v, nil
	}
	p.pos = start
	if !p.hasNext() {
		return nil, errLiteral
	}
	token := p.next()
	if javaTrim(token) == "" {
		return &schemaAndValue{&change.Field{Type: change.String}, token}, nil
	}
	return p.nextToken(embedded, javaTrim(token))
}

// nextToken is parseNextToken.
func (p *literalParser) nextToken(embedded bool, token string) (*schemaAndValue, error) {
	digit := token[0] >= '0' && token[0] <= '9'
	if digit {
		// A time or timestamp is split at its colons into five tokens.
		if p.pos+4 <= len(p.toks) {
			if f, v := parseConnectTemporal(token + strings.Join(p.toks[p.pos:p.pos+4], "")); f != nil {
				p.pos += 4
				return &schemaAndValue{f, v}, nil
			}
		}
		if f, v := parseConnectTemporal(token); f != nil {
			return &schemaAndValue{f, v}, nil
		}
	}
	if digit || token[0] == '+' || token[0] == '-' {
		if f, v := parseConnectNumber(token); f != nil {
			return &schemaAndValue{f, v}, nil
		}
	}
	if embedded {
		return nil, errLiteral
	}
	return &schemaAndValue{&change.Field{Type: change.String}, p.src}, nil
}

// quoted is parseQuotedString: the tokens up to the closing quote, a
// temporal literal or a string.
func (p *literalParser) quoted() (*schemaAndValue, error) {
	var b strings.Builder
	for p.hasNext() {
		if p.canConsume(`"`) {
			break
		}
		b.WriteString(p.next())
	}
	content := b.String()
	if f, v := parseConnectTemporal(content); f != nil {
		return &schemaAndValue{f, v}, nil
	}
	return &schemaAndValue{&change.Field{Type: change.String}, content}, nil
}

// array is parseArray: elements widened to their common schema.
func (p *literalParser) array() (*schemaAndValue, error) {
	var vals []any
	var m schemaMerger
	for p.hasNext() {
		if p.canConsume("]") {
			if m.common == nil {
				return &schemaAndValue{&change.Field{Type: change.Array}, orEmpty(vals)}, nil
			}
			out, err := alignLiteral(m.common, vals)
			if err != nil {
				return nil, err
			}
			return &schemaAndValue{&change.Field{Type: change.Array, Elem: m.common}, out}, nil
		}
		if p.canConsume(",") {
			return nil, errLiteral
		}
		e, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		if err := m.merge(e); err != nil {
			return nil, err
		}
		if e == nil {
			vals = append(vals, nil)
		} else {
			vals = append(vals, e.value)
		}
		at := p.pos
		if p.canConsume("]") {
			p.pos = at
		} else if !p.canConsume(",") {
			return nil, errLiteral
		}
	}
	return nil, errLiteral
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// mapValue is parseMap: entries in order (a repeated key keeps its first
// place and its last value), keys and values widened to their common
// schemas.
func (p *literalParser) mapValue() (*schemaAndValue, error) {
	var keys, vals []any
	var km, vm schemaMerger
	for p.hasNext() {
		if p.canConsume("}") {
			f := &change.Field{Type: change.Map, KeyElem: km.common}
			var err error
			if km.common != nil {
				if keys, err = alignLiteral(km.common, keys); err != nil {
					return nil, err
				}
				if vm.common != nil {
					f.Elem = vm.common
					if vals, err = alignLiteral(vm.common, vals); err != nil {
						return nil, err
					}
				}
			}
			out := make(change.MapValue, len(keys))
			for i := range keys {
				out[i] = change.MapEntry{Key: keys[i], Value: vals[i]}
			}
			return &schemaAndValue{f, out}, nil
		}
		if p.canConsume(",") {
			return nil, errLiteral
		}
		k, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		if k == nil || k.value == nil || !p.canConsume(":") {
			return nil, errLiteral
		}
		v, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		var val any
		if v != nil {
			val = v.value
		}
		dup := -1
		for i := range keys {
			if reflect.DeepEqual(keys[i], k.value) {
				dup = i
			}
		}
		if dup >= 0 {
			vals[dup] = val
		} else {
			keys, vals = append(keys, k.value), append(vals, val)
		}
		p.canConsume(",")
		if err := km.merge(k); err != nil {
			return nil, err
		}
		if err := vm.merge(v); err != nil {
			return nil, err
		}
	}
	return nil, errLiteral
}

// schemaMerger is Values.SchemaMerger: the common schema of the non-null
// values seen, numeric types widened (int8 < int16 < int32 < int64 <
// float32 < float64); nil when there is none.
type schemaMerger struct {
	common       *change.Field
	incompatible bool
}

func (m *schemaMerger) merge(v *schemaAndValue) error {
	if v == nil || v.schema == nil || m.incompatible {
		return nil
	}
	if m.common == nil {
		m.common = v.schema
		return nil
	}
	a, b := m.common, v.schema
	if a.Logical != "" || b.Logical != "" {
		if a.Logical != b.Logical || a.Type != b.Type || !reflect.DeepEqual(a.Params, b.Params) {
			return errLiteral // Kafka's conversions of such mixes are not reproduced
		}
		return nil
	}
	ra, rb := numericRank(a.Type), numericRank(b.Type)
	switch {
	case a.Type == b.Type:
		m.common = b
	case ra > 0 && rb > 0:
		if rb > ra {
			m.common = b
		}
	default:
		m.common, m.incompatible = nil, true
	}
	return nil
}

func numericRank(t change.Type) int {
	switch t {
	case change.Int8:
		return 1
	case change.Int16:
		return 2
	case change.Int32:
		return 3
	case change.Int64:
		return 4
	case change.Float32:
		return 5
	case change.Float64:
		return 6
	}
	return 0
}

// alignLiteral converts vals to schema, as Values.convertTo does for the
// required schemas parsing infers: a null fails, numbers are widened.
func alignLiteral(schema *change.Field, vals []any) ([]any, error) {
	out := make([]any, len(vals))
	for i, v := range vals {
		if v == nil {
			return nil, errLiteral
		}
		if numericRank(schema.Type) == 0 || schema.Logical != "" {
			out[i] = v
			continue
		}
		n := javaNumberOf(nil, v)
		if n == nil {
			return nil, errLiteral
		}
		out[i] = n.as(schema.Type)
	}
	return out, nil
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
