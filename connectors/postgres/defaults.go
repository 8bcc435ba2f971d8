package postgres

import (
	"log/slog"
	"regexp"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Column defaults, as Debezium's PostgresDefaultValueConverter reads them
// into the Connect schema's "default": from the column's default expression
// (pg_get_expr of pg_attrdef, what the JDBC driver reports as COLUMN_DEF),
// for the types it has a mapper for, by the declared type's name. A
// function call (nextval(...) of a serial, now(), ...) or CURRENT_TIMESTAMP
// and its kin gives a placeholder: 0, "", epoch. A domain, an array, bytea,
// the network and geometric types and the like get none. So does a value the
// Connect type cannot hold as a default (a VariableScaleDecimal struct).

var (
	// literalDefaultRE is the quoted literal of a "type casted" default
	// ('abc'::text); like Debezium's, it stops at the first quote after the
	// opening one.
	literalDefaultRE = regexp.MustCompile(`'(.*?)'`)
	// functionDefaultRE is a default computed by a function.
	functionDefaultRE = regexp.MustCompile(`^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)`)
	currentDateTimes  = map[string]bool{"current_timestamp": true, "current_time": true, "current_date": true, "localtime": true, "localtimestamp": true}
	// trimDefaultTypes have their default expression trimmed.
	trimDefaultTypes = map[string]bool{"bit": true, "varbit": true, "bool": true, "numeric": true, "float4": true, "float8": true,
		"int2": true, "int4": true, "int8": true, "uuid": true, "date": true, "time": true, "timestamp": true, "timestamptz": true, "interval": true}
)

// extractDefault is the value of a raw (1234) or type casted
// ('1234'::bigint) default; ok is false for a NULL::type default.
func extractDefault(v string) (string, bool) {
	if !strings.Contains(v, "'") {
		if strings.HasPrefix(v, "NULL::") {
			return "", false
		}
		return v, true
	}
	m := literalDefaultRE.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// extractDefaultOr is extractDefault, with placeholder for a default a
// function computes.
func extractDefaultOr(v, placeholder string) (string, bool) {
	if functionDefaultRE.MatchString(v) || currentDateTimes[strings.ToLower(v)] {
		return placeholder, true
	}
	return extractDefault(v)
}

// defaultText returns the text form of c's default that the column's
// decoder turns into the Connect default, or ok false when Debezium gives
// the column none.
func defaultText(c colInfo) (string, bool) {
	v := *c.Default
	name := c.TypName
	if trimDefaultTypes[name] {
		v = strings.TrimSpace(v)
	}
	if c.TypType == 'e' {
		// An enum: a literal cast to the column's own type.
		i := strings.LastIndex(v, "::")
		if i < 0 {
			return "", false
		}
		cast := strings.ReplaceAll(v[i+2:], `"`, "")
		if j := strings.LastIndexByte(cast, '.'); j >= 0 {
			cast = cast[j+1:]
		}
		if cast != name {
			return "", false
		}
		return extractDefault(v)
	}
	nullable := func() bool { return strings.HasPrefix(v, "NULL::") }
	switch name {
	case "bool":
		if nullable() {
			return "", false
		}
		s, _ := extractDefaultOr(v, "false")
		if strings.EqualFold(s, "true") { // Java's Boolean.parseBoolean
			return "t", true
		}
		return "f", true
	case "bpchar", "varchar", "text", "xml":
		return extractDefaultOr(v, "")
	case "json", "jsonb":
		return extractDefaultOr(v, "{}")
	case "numeric", "float4", "float8":
		if nullable() {
			return "", false
		}
		return extractDefaultOr(v, "0.0")
	case "int2", "int4", "int8":
		if nullable() {
			return "", false
		}
		return extractDefaultOr(v, "0")
	case "uuid":
		return extractDefaultOr(v, "00000000-0000-0000-0000-000000000000")
	case "date":
		return extractDefaultOr(v, "1970-01-01")
	case "time":
		return extractDefaultOr(v, "00:00:00")
	case "timestamp":
		return extractDefaultOr(v, "1970-01-01 00:00:00")
	case "timestamptz":
		return extractDefaultOr(v, "1970-01-01 00:00:00+00")
	case "interval":
		if functionDefaultRE.MatchString(v) || currentDateTimes[strings.ToLower(v)] {
			return "", false // Debezium's placeholder ("epoch") is no interval
		}
		return extractDefault(v)
	}
	return "", false
}

// columnDefault returns the Connect default of column c mapped as col, or
// nil when Debezium gives it none. A default it cannot convert is logged
// and left out, as Debezium does.
func columnDefault(c colInfo, col Column, log *slog.Logger) any {
	text, ok := defaultText(c)
	if !ok || col.Unknown {
		return nil
	}
	v, err := col.Decode([]byte(text))
	if err != nil {
		log.Warn("cannot convert the column's default value; the schema has no default for it",
			"column", c.Name, "type", c.TypeName, "default", *c.Default, "err", err)
		return nil
	}
	switch v.(type) {
	case change.StructValue, []any:
		return nil // Connect cannot hold a struct default (KAFKA-12694); arrays have no mapper
	}
	return v
}
