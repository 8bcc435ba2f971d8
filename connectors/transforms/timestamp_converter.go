package transforms

import (
	"fmt"
	"math"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// TimestampConverter is Kafka's
// org.apache.kafka.connect.transforms.TimestampConverter$Key and $Value: it
// converts a timestamp field (field), or the whole key or value (field
// empty), between a string in format (SimpleDateFormat, UTC), a Unix
// number of unix.precision units (int64), and Connect's Date, Time and
// Timestamp types.
//
// With a schema the input kind comes from the schema: Connect's logical
// names, else a string or an int64 (so Debezium's io.debezium.time.Timestamp,
// an int64 of milliseconds, is a Unix time, and its int32 Date is refused).
// Schemaless, from the value: an int64 is Unix, a string is parsed. The
// converted field's schema is a plain one of the target kind (its name and
// default dropped), as in Kafka.
type TimestampConverter struct {
	side         kafkaSide
	field        string
	target       string
	format       *javaDateFormat
	precision    string
	replaceNulls bool
}

const tsPurpose = "converting timestamp formats"

func init() {
	kafkaClasses("TimestampConverter", []configdef.Key{
		kafkaSMTKey("field", configdef.String, configdef.Def(""), configdef.High,
			"The field containing the timestamp, or empty if the entire value is a timestamp"),
		kafkaSMTKey("target.type", configdef.String, nil, configdef.High,
			"The desired timestamp representation: string, unix, Date, Time, or Timestamp"),
		kafkaSMTKey("format", configdef.String, configdef.Def(""), configdef.Medium,
			"A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."),
		kafkaSMTKey("unix.precision", configdef.String, configdef.Def("milliseconds"), configdef.Low,
			"The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."),
		kafkaSMTKey("replace.null.with.default", configdef.Boolean, configdef.Def("true"), configdef.Medium,
			"Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
	}, func(c *Config, side kafkaSide) Transform {
		t := &TimestampConverter{side: side,
			field:        kafkaString(c, "field", ""),
			target:       requireSet(c, "target.type"),
			precision:    kafkaString(c, "unix.precision", "milliseconds"),
			replaceNulls: c.Bool("replace.null.with.default", true),
		}
		if c.Has("target.type") && !oneOf(t.target, "string", "unix", "Date", "Time", "Timestamp") {
			c.Fail("target.type", "String must be one of: string, unix, Date, Time, Timestamp")
		}
		if !oneOf(t.precision, "nanoseconds", "microseconds", "milliseconds", "seconds") {
			c.Fail("unix.precision", "String must be one of: nanoseconds, microseconds, milliseconds, seconds")
		}
		pattern := kafkaString(c, "format", "")
		if c.Err() != nil {
			return t
		}
		if t.target == "string" && strings.TrimSpace(pattern) == "" {
			c.errs = append(c.errs, fmt.Errorf("TimestampConverter requires format option to be specified when using string timestamps"))
			return t
		}
		if strings.TrimSpace(pattern) != "" {
			f, err := compileJavaDateFormat(pattern)
			if err != nil {
				c.errs = append(c.errs, fmt.Errorf("Invalid value java.lang.IllegalArgumentException: %v for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: %s", err, pattern))
				return t
			}
			t.format = f
		}
		return t
	})
}

func oneOf(s string, values ...string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}

// Apply implements Transform.
func (t *TimestampConverter) Apply(r *change.Record) (*change.Record, error) {
	v, schema := t.side.value(r), t.side.schema(r)
	if schema == nil {
		if isNull(v) || t.field == "" {
			out, err := t.convert(v, "")
			if err != nil {
				return nil, err
			}
			return t.side.with(r, nil, out), nil
		}
		m, err := requireMap(v, tsPurpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m)+1)
		for k, x := range m {
			out[k] = x
		}
		if out[t.field], err = t.convert(m[t.field], ""); err != nil {
			return nil, err
		}
		return t.side.with(r, nil, out), nil
	}
	if t.field == "" {
		kind, err := tsKindOf(schema)
		if err != nil {
			return nil, err
		}
		out, err := t.convert(v, kind)
		if err != nil {
			return nil, err
		}
		return t.side.with(r, t.targetSchema(schema.Optional), out), nil
	}
	var sv change.StructValue
	if !isNull(v) {
		var err error
		if sv, err = requireStruct(v, tsPurpose); err != nil {
			return nil, err
		}
	}
	ns := copySchemaBasics(schema, change.Struct)
	ns.Optional = schema.Optional
	ns.Fields = make([]change.Field, len(schema.Fields))
	target := -1
	for i, f := range schema.Fields {
		if f.Name == t.field {
			target = i
			ts := *t.targetSchema(f.Optional)
			ts.Name = f.Name
			ns.Fields[i] = ts
		} else {
			ns.Fields[i] = f
		}
	}
	if def, ok := schema.Default.(change.StructValue); ok && def != nil {
		d, err := t.convertStruct(schema, def, target)
		if err != nil {
			return nil, err
		}
		ns.Default = d
	}
	if sv == nil {
		return t.side.with(r, ns, nil), nil
	}
	out, err := t.convertStruct(schema, sv, target)
	if err != nil {
		return nil, err
	}
	return t.side.with(r, ns, out), nil
}

// convertStruct is applyValueWithSchema: v with member target converted.
func (t *TimestampConverter) convertStruct(schema *change.Field, v change.StructValue, target int) (change.StructValue, error) {
	out := make(change.StructValue, len(schema.Fields))
	for i := range schema.Fields {
		var x any
		if t.replaceNulls {
			x = structGet(schema, v, i)
		} else if i < len(v) {
			x = v[i]
		}
		if i == target {
			kind, err := tsKindOf(&schema.Fields[i])
			if err != nil {
				return nil, err
			}
			if x, err = t.convert(x, kind); err != nil {
				return nil, err
			}
		}
		out[i] = x
	}
	return out, nil
}

// targetSchema is the target translator's typeSchema.
func (t *TimestampConverter) targetSchema(optional bool) *change.Field {
	switch t.target {
	case "string":
		return &change.Field{Type: change.String, Optional: optional}
	case "unix":
		return &change.Field{Type: change.Int64, Optional: optional}
	case "Date":
		return &change.Field{Type: change.Int32, Optional: optional, Logical: connectDateName, Version: 1}
	case "Time":
		return &change.Field{Type: change.Int32, Optional: optional, Logical: connectTimeName, Version: 1}
	}
	return &change.Field{Type: change.Int64, Optional: optional, Logical: connectTimestampName, Version: 1}
}

// tsKindOf is timestampTypeFromSchema.
func tsKindOf(s *change.Field) (string, error) {
	switch {
	case s.Logical == connectTimestampName:
		return "Timestamp", nil
	case s.Logical == connectDateName:
		return "Date", nil
	case s.Logical == connectTimeName:
		return "Time", nil
	case s.Type == change.String:
		return "string", nil
	case s.Type == change.Int64:
		return "unix", nil
	}
	return "", fmt.Errorf("Schema %s does not correspond to a known timestamp type format", javaSchemaString(s))
}

// javaSchemaString is ConnectSchema.toString.
func javaSchemaString(s *change.Field) string {
	if s.Logical != "" {
		return "Schema{" + s.Logical + ":" + javaTypeName(s.Type) + "}"
	}
	return "Schema{" + javaTypeName(s.Type) + "}"
}

// convert is convertTimestamp: v, of kind ("" to infer it from the
// value), in the target kind.
func (t *TimestampConverter) convert(v any, kind string) (any, error) {
	if isNull(v) {
		return nil, nil
	}
	if kind == "" {
		switch v.(type) {
		case int64:
			kind = "unix"
		case string:
			kind = "string"
		default:
			return nil, fmt.Errorf("TimestampConverter does not support class %s objects as timestamps", javaClassName(v))
		}
	}
	ms, err := t.toMillis(v, kind)
	if err != nil {
		return nil, err
	}
	switch t.target {
	case "string":
		return t.format.format(ms), nil
	case "unix":
		switch t.precision {
		case "seconds":
			return ms / 1000, nil
		case "microseconds":
			return saturatingMul(ms, 1000), nil
		case "nanoseconds":
			return saturatingMul(ms, 1000000), nil
		}
		return ms, nil
	case "Date":
		return int32(floorDiv(ms, 86400000)), nil
	case "Time":
		return int32(ms - floorDiv(ms, 86400000)*86400000), nil
	}
	return ms, nil
}

// toMillis is the source translator's toRaw: epoch milliseconds.
func (t *TimestampConverter) toMillis(v any, kind string) (int64, error) {
	switch kind {
	case "string":
		s, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("Expected string timestamp to be a String, but found class %s", javaClassName(v))
		}
		if t.format == nil {
			// Kafka fails here on its null format.
			return 0, fmt.Errorf(`Cannot invoke "java.text.SimpleDateFormat.parse(String)" because "config.format" is null`)
		}
		ms, ok := t.format.parse(s)
		if !ok {
			return 0, fmt.Errorf("Could not parse timestamp: value (%s) does not match pattern (%s)", s, t.format.pattern)
		}
		return ms, nil
	case "unix":
		n, ok := v.(int64)
		if !ok {
			return 0, fmt.Errorf("Expected Unix timestamp to be a Long, but found class %s", javaClassName(v))
		}
		switch t.precision {
		case "seconds":
			return saturatingMul(n, 1000), nil
		case "microseconds":
			return n / 1000, nil
		case "nanoseconds":
			return n / 1000000, nil
		}
		return n, nil
	case "Date":
		d, ok := v.(int32)
		if !ok {
			return 0, fmt.Errorf("Expected Date to be a java.util.Date, but found class %s", javaClassName(v))
		}
		return int64(d) * 86400000, nil
	case "Time":
		d, ok := v.(int32)
		if !ok {
			return 0, fmt.Errorf("Expected Time to be a java.util.Date, but found class %s", javaClassName(v))
		}
		return int64(d), nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("Expected Timestamp to be a java.util.Date, but found class %s", javaClassName(v))
	}
	return n, nil
}

// saturatingMul is TimeUnit's conversion to a finer unit: it saturates at
// the int64 bounds.
func saturatingMul(n, by int64) int64 {
	if n > math.MaxInt64/by {
		return math.MaxInt64
	}
	if n < math.MinInt64/by {
		return math.MinInt64
	}
	return n * by
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
