package transforms

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// Cast is Kafka's org.apache.kafka.connect.transforms.Cast$Key and $Value:
// it casts fields of a struct or map (spec field:type,...) or the whole key
// or value (spec type) to int8, int16, int32, int64, float32, float64,
// boolean or string, with Java's conversions (narrowing truncates, a float
// saturates into an integer, bytes become base64 text, a Decimal its
// BigDecimal text, Connect Date/Time/Timestamp their ISO 8601 text).
//
// As in Kafka, a cast field's schema is a plain one of the target type
// (optional and default kept), while a whole-value cast keeps the schema's
// name, version, doc and parameters; a null key or value passes unchanged;
// with replace.null.with.default (the default) a null field is read as its
// schema's default.
type Cast struct {
	side         kafkaSide
	casts        map[string]change.Type // field -> target
	order        []string               // fields of casts in spec order
	whole        change.Type            // 0 unless the spec casts the whole value
	replaceNulls bool
}

// The types Cast reads and writes, in Kafka's enum order.
var (
	castInputs  = []change.Type{change.Int8, change.Int16, change.Int32, change.Int64, change.Float32, change.Float64, change.Boolean, change.String, change.Bytes}
	castOutputs = castInputs[:8]
)

func init() {
	kafkaClasses("Cast", []configdef.Key{
		kafkaSMTKey("spec", configdef.List, nil, configdef.High,
			"List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string."),
		kafkaSMTKey("replace.null.with.default", configdef.Boolean, configdef.Def("true"), configdef.Medium,
			"Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
	}, func(c *Config, side kafkaSide) Transform {
		t := &Cast{side: side, replaceNulls: c.Bool("replace.null.with.default", true)}
		if c.Has("spec") {
			if err := t.parseSpec(javaList(c.Props["spec"])); err != nil {
				c.errs = append(c.errs, fmt.Errorf("%s: %w", c.Key("spec"), err))
			}
		} else {
			c.Required("spec")
		}
		return t
	})
}

// javaList splits a LIST value as Kafka's ConfigDef does: the trimmed
// value split at commas with the blanks around them, empty items kept; an
// empty value is an empty list.
func javaList(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// javaTypeName is a Connect type as Kafka's Schema.Type enum names it.
func javaTypeName(t change.Type) string {
	if t == change.Float32 {
		return "FLOAT32"
	}
	if t == change.Float64 {
		return "FLOAT64"
	}
	return strings.ToUpper(t.String())
}

func javaTypeList(ts []change.Type) string {
	n := make([]string, len(ts))
	for i, t := range ts {
		n[i] = javaTypeName(t)
	}
	return "[" + strings.Join(n, ", ") + "]"
}

// castType reads a type of the spec as Schema.Type.valueOf(upper case).
func castType(s string) (change.Type, error) {
	up := strings.ToUpper(strings.TrimSpace(s))
	for t := change.Int8; t <= change.Struct; t++ {
		if javaTypeName(t) == up {
			for _, o := range castOutputs {
				if o == t {
					return t, nil
				}
			}
			return 0, fmt.Errorf("Cast transformation does not support casting to %s; supported types are %s", up, javaTypeList(castOutputs))
		}
	}
	return 0, fmt.Errorf("Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.%s for configuration Invalid type found in casting spec: %s", up, strings.TrimSpace(s))
}

// parseSpec is Cast.parseFieldTypes, with its messages.
func (t *Cast) parseSpec(mappings []string) error {
	if len(mappings) == 0 {
		return errors.New("Must specify at least one field to cast.")
	}
	t.casts = map[string]change.Type{}
	whole := false
	for _, m := range mappings {
		parts := strings.Split(m, ":")
		for len(parts) > 0 && parts[len(parts)-1] == "" { // Java's String.split drops trailing empties
			parts = parts[:len(parts)-1]
		}
		switch len(parts) {
		case 0, 1:
			name := ""
			if len(parts) == 1 {
				name = parts[0]
			}
			typ, err := castType(name)
			if err != nil {
				return err
			}
			t.whole, whole = typ, true
		case 2:
			typ, err := castType(parts[1])
			if err != nil {
				return err
			}
			f := strings.TrimSpace(parts[0])
			if _, dup := t.casts[f]; !dup {
				t.order = append(t.order, f)
			}
			t.casts[f] = typ
		default:
			return fmt.Errorf("Invalid value [%s] for configuration renames: Invalid rename mapping: %s", strings.Join(mappings, ", "), m)
		}
	}
	if whole && len(mappings) > 1 {
		return errors.New("Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec")
	}
	return nil
}

// Apply implements Transform.
func (t *Cast) Apply(r *change.Record) (*change.Record, error) {
	v, schema := t.side.value(r), t.side.schema(r)
	if isNull(v) {
		return r, nil
	}
	if schema == nil {
		if t.whole != 0 {
			out, err := castValue(nil, v, t.whole)
			if err != nil {
				return nil, err
			}
			return t.side.with(r, nil, out), nil
		}
		m, err := requireMap(v, "cast types")
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m)+len(t.order))
		for k, x := range m {
			out[k] = x
		}
		for _, f := range t.order {
			if out[f], err = castValue(nil, m[f], t.casts[f]); err != nil {
				return nil, err
			}
		}
		return t.side.with(r, nil, out), nil
	}
	newSchema, err := t.schema(schema)
	if err != nil {
		return nil, err
	}
	if t.whole != 0 {
		out, err := castValue(schema, v, t.whole)
		if err != nil {
			return nil, err
		}
		return t.side.with(r, newSchema, out), nil
	}
	sv, err := requireStruct(v, "cast types")
	if err != nil {
		return nil, err
	}
	out := make(change.StructValue, len(schema.Fields))
	for i := range schema.Fields {
		var x any
		if t.replaceNulls {
			x = structGet(schema, sv, i)
		} else if i < len(sv) {
			x = sv[i]
		}
		if typ, ok := t.casts[schema.Fields[i].Name]; ok {
			if x, err = castValue(&schema.Fields[i], x, typ); err != nil {
				return nil, err
			}
		}
		out[i] = x
	}
	return t.side.with(r, newSchema, out), nil
}

// schema is Cast.getOrBuildSchema.
func (t *Cast) schema(s *change.Field) (*change.Field, error) {
	var out *change.Field
	if t.whole != 0 {
		out = copySchemaBasics(s, t.whole)
	} else {
		out = copySchemaBasics(s, change.Struct)
		out.Fields = make([]change.Field, len(s.Fields))
		for i, f := range s.Fields {
			typ, ok := t.casts[f.Name]
			if !ok {
				out.Fields[i] = f
				continue
			}
			nf := change.Field{Name: f.Name, Type: typ, Optional: f.Optional}
			if f.Default != nil {
				d, err := castValue(&s.Fields[i], f.Default, typ)
				if err != nil {
					return nil, err
				}
				nf.Default = d
			}
			out.Fields[i] = nf
		}
	}
	out.Optional = s.Optional
	if s.Default != nil {
		d, err := castValue(s, s.Default, out.Type)
		if err != nil {
			return nil, err
		}
		out.Default = d
	}
	return out, nil
}

// castValue is Cast.castValueToType: v, of schema s (nil when
// schemaless), as target.
func castValue(s *change.Field, v any, target change.Type) (any, error) {
	if isNull(v) {
		return nil, nil
	}
	var in change.Type
	if s != nil {
		in = s.Type
	} else {
		in = inferType(v)
		if in == 0 {
			return nil, fmt.Errorf("Cast transformation was passed a value of type class %s which is not supported by Connect's data API", javaClassName(v))
		}
	}
	ok := false
	for _, c := range castInputs {
		ok = ok || c == in
	}
	if !ok {
		return nil, fmt.Errorf("Cast transformation does not support casting from %s; supported types are %s", javaTypeName(in), javaTypeList(castInputs))
	}
	n := javaNumberOf(s, v)
	if target == change.String {
		return castToString(s, v, n), nil
	}
	switch x := v.(type) {
	case bool:
		b := int64(0)
		if x {
			b = 1
		}
		n = &javaNum{i: b, isInt: true}
	case string:
		return parseJavaNumber(x, target)
	}
	if n == nil {
		return nil, fmt.Errorf("Unexpected type in Cast transformation: class %s", javaClassName(v))
	}
	return n.as(target), nil
}

// inferType is ConnectSchema.schemaType for a schemaless value.
func inferType(v any) change.Type {
	switch v.(type) {
	case int8:
		return change.Int8
	case int16:
		return change.Int16
	case int32:
		return change.Int32
	case int64:
		return change.Int64
	case float32:
		return change.Float32
	case float64:
		return change.Float64
	case bool:
		return change.Boolean
	case string:
		return change.String
	case []byte:
		return change.Bytes
	case []any:
		return change.Array
	case map[string]any, change.MapValue:
		return change.Map
	case change.StructValue:
		return change.Struct
	}
	return 0
}

// javaNum is a java.lang.Number: an integer (i), a floating point
// number (f), or a BigDecimal (dec, a Connect Decimal).
type javaNum struct {
	i     int64
	f     float64
	isInt bool
	f32   bool
	dec   *big.Rat
	bi    *big.Int // dec's integer part, for the integer conversions
}

// javaNumberOf returns v as a Number, or nil when it is not one.
func javaNumberOf(s *change.Field, v any) *javaNum {
	switch x := v.(type) {
	case int8:
		return &javaNum{i: int64(x), isInt: true}
	case int16:
		return &javaNum{i: int64(x), isInt: true}
	case int32:
		return &javaNum{i: int64(x), isInt: true}
	case int64:
		return &javaNum{i: x, isInt: true}
	case float32:
		return &javaNum{f: float64(x), f32: true}
	case float64:
		return &javaNum{f: x}
	case []byte:
		if s != nil && s.Logical == connectDecimalName {
			scale, _ := strconv.Atoi(s.Param("scale"))
			unscaled := bigFromJavaBytes(x)
			r := new(big.Rat).SetInt(unscaled)
			p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(scale))), nil)
			if scale >= 0 {
				r.Quo(r, new(big.Rat).SetInt(p))
			} else {
				r.Mul(r, new(big.Rat).SetInt(p))
			}
			bi := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero, as BigDecimal.toBigInteger
			return &javaNum{dec: r, bi: bi}
		}
	}
	return nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// bigFromJavaBytes reads big-endian two's complement bytes.
func bigFromJavaBytes(b []byte) *big.Int {
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}

// long is Number.longValue.
func (n *javaNum) long() int64 {
	switch {
	case n.isInt:
		return n.i
	case n.dec != nil:
		return int64(new(big.Int).And(n.bi, new(big.Int).SetUint64(math.MaxUint64)).Uint64())
	}
	return javaD2L(n.f)
}

// int is Number.intValue.
func (n *javaNum) int() int32 {
	if n.isInt || n.dec != nil {
		return int32(n.long())
	}
	return javaD2I(n.f)
}

func (n *javaNum) float64() float64 {
	switch {
	case n.isInt:
		return float64(n.i)
	case n.dec != nil:
		f, _ := n.dec.Float64()
		return f
	}
	return n.f
}

func (n *javaNum) float32() float32 {
	switch {
	case n.isInt:
		return float32(n.i)
	case n.dec != nil:
		f, _ := n.dec.Float32()
		return f
	}
	return float32(n.f)
}

// as converts n as Number.byteValue, shortValue, ... do.
func (n *javaNum) as(target change.Type) any {
	switch target {
	case change.Int8:
		return int8(n.int())
	case change.Int16:
		return int16(n.int())
	case change.Int32:
		return n.int()
	case change.Int64:
		return n.long()
	case change.Float32:
		return n.float32()
	case change.Float64:
		return n.float64()
	case change.Boolean:
		return n.long() != 0
	}
	return nil
}

// javaD2I and javaD2L are Java's saturating double-to-int and -long casts.
func javaD2I(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// parseJavaNumber casts a string as Byte.parseByte, Short.parseShort,
// Integer.parseInt, Long.parseLong, Float.parseFloat, Double.parseDouble
// and Boolean.parseBoolean read it.
func parseJavaNumber(s string, target change.Type) (any, error) {
	outOfRange := fmt.Errorf("Value (%s) was out of range for requested data type", s)
	switch target {
	case change.Boolean:
		return strings.EqualFold(s, "true"), nil
	case change.Float32, change.Float64:
		f, ok := parseJavaDouble(s, target == change.Float32)
		if !ok {
			return nil, outOfRange
		}
		if target == change.Float32 {
			return float32(f), nil
		}
		return f, nil
	}
	bits := map[change.Type]int{change.Int8: 8, change.Int16: 16, change.Int32: 32, change.Int64: 64}[target]
	// Java's parsers take an optional sign and ASCII or Unicode digits, no blanks.
	if s == "" || strings.ContainsAny(s, " \t\n_") || strings.HasPrefix(s, "0x") {
		return nil, outOfRange
	}
	i, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nil, outOfRange
	}
	switch target {
	case change.Int8:
		return int8(i), nil
	case change.Int16:
		return int16(i), nil
	case change.Int32:
		return int32(i), nil
	}
	return i, nil
}

// parseJavaDouble is Double.parseDouble (or Float.parseFloat): blanks
// around are ignored, NaN and Infinity are spelled as Java spells them, a
// trailing f, F, d or D is allowed; hexadecimal literals are not read.
func parseJavaDouble(s string, f32 bool) (float64, bool) {
	s = strings.Trim(s, " \t\n\r\f\v\x00")
	sign := ""
	body := s
	if strings.HasPrefix(body, "+") || strings.HasPrefix(body, "-") {
		sign, body = body[:1], body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if sign == "-" {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(body); n > 0 && strings.ContainsRune("fFdD", rune(body[n-1])) {
		body = body[:n-1]
	}
	if !javaBigDecimal.MatchString(body) {
		return 0, false
	}
	bits := 64
	if f32 {
		bits = 32
	}
	f, err := strconv.ParseFloat(sign+body, bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// castToString is Cast.castToString: Java's toString of the value, base64
// for bytes, ISO 8601 for a Connect Date, Time or Timestamp (Values.dateFormatFor).
func castToString(s *change.Field, v any, n *javaNum) string {
	if s != nil {
		switch s.Logical {
		case connectDateName, connectTimeName, connectTimestampName:
			var ms int64
			switch x := v.(type) {
			case int32:
				ms = int64(x)
				if s.Logical == connectDateName {
					ms *= 86400000
				}
			case int64:
				ms = x
			}
			return javaDateFormatFor(ms)
		case connectDecimalName:
			if n != nil && n.dec != nil {
				scale, _ := strconv.Atoi(s.Param("scale"))
				b := v.([]byte)
				x := bigFromJavaBytes(b)
				d := change.Decimal{Neg: x.Sign() < 0, Digits: new(big.Int).Abs(x).String(), Scale: int32(scale)}
				return d.JavaString()
			}
		}
	}
	switch x := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return string(change.AppendJavaFloat(nil, float64(x), 32))
	case float64:
		return string(change.AppendJavaFloat(nil, x, 64))
	case int8, int16, int32, int64:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

// javaDateFormatFor formats epoch milliseconds as Values.dateFormatFor
// picks the pattern (in UTC): a time of day below one day, a date at
// midnight, else a timestamp.
func javaDateFormatFor(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	switch {
	case ms < 86400000:
		return t.Format("15:04:05.000Z")
	case ms%86400000 == 0:
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}
