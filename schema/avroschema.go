package schema

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The Connect logical types that Confluent's AvroData maps to Avro logical
// types. Debezium's io.debezium.* logical types have no Avro counterpart and
// stay their base Avro type, named by connect.name.
const (
	connectDecimal   = "org.apache.kafka.connect.data.Decimal"
	connectDate      = "org.apache.kafka.connect.data.Date"
	connectTime      = "org.apache.kafka.connect.data.Time"
	connectTimestamp = "org.apache.kafka.connect.data.Timestamp"

	// avroDefaultNamespace and avroDefaultName name a struct schema without
	// a name, as AvroData does (ConnectDefault, ConnectDefault2, ...).
	avroDefaultNamespace = "io.confluent.connect.avro"
	avroDefaultName      = "ConnectDefault"
	// decimalDefaultPrecision is AvroData's precision for a Decimal without
	// connect.decimal.precision.
	decimalDefaultPrecision = 64
)

// avroSchemaGen writes the Avro schema of a Connect schema as Confluent's
// AvroData.fromConnectSchema builds it (connect.meta.data=true, the
// converter's defaults) and as Avro's Java Schema.toString() prints it, so
// the text sluice registers is the text a Kafka Connect worker running
// Debezium with the AvroConverter registers:
//
//   - int8 and int16 are "int" with "connect.type"; int32 "int", int64
//     "long", float32 "float", float64 "double", boolean, string, bytes;
//     arrays "array"; structs records named by the Connect name split at its
//     last dot into namespace and name.
//   - Every non-union schema carries, in this order, connect.doc,
//     connect.version, connect.parameters, connect.default, connect.name,
//     connect.type; a Decimal's bytes start with "scale" and "precision"
//     and end with "logicalType":"decimal"; Connect's Date, Time and
//     Timestamp get "date", "time-millis" and "timestamp-millis".
//   - An optional schema is the union ["null", T] with field default null,
//     or [T, "null"] with the Connect default when it has one.
//   - A named record is defined once; later uses are references by name,
//     written relative to the enclosing namespace as Avro does.
type avroSchemaGen struct {
	b       []byte
	space   string                   // the enclosing namespace
	defined map[string]*change.Field // records already written, by full name
	unnamed int                      // structs without a name seen so far

	// names holds the full record name of every struct schema, keyed by
	// the Field it was built from, for the value encoder's union tags.
	names map[*change.Field]string
}

// avroSchemaText returns the Avro schema of f as JSON text, and the full
// record name of each struct in it.
func avroSchemaText(f *change.Field) (string, map[*change.Field]string, error) {
	g := &avroSchemaGen{defined: map[string]*change.Field{}, names: map[*change.Field]string{}}
	if err := g.schema(f, f.Optional); err != nil {
		return "", nil, err
	}
	return string(g.b), g.names, nil
}

// schema appends f's Avro schema; optional makes it a union with null.
func (g *avroSchemaGen) schema(f *change.Field, optional bool) error {
	if !optional {
		return g.base(f)
	}
	// AvroData keeps the default on the first branch: [T, "null"] when
	// there is a default, else ["null", T].
	if f.Default != nil {
		g.b = append(g.b, '[')
		if err := g.base(f); err != nil {
			return err
		}
		g.b = append(g.b, `,"null"]`...)
		return nil
	}
	g.b = append(g.b, `["null",`...)
	if err := g.base(f); err != nil {
		return err
	}
	g.b = append(g.b, ']')
	return nil
}

// base appends f's schema without its optionality.
func (g *avroSchemaGen) base(f *change.Field) error {
	if f.Type == change.Struct {
		return g.record(f)
	}
	var prim, connectType string
	switch f.Type {
	case change.Int8:
		prim, connectType = "int", "int8"
	case change.Int16:
		prim, connectType = "int", "int16"
	case change.Int32:
		prim = "int"
	case change.Int64:
		prim = "long"
	case change.Float32:
		prim = "float"
	case change.Float64:
		prim = "double"
	case change.Boolean:
		prim = "boolean"
	case change.String:
		prim = "string"
	case change.Bytes:
		prim = "bytes"
	case change.Array:
		if f.Elem == nil {
			return fmt.Errorf("%w: array schema without an element schema", ErrValue)
		}
	case change.Map:
		if f.KeyElem == nil || f.Elem == nil {
			return fmt.Errorf("%w: map schema without a key or value schema", ErrValue)
		}
	default:
		return fmt.Errorf("%w: unknown schema type %d", ErrValue, f.Type)
	}

	start := len(g.b)
	g.b = append(g.b, `{"type":`...)
	switch {
	case f.Type == change.Array:
		g.b = append(g.b, `"array","items":`...)
		if err := g.schema(f.Elem, f.Elem.Optional); err != nil {
			return fmt.Errorf("items: %w", err)
		}
	case f.Type == change.Map && stringKeys(f):
		g.b = append(g.b, `"map","values":`...)
		if err := g.schema(f.Elem, f.Elem.Optional); err != nil {
			return fmt.Errorf("values: %w", err)
		}
	case f.Type == change.Map:
		g.b = append(g.b, `"array","items":`...)
		if err := g.mapEntry(f); err != nil {
			return err
		}
	default:
		g.b = appendString(g.b, prim)
	}
	n := len(g.b)

	var precision, scale int
	isDecimal := f.Type == change.Bytes && strings.EqualFold(f.Logical, connectDecimal)
	if isDecimal {
		var err error
		if scale, err = strconv.Atoi(f.Param("scale")); err != nil {
			return fmt.Errorf("%w: decimal schema with scale %q", ErrValue, f.Param("scale"))
		}
		precision = decimalDefaultPrecision
		if p := f.Param("connect.decimal.precision"); p != "" {
			if precision, err = strconv.Atoi(p); err != nil {
				return fmt.Errorf("%w: decimal schema with connect.decimal.precision %q", ErrValue, p)
			}
		}
		g.b = append(g.b, `,"scale":`...)
		g.b = strconv.AppendInt(g.b, int64(scale), 10)
		g.b = append(g.b, `,"precision":`...)
		g.b = strconv.AppendInt(g.b, int64(precision), 10)
	}
	if err := g.connectProps(f); err != nil {
		return err
	}
	if connectType != "" {
		g.b = append(g.b, `,"connect.type":`...)
		g.b = appendString(g.b, connectType)
	}
	switch {
	case isDecimal:
		// AvroData adds the logical type whether or not the decimal is a
		// valid Avro decimal (its "legacy" path for a scale outside
		// 0..precision writes the same property).
		g.b = append(g.b, `,"logicalType":"decimal"`...)
	case strings.EqualFold(f.Logical, connectDate) && f.Type == change.Int32:
		g.b = append(g.b, `,"logicalType":"date"`...)
	case strings.EqualFold(f.Logical, connectTime) && f.Type == change.Int32:
		g.b = append(g.b, `,"logicalType":"time-millis"`...)
	case strings.EqualFold(f.Logical, connectTimestamp) && f.Type == change.Int64:
		g.b = append(g.b, `,"logicalType":"timestamp-millis"`...)
	}
	g.avroParams(f)
	if f.Type != change.Array && f.Type != change.Map && len(g.b) == n {
		// No properties: Avro writes a bare primitive as its name.
		g.b = appendString(g.b[:start], prim)
		return nil
	}
	g.b = append(g.b, '}')
	return nil
}

// connectProps appends AvroData's connect.* properties of f (without
// connect.type), each preceded by a comma.
func (g *avroSchemaGen) connectProps(f *change.Field) error {
	if f.Doc != "" {
		g.b = append(g.b, `,"connect.doc":`...)
		g.b = appendString(g.b, f.Doc)
	}
	if f.Version != 0 {
		g.b = append(g.b, `,"connect.version":`...)
		g.b = strconv.AppendInt(g.b, int64(f.Version), 10)
	}
	if len(f.Params) > 0 {
		g.b = append(g.b, `,"connect.parameters":{`...)
		for i, p := range f.Params {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.b = appendString(g.b, p.Key)
			g.b = append(g.b, ':')
			g.b = appendString(g.b, p.Value)
		}
		g.b = append(g.b, '}')
	}
	if f.Default != nil {
		g.b = append(g.b, `,"connect.default":`...)
		var err error
		if g.b, err = appendAvroDefaultAs(g.b, f, f.Default, true); err != nil {
			return fmt.Errorf("default: %w", err)
		}
	}
	if f.Logical != "" {
		g.b = append(g.b, `,"connect.name":`...)
		g.b = appendString(g.b, f.Logical)
	}
	return nil
}

// avroParams appends the parameters whose key starts with "avro" as
// properties of their own, as AvroData does.
func (g *avroSchemaGen) avroParams(f *change.Field) {
	for _, p := range f.Params {
		if strings.HasPrefix(p.Key, "avro") {
			g.b = append(g.b, ',')
			g.b = appendString(g.b, p.Key)
			g.b = append(g.b, ':')
			g.b = appendString(g.b, p.Value)
		}
	}
}

// splitAvroName splits a Connect schema name at its last dot into an Avro
// namespace and name, as AvroData.splitName does.
func splitAvroName(full string) (space, name string) {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

// record appends the record of struct schema f, or a reference to it when
// a record of the same name was written before.
func (g *avroSchemaGen) record(f *change.Field) error {
	full := f.Logical
	space, name := splitAvroName(full)
	if full == "" {
		g.unnamed++
		space, name = avroDefaultNamespace, avroDefaultName
		if g.unnamed > 1 {
			name += strconv.Itoa(g.unnamed)
		}
		full = space + "." + name
	}
	g.names[f] = full
	if prev, ok := g.defined[full]; ok {
		if !sameConnectSchema(prev, f) {
			return fmt.Errorf("%w: two different struct schemas are both named %q; Avro needs one definition per name", ErrValue, full)
		}
		g.b = appendString(g.b, g.qualified(space, name))
		return nil
	}
	g.defined[full] = f

	g.b = append(g.b, `{"type":"record","name":`...)
	g.b = appendString(g.b, name)
	if space != g.space {
		g.b = append(g.b, `,"namespace":`...)
		g.b = appendString(g.b, space)
	}
	saved := g.space
	g.space = space
	g.b = append(g.b, `,"fields":[`...)
	for i := range f.Fields {
		if i > 0 {
			g.b = append(g.b, ',')
		}
		if err := g.field(&f.Fields[i]); err != nil {
			return fmt.Errorf("%s: %w", f.Fields[i].Name, err)
		}
	}
	g.b = append(g.b, ']')
	g.space = saved
	if err := g.connectProps(f); err != nil {
		return err
	}
	g.avroParams(f)
	g.b = append(g.b, '}')
	return nil
}

// qualified returns how Avro's Java writer refers to a named type from
// inside namespace g.space: its short name in the same namespace (unless
// that is the name of a primitive type), else its full name.
func (g *avroSchemaGen) qualified(space, name string) string {
	if space == g.space {
		switch name {
		case "null", "boolean", "int", "long", "float", "double", "bytes", "string",
			"record", "enum", "array", "map", "union", "fixed":
		default:
			return name
		}
	}
	if space == "" {
		return name
	}
	return space + "." + name
}

// field appends f as a record field: name, type, and the default AvroData
// gives it (the Connect default, else null when optional).
func (g *avroSchemaGen) field(f *change.Field) error {
	g.b = append(g.b, `{"name":`...)
	g.b = appendString(g.b, f.Name)
	g.b = append(g.b, `,"type":`...)
	if err := g.schema(f, f.Optional); err != nil {
		return err
	}
	switch {
	case nonNumber(f.Default):
		// AvroData writes a NaN or infinite float default as a string
		// ("default":"NaN", measured with Debezium 3.6.1 through the
		// Apicurio AvroConverter), which Avro's default validation refuses:
		// Apicurio's Confluent-compatible API answers 422 and twmb/avro
		// cannot parse it. The field gets no default; its connect.default
		// still says "NaN".
	case f.Default != nil:
		g.b = append(g.b, `,"default":`...)
		var err error
		if g.b, err = appendAvroDefault(g.b, f, f.Default); err != nil {
			return fmt.Errorf("default: %w", err)
		}
	case f.Optional:
		g.b = append(g.b, `,"default":null`...)
	}
	g.b = append(g.b, '}')
	return nil
}

// nonNumber reports whether v is a float NaN or infinity.
func nonNumber(v any) bool {
	var x float64
	switch y := v.(type) {
	case float32:
		x = float64(y)
	case float64:
		x = y
	default:
		return false
	}
	return math.IsNaN(x) || math.IsInf(x, 0)
}

// appendAvroDefault appends v, a value of f, as AvroData writes a field's
// default (defaultValueFromConnect): numbers and booleans as JSON, strings
// as strings, bytes as a string of the ISO-8859-1 characters of its bytes
// (Avro's form of a bytes default), arrays as arrays and structs as objects.
func appendAvroDefault(b []byte, f *change.Field, v any) ([]byte, error) {
	return appendAvroDefaultAs(b, f, v, false)
}

// appendAvroDefaultAs is appendAvroDefault; prop writes the connect.default
// property instead, the same JSON node printed by Jackson rather than by
// Avro, so bytes are standard base64 (measured: Debezium 3.6.1 through the
// Apicurio AvroConverter registers "connect.default":"AJY=" and
// "default":"\u0000\u0096" for numeric(6,2) DEFAULT 1.50).
func appendAvroDefaultAs(b []byte, f *change.Field, v any, prop bool) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch f.Type {
	case change.Boolean, change.Int8, change.Int16, change.Int32, change.Int64, change.String:
		return appendValue(b, f, v)
	case change.Float32, change.Float64:
		var x float64
		switch y := v.(type) {
		case float32:
			x = float64(y)
		case float64:
			x = y
		default:
			return b, fmt.Errorf("%w: %T in a %s field", ErrValue, v, f.Type)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			// Jackson writes the non-numbers as strings; measured: Debezium
			// 3.6.1 through the Apicurio AvroConverter registers
			// "connect.default":"NaN" and "default":"NaN" for real DEFAULT
			// 'NaN', "-Infinity" for float8 DEFAULT '-Infinity'.
			switch {
			case math.IsNaN(x):
				return append(b, `"NaN"`...), nil
			case x > 0:
				return append(b, `"Infinity"`...), nil
			default:
				return append(b, `"-Infinity"`...), nil
			}
		}
		bits := 64
		if f.Type == change.Float32 {
			bits = 32
		}
		return appendJavaFloat(b, x, bits), nil
	case change.Bytes:
		x, ok := v.([]byte)
		if !ok {
			return b, fmt.Errorf("%w: %T in a bytes field", ErrValue, v)
		}
		if prop {
			return appendValue(b, f, x)
		}
		runes := make([]rune, len(x))
		for i, c := range x {
			runes[i] = rune(c)
		}
		return appendString(b, string(runes)), nil
	case change.Array:
		xs, ok := v.([]any)
		if !ok || f.Elem == nil {
			return b, fmt.Errorf("%w: %T in an array field", ErrValue, v)
		}
		b = append(b, '[')
		for i, x := range xs {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendAvroDefaultAs(b, f.Elem, x, prop); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case change.Struct:
		xs, ok := v.(change.StructValue)
		if !ok || len(xs) != len(f.Fields) {
			return b, fmt.Errorf("%w: %T in a struct field", ErrValue, v)
		}
		b = append(b, '{')
		for i := range f.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			m := &f.Fields[i]
			b = appendString(b, m.Name)
			b = append(b, ':')
			x := xs[i]
			if x == nil {
				x = m.Default // Connect's Struct.get gives a member's default for null
			}
			var err error
			if b, err = appendAvroDefaultAs(b, m, x, prop); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	return b, fmt.Errorf("%w: no Avro default for a %s field", ErrValue, f.Type)
}

// sameConnectSchema reports whether two struct schemas are the same Connect
// schema apart from their member name and optionality (Connect's
// ConnectSchema.equals on the non-optional schema).
func sameConnectSchema(a, b *change.Field) bool {
	if a.Type != b.Type || a.Logical != b.Logical || a.Version != b.Version || a.Doc != b.Doc ||
		!reflect.DeepEqual(a.Params, b.Params) || !sameDefault(a.Default, b.Default) ||
		len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		x, y := &a.Fields[i], &b.Fields[i]
		if x.Name != y.Name || x.Optional != y.Optional || !sameConnectSchema(x, y) {
			return false
		}
	}
	for _, p := range [][2]*change.Field{{a.Elem, b.Elem}, {a.KeyElem, b.KeyElem}} {
		if (p[0] == nil) != (p[1] == nil) {
			return false
		}
		if p[0] != nil && (p[0].Optional != p[1].Optional || !sameConnectSchema(p[0], p[1])) {
			return false
		}
	}
	return true
}

// sameDefault compares two defaults as Connect's equals does, where a NaN
// default equals itself (Float.equals), unlike Go's ==.
func sameDefault(a, b any) bool {
	if nonNumber(a) && nonNumber(b) {
		return fmt.Sprint(a) == fmt.Sprint(b) && reflect.TypeOf(a) == reflect.TypeOf(b)
	}
	return reflect.DeepEqual(a, b)
}

// stringKeys reports whether map schema f becomes an Avro map: AvroData
// makes one of a map whose keys are required strings, and an array of
// MapEntry records of any other.
func stringKeys(f *change.Field) bool {
	return f.KeyElem.Type == change.String && !f.KeyElem.Optional
}

// mapEntry appends the record AvroData makes for an entry of map schema f
// whose keys are not required strings: fields key and value, named
// io.confluent.connect.avro.MapEntry, or by the map's own name with the
// property connect.internal.type=MapEntry.
func (g *avroSchemaGen) mapEntry(f *change.Field) error {
	space, name, named := avroDefaultNamespace, "MapEntry", f.Logical != ""
	if named {
		space, name = splitAvroName(f.Logical)
	}
	full := name
	if space != "" {
		full = space + "." + name
	}
	key, value := *f.KeyElem, *f.Elem
	key.Name, value.Name = "key", "value"
	entry := &change.Field{Type: change.Struct, Logical: full, Fields: []change.Field{key, value}}
	if prev, ok := g.defined[full]; ok {
		if !sameConnectSchema(prev, entry) {
			return fmt.Errorf("%w: two different map entry schemas are both named %q; Avro needs one definition per name", ErrValue, full)
		}
		g.b = appendString(g.b, g.qualified(space, name))
		return nil
	}
	g.defined[full] = entry
	g.b = append(g.b, `{"type":"record","name":`...)
	g.b = appendString(g.b, name)
	if space != g.space {
		g.b = append(g.b, `,"namespace":`...)
		g.b = appendString(g.b, space)
	}
	saved := g.space
	g.space = space
	g.b = append(g.b, `,"fields":[`...)
	for i, m := range []*change.Field{&entry.Fields[0], &entry.Fields[1]} {
		if i > 0 {
			g.b = append(g.b, ',')
		}
		if err := g.field(m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	g.b = append(g.b, ']')
	g.space = saved
	// The value encoder looks struct names up by the map's own schemas.
	if n, ok := g.names[&entry.Fields[0]]; ok {
		g.names[f.KeyElem] = n
	}
	if n, ok := g.names[&entry.Fields[1]]; ok {
		g.names[f.Elem] = n
	}
	if named {
		g.b = append(g.b, `,"connect.internal.type":"MapEntry"`...)
	}
	g.b = append(g.b, '}')
	return nil
}
