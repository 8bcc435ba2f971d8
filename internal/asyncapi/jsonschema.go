package asyncapi

import (
	"math"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// jsonSchema returns the JSON Schema of the JSON Kafka Connect's
// JsonConverter writes for a value of Connect schema f (the payload, with
// decimal.format=BASE64): structs are objects with every member present,
// an optional schema also admits null, logical types are named in title
// and described, and the Connect type is kept in x-connect-type (and
// x-connect-name, x-connect-version, x-connect-parameters) for code
// generators. A nil f (a schemaless or null side) admits anything.
func jsonSchema(f *change.Field) map[string]any {
	if f == nil {
		return map[string]any{}
	}
	s := map[string]any{"x-connect-type": f.Type.String()}
	if f.Logical != "" {
		s["x-connect-name"] = f.Logical
		s["title"] = f.Logical
	}
	if f.Version != 0 {
		s["x-connect-version"] = f.Version
	}
	if len(f.Params) > 0 {
		p := map[string]any{}
		for _, kv := range f.Params {
			p[kv.Key] = kv.Value
		}
		s["x-connect-parameters"] = p
	}
	var typ string
	switch f.Type {
	case change.Int8, change.Int16, change.Int32:
		typ = "integer"
		bits := map[change.Type]int{change.Int8: 8, change.Int16: 16, change.Int32: 32}[f.Type]
		s["minimum"] = -math.Pow(2, float64(bits-1))
		s["maximum"] = math.Pow(2, float64(bits-1)) - 1
	case change.Int64:
		typ = "integer"
	case change.Float32, change.Float64:
		typ = "number"
	case change.Boolean:
		typ = "boolean"
	case change.String:
		typ = "string"
	case change.Bytes:
		typ = "string"
		s["contentEncoding"] = "base64"
	case change.Array:
		typ = "array"
		s["items"] = jsonSchema(f.Elem)
	case change.Map:
		if f.KeyElem != nil && f.KeyElem.Type == change.String {
			typ = "object"
			s["additionalProperties"] = jsonSchema(f.Elem)
		} else {
			typ = "array"
			s["items"] = map[string]any{"type": "array", "minItems": 2, "maxItems": 2,
				"items": []any{jsonSchema(f.KeyElem), jsonSchema(f.Elem)}}
		}
	case change.Struct:
		typ = "object"
		props := map[string]any{}
		req := []any{}
		for i := range f.Fields {
			m := &f.Fields[i]
			props[m.Name] = jsonSchema(m)
			req = append(req, m.Name)
		}
		s["properties"] = props
		s["required"] = req
		s["additionalProperties"] = false
	}
	if typ == "" {
		return map[string]any{}
	}
	if doc := logicalDoc(f); doc != "" {
		s["description"] = doc
	} else if f.Doc != "" {
		s["description"] = f.Doc
	}
	switch f.Logical {
	case "io.debezium.time.ZonedTimestamp":
		s["format"] = "date-time"
	case "io.debezium.data.Uuid":
		s["format"] = "uuid"
	case "io.debezium.data.Enum":
		if allowed := f.Param("allowed"); allowed != "" {
			var e []any
			for _, v := range strings.Split(allowed, ",") {
				e = append(e, v)
			}
			if f.Optional {
				e = append(e, nil)
			}
			s["enum"] = e
		}
	}
	if f.Optional {
		s["type"] = []any{typ, "null"}
	} else {
		s["type"] = typ
	}
	return s
}

// logicalDoc says how a logical type's values are written.
func logicalDoc(f *change.Field) string {
	switch f.Logical {
	case "org.apache.kafka.connect.data.Decimal":
		return "A decimal of scale " + f.Param("scale") + ": the base64 of its unscaled value, a big-endian two's-complement integer (decimal.handling.mode=precise)."
	case "org.apache.kafka.connect.data.Date", "io.debezium.time.Date":
		return "A date: days since 1970-01-01."
	case "org.apache.kafka.connect.data.Time", "io.debezium.time.Time":
		return "A time of day: milliseconds since midnight."
	case "io.debezium.time.MicroTime":
		return "A time of day: microseconds since midnight."
	case "io.debezium.time.NanoTime":
		return "A time of day: nanoseconds since midnight."
	case "org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Timestamp":
		return "A timestamp without time zone: milliseconds since the epoch."
	case "io.debezium.time.MicroTimestamp":
		return "A timestamp without time zone: microseconds since the epoch."
	case "io.debezium.time.NanoTimestamp":
		return "A timestamp without time zone: nanoseconds since the epoch."
	case "io.debezium.time.ZonedTimestamp":
		return "A timestamp with time zone, as ISO-8601 text in UTC."
	case "io.debezium.time.ZonedTime":
		return "A time with time zone, as ISO-8601 text in UTC."
	case "io.debezium.time.Year":
		return "A year."
	case "io.debezium.time.MicroDuration":
		return "An interval: microseconds."
	case "io.debezium.time.Interval":
		return "An interval, as ISO-8601 duration text."
	case "io.debezium.data.Json":
		return "A JSON document, as text."
	case "io.debezium.data.Xml":
		return "An XML document, as text."
	case "io.debezium.data.Uuid":
		return "A UUID, as text."
	case "io.debezium.data.Enum":
		return "An enumeration value; the allowed values are in x-connect-parameters.allowed."
	case "io.debezium.data.EnumSet":
		return "A set of enumeration values, comma-separated."
	case "io.debezium.data.Bits":
		return "A bit string: the base64 of its bytes, least significant byte first."
	case "io.debezium.data.VariableScaleDecimal":
		return "A decimal of any scale: its scale, and its unscaled value as in Decimal."
	}
	return ""
}
