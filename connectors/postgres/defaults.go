package postgres

import (
	"context"
	"math"
	"regexp"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// Column defaults, read as Debezium 3.6's PostgresDefaultValueConverter
// reads them from the catalog (JDBC COLUMN_DEF, which is
// pg_get_expr(pg_attrdef.adbin, adrelid)) and converted to the column's
// Connect representation, so that a Field's Default is Debezium's, byte for
// byte, in the Connect schema (its "default") and wherever a converter
// substitutes it for a null.
//
// The rules, measured against Debezium 3.6.1 on PostgreSQL 15:
//
//   - Only some types have a default at all: bool, bit, varbit, int2, int4,
//     int8 (serial, bigserial and smallserial included), numeric with a
//     scale (not the VariableScaleDecimal struct), float4, float8, bpchar,
//     varchar, text, json, jsonb, xml, uuid, date, time, timestamp,
//     timestamptz, interval and enums. Domains, arrays, money, name,
//     "char", timetz, bytea, network, range, geometric and extension types
//     (citext, hstore, ltree, ...) never carry one.
//   - An expression that starts like a function call (nextval('s'::regclass),
//     now(), md5(x), gen_random_uuid(), (random() > 0.5)) or is one of
//     CURRENT_TIMESTAMP, CURRENT_TIME, CURRENT_DATE, LOCALTIME and
//     LOCALTIMESTAMP gives the type's placeholder: 0, false, "", "{}", the
//     nil UUID, the epoch ("1970-01-01T00:00:00Z" for timestamptz).
//   - Otherwise the value is the text between the first pair of single
//     quotes ('it''s'::text gives "it", as Debezium's lazy pattern does), or
//     the whole expression when it has no quote (42, true, 1.50, also
//     CURRENT_USER for a text column). A value the type cannot parse
//     ((1 + 2), 'NaN'::numeric) gives no default.
//   - Enums take the quoted text before a cast to the enum's own type
//     ('ok'::s.mood), as it is, doubled quotes and all.
//   - date 'infinity' is 169560311 and '-infinity' -170999002;
//     timestamp(4-6) 'infinity' is -9223372036853775810 and '-infinity'
//     -9223372036854775808 (Debezium's Java arithmetic overflows on the
//     extreme dates); timestamp(0-3) and timestamptz infinities have no
//     default; time '24:00:00' is 23:59:59.999999999 (86399999999 µs).

// funcDefault is Debezium's FUNCTION_DEFAULT_PATTERN: an expression that
// starts with a function call.
var funcDefault = regexp.MustCompile(`^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)`)

// quotedDefault is Debezium's LITERAL_DEFAULT_PATTERN.
var quotedDefault = regexp.MustCompile(`'(.*?)'`)

// currentDateTimes are the SQL value functions Debezium treats as functions.
var currentDateTimes = map[string]bool{
	"current_timestamp": true, "current_time": true, "current_date": true, "localtime": true, "localtimestamp": true,
}

// defaultRule is how the default of one type is read: the placeholder a
// function default gets (in the type's text form, for Decode), whether the
// expression is trimmed first, and whether "NULL::type" means no default.
type defaultRule struct {
	placeholder string
	trim        bool
	nullCast    bool
}

// defaultRules are the types with a default, by pg_type.typname.
var defaultRules = map[string]defaultRule{
	"bit":         {placeholder: "00", trim: true},
	"varbit":      {placeholder: "0", trim: true},
	"bool":        {placeholder: "false", trim: true, nullCast: true},
	"bpchar":      {},
	"varchar":     {},
	"text":        {},
	"numeric":     {placeholder: "0.0", trim: true, nullCast: true},
	"float4":      {placeholder: "0.0", trim: true, nullCast: true},
	"float8":      {placeholder: "0.0", trim: true, nullCast: true},
	"int2":        {placeholder: "0", trim: true, nullCast: true},
	"int4":        {placeholder: "0", trim: true, nullCast: true},
	"int8":        {placeholder: "0", trim: true, nullCast: true},
	"json":        {placeholder: "{}"},
	"jsonb":       {placeholder: "{}"},
	"xml":         {},
	"uuid":        {placeholder: "00000000-0000-0000-0000-000000000000", trim: true},
	"date":        {placeholder: "1970-01-01", trim: true},
	"time":        {placeholder: "00:00:00", trim: true},
	"timestamp":   {placeholder: "1970-01-01 00:00:00", trim: true},
	"timestamptz": {placeholder: "1970-01-01 00:00:00+00", trim: true},
	"interval":    {placeholder: "00:00:00", trim: true},
}

// extractDefault returns the literal text of a default expression per
// Debezium's extractDefault, or ok=false when there is none.
func extractDefault(expr, placeholder string) (text string, ok bool) {
	if funcDefault.MatchString(expr) || currentDateTimes[strings.ToLower(expr)] {
		return placeholder, true
	}
	if !strings.Contains(expr, "'") {
		if strings.HasPrefix(expr, "NULL::") {
			return "", false
		}
		return expr, true
	}
	m := quotedDefault.FindStringSubmatch(expr)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// enumDefault returns the label of an enum default: the quoted text before a
// trailing cast to the enum type typeName (in any schema).
func enumDefault(typeName, expr string) (string, bool) {
	i := strings.LastIndex(expr, "::")
	if i < 0 {
		return "", false
	}
	cast := unqualifiedType(expr[i+2:])
	if cast != typeName {
		return "", false
	}
	v := expr[:i]
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return "", false
	}
	return v[1 : len(v)-1], true
}

// unqualifiedType returns a type name without its schema and quotes.
func unqualifiedType(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, `"`) {
		if j := strings.LastIndex(s[:len(s)-1], `"`); j >= 0 {
			return strings.ReplaceAll(s[j+1:len(s)-1], `""`, `"`)
		}
	}
	if j := strings.LastIndexByte(s, '.'); j >= 0 {
		s = s[j+1:]
	}
	return s
}

// Debezium's values for the infinite dates: the epoch day of LocalDate.MAX
// and MIN cast to an int, and MicroTimestamp of OffsetDateTime.MAX (seconds
// saturated to Long.MAX_VALUE micros, then 999999 micros added with
// wrap-around); -infinity is Long.MIN_VALUE.
const (
	dateInfinityDefault           = int32(169560311)
	dateMinusInfinityDefault      = int32(-170999002)
	microTimestampInfinityDefault = int64(math.MinInt64 + 999998)
)

// setDefault sets col.Field.Default from the catalog's default expression of
// column c, when Debezium gives the column one.
func setDefault(ctx context.Context, cat *TypeCatalog, q Querier, col *Column, c colInfo) error {
	typ, err := cat.Lookup(ctx, q, c.TypeOID)
	if err != nil {
		return err
	}
	if v, ok := columnDefault(typ, col, c.Default); ok {
		col.Field.Default = v
	}
	return nil
}

// columnDefault returns the Default of col, whose declared type is typ,
// for the default expression expr, as Debezium gives it; ok is false when
// Debezium gives the column no default.
func columnDefault(typ TypeInfo, col *Column, expr string) (v any, ok bool) {
	if col.Unknown || col.Decode == nil || col.Field.Type == change.Struct {
		return nil, false // Debezium drops a struct default (KAFKA-12694)
	}
	if typ.Type == 'e' {
		label, ok := enumDefault(typ.Name, expr)
		if !ok {
			return nil, false
		}
		return label, true
	}
	rule, known := defaultRules[typ.Name]
	if !known || typ.Type != 'b' { // a domain or another type that happens to share a built-in's name
		return nil, false
	}
	if rule.trim {
		expr = strings.TrimSpace(expr)
	}
	if rule.nullCast && strings.HasPrefix(expr, "NULL::") {
		return nil, false
	}
	text, ok := extractDefault(expr, rule.placeholder)
	if !ok {
		return nil, false
	}
	if rule.trim {
		text = strings.TrimSpace(text)
	}
	switch typ.Name {
	case "bool":
		return strings.EqualFold(text, "true"), true
	case "numeric":
		if col.Field.Logical == connecttypes.NameVariableScaleDecimal || !javaBigDecimal(text) {
			return nil, false
		}
	case "int2", "int4", "int8":
		if !javaInteger(text) {
			return nil, false
		}
	case "date":
		switch text {
		case "infinity":
			if col.Field.Logical == connecttypes.NameDate || col.Field.Logical == connecttypes.NameConnectDate {
				return dateInfinityDefault, true
			}
			return nil, false
		case "-infinity":
			if col.Field.Logical == connecttypes.NameDate || col.Field.Logical == connecttypes.NameConnectDate {
				return dateMinusInfinityDefault, true
			}
			return nil, false
		}
	case "time":
		if text == "24:00:00" { // LocalTime.MAX
			switch col.Field.Logical {
			case connecttypes.NameMicroTime:
				return int64(86399999999), true
			case connecttypes.NameTime, connecttypes.NameConnectTime:
				return int32(86399999), true
			}
		}
	case "timestamp":
		switch text {
		case "infinity":
			if col.Field.Logical == connecttypes.NameMicroTimestamp {
				return microTimestampInfinityDefault, true
			}
			return nil, false
		case "-infinity":
			if col.Field.Logical == connecttypes.NameMicroTimestamp {
				return int64(math.MinInt64), true
			}
			return nil, false
		}
	case "timestamptz":
		if text == "infinity" || text == "-infinity" {
			return nil, false
		}
	}
	v, err := col.Decode([]byte(text))
	if err != nil || v == nil {
		return nil, false
	}
	return v, true
}

// javaBigDecimal reports whether s is a number Java's BigDecimal(String)
// accepts: a sign, digits with at most one point, an optional exponent. It
// rejects NaN and Infinity, which PostgreSQL's numeric has and BigDecimal
// has not.
func javaBigDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	digits, point := 0, false
	for i := 0; i < len(mant); i++ {
		switch c := mant[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	if digits == 0 {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		return exp != "" && strings.Trim(exp, "0123456789") == ""
	}
	return true
}

// javaInteger reports whether s is what Java's Integer.parseInt accepts
// apart from range: an optional sign and decimal digits.
func javaInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return s != "" && strings.Trim(s, "0123456789") == ""
}
