package transforms

import (
	"fmt"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// kafkaSide is the part of a record a $Key or $Value variant of Kafka's
// transforms works on.
type kafkaSide bool

const (
	onKey   kafkaSide = true
	onValue kafkaSide = false
)

func (s kafkaSide) schema(r *change.Record) *change.Field {
	if s == onKey {
		return r.KeySchema
	}
	return r.ValueSchema
}

func (s kafkaSide) value(r *change.Record) any {
	if s == onKey {
		return r.Key
	}
	return r.Value
}

// with returns a copy of r with this side replaced.
func (s kafkaSide) with(r *change.Record, schema *change.Field, value any) *change.Record {
	out := *r
	if s == onKey {
		out.KeySchema, out.Key = schema, value
	} else {
		out.ValueSchema, out.Value = schema, value
	}
	return &out
}

// kafkaClasses registers the $Key and $Value classes of a Kafka transform.
func kafkaClasses(base string, keys []configdef.Key, newT func(c *Config, side kafkaSide) Transform) {
	for _, v := range []struct {
		suffix string
		side   kafkaSide
	}{{"$Key", onKey}, {"$Value", onValue}} {
		Register(Plugin{
			Class:   "org.apache.kafka.connect.transforms." + base + v.suffix,
			Kind:    KindTransformation,
			Version: KafkaVersion,
			Keys:    keys,
			New:     func(c *Config) (Transform, error) { return newT(c, v.side), nil },
		})
	}
}

// isNull reports whether v is a null Connect value (a nil, or a nil
// StructValue, MapValue, []any or []byte).
func isNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case change.StructValue:
		return x == nil
	case change.MapValue:
		return x == nil
	case []any:
		return x == nil
	case map[string]any:
		return x == nil
	}
	return false
}

// javaClassName is the Java class Kafka Connect would hold v as, for the
// "found: <class>" of its DataExceptions.
func javaClassName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "java.lang.Boolean"
	case int8:
		return "java.lang.Byte"
	case int16:
		return "java.lang.Short"
	case int32:
		return "java.lang.Integer"
	case int64:
		return "java.lang.Long"
	case float32:
		return "java.lang.Float"
	case float64:
		return "java.lang.Double"
	case string:
		return "java.lang.String"
	case []byte:
		return "[B"
	case []any:
		return "java.util.ArrayList"
	case change.StructValue:
		return "org.apache.kafka.connect.data.Struct"
	case map[string]any, change.MapValue:
		return "java.util.HashMap"
	}
	return fmt.Sprintf("%T", v)
}

// requireStruct is Kafka's Requirements.requireStruct.
func requireStruct(v any, purpose string) (change.StructValue, error) {
	s, ok := v.(change.StructValue)
	if !ok || s == nil {
		return nil, fmt.Errorf("Only Struct objects supported for [%s], found: %s", purpose, javaClassName(v))
	}
	return s, nil
}

// requireMap is Kafka's Requirements.requireMap for a schemaless value.
func requireMap(v any, purpose string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok || m == nil {
		return nil, fmt.Errorf("Only Map objects supported in absence of schema for [%s], found: %s", purpose, javaClassName(v))
	}
	return m, nil
}

// requireSchema is Kafka's Requirements.requireSchema.
func requireSchema(s *change.Field, purpose string) error {
	if s == nil {
		return fmt.Errorf("Schema required for [%s]", purpose)
	}
	return nil
}

// structGet is Kafka's Struct.get(Field): member i of v, or the member
// schema's default when the member is null.
func structGet(schema *change.Field, v change.StructValue, i int) any {
	var x any
	if i < len(v) {
		x = v[i]
	}
	if isNull(x) && schema.Fields[i].Default != nil {
		return schema.Fields[i].Default
	}
	return x
}

// copySchemaBasics is Kafka's SchemaUtil.copySchemaBasics: a new schema of
// type typ (an array keeps its element schema) with orig's name, version,
// doc and parameters; not optional, no default.
func copySchemaBasics(orig *change.Field, typ change.Type) *change.Field {
	f := &change.Field{Type: typ, Logical: orig.Logical, Version: orig.Version, Doc: orig.Doc, Params: orig.Params}
	if typ == change.Array && orig.Type == change.Array {
		f.Elem = orig.Elem
	}
	return f
}

// invalidValue is ConnectSchema.validateValue's check of v against schema
// s itself (not its elements or members): it returns Connect's
// DataException text, or "" when v fits. location is how the message names
// the place (`field: "name"`, "value"), class names v's Java class.
// A Row is a Struct and a map[string]any a Map, as Java's Struct and Map
// classes cover both of Go's representations.
func invalidValue(s *change.Field, v any, location string, class func(any) string) string {
	if v == nil {
		if s.Optional {
			return ""
		}
		return fmt.Sprintf("Invalid value: null used for required %s, schema type: %s", location, javaTypeName(s.Type))
	}
	ok := false
	switch s.Type {
	case change.Int8:
		_, ok = v.(int8)
	case change.Int16:
		_, ok = v.(int16)
	case change.Int32:
		_, ok = v.(int32)
	case change.Int64:
		_, ok = v.(int64)
	case change.Float32:
		_, ok = v.(float32)
	case change.Float64:
		_, ok = v.(float64)
	case change.Boolean:
		_, ok = v.(bool)
	case change.String:
		_, ok = v.(string)
	case change.Bytes:
		_, ok = v.([]byte)
	case change.Array:
		_, ok = v.([]any)
	case change.Map:
		switch v.(type) {
		case change.MapValue, map[string]any:
			ok = true
		}
	case change.Struct:
		_, ok = structOf(v)
	}
	if ok {
		return ""
	}
	named := ""
	if s.Logical != "" {
		named = ` "` + s.Logical + `"`
	}
	return fmt.Sprintf("Invalid Java object for schema%s with type %s: class %s for %s", named, javaTypeName(s.Type), class(v), location)
}
