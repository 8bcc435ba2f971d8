package transforms

import (
	"math/big"
	"strconv"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// MaskField is org.apache.kafka.connect.transforms.MaskField$Key and
// $Value: the listed fields of the struct (or schemaless map) get the
// "null value" of their Java class (false, 0, "", an empty list or map,
// epoch 0 for Connect's Date, Time and Timestamp, a zero Decimal), or with
// replacement that string converted to the class (numbers and strings
// only). A null field stays null; a schemaless map gets the listed fields
// that it lacks, as nulls. Kafka's transform has no null check, so a
// tombstone fails it, as in Kafka Connect.
type MaskField struct {
	side           kafkaSide
	fields         map[string]bool
	names          []string
	replacement    *string
	replaceNullDef bool
}

const maskPurpose = "mask fields"

// Apply masks the fields of r.
func (t *MaskField) Apply(r *change.Record) (*change.Record, error) {
	schema, v := t.side.schema(r), t.side.value(r)
	if schema == nil {
		m, err := requireMap(v, maskPurpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m)+len(t.names))
		for k, x := range m {
			out[k] = x
		}
		for _, name := range t.names {
			mv, err := t.mask(nil, m[name])
			if err != nil {
				return nil, err
			}
			out[name] = mv
		}
		return t.side.with(r, nil, out), nil
	}
	s, err := requireStruct(v, maskPurpose)
	if err != nil {
		return nil, err
	}
	out := make(change.StructValue, len(schema.Fields))
	for i := range schema.Fields {
		f := &schema.Fields[i]
		x := member(schema, s, i, t.replaceNullDef)
		if t.fields[f.Name] {
			if x, err = t.mask(f, x); err != nil {
				return nil, err
			}
		}
		out[i] = x
	}
	return t.side.with(r, schema, out), nil
}

// mask returns the masked form of v, whose schema is f (nil when
// schemaless).
func (t *MaskField) mask(f *change.Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	class := javaClass(f, v)
	if t.replacement != nil {
		return maskWith(f, v, class, *t.replacement)
	}
	switch class {
	case "java.util.Date":
		if _, ok := v.(int64); ok {
			return int64(0), nil
		}
		return int32(0), nil
	case "java.math.BigDecimal":
		return decimalFor(f, javaDecimal{unscaled: new(big.Int)})
	}
	switch v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case string:
		return "", nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case change.MapValue:
		return change.MapValue{}, nil
	}
	return nil, dataErrorf("Cannot mask value of type: class %s", class)
}

// maskWith converts replacement to v's class, as MaskField's replacement
// functions do (Values.convertTo* for numbers, new BigDecimal for
// decimals).
func maskWith(f *change.Field, v any, class, replacement string) (any, error) {
	if class == "java.math.BigDecimal" {
		d, ok := parseJavaDecimal(replacement)
		if !ok {
			return nil, dataErrorf("Unable to convert %s (class java.lang.String) to number", replacement)
		}
		return decimalFor(f, d)
	}
	if class == "java.util.Date" {
		return nil, dataErrorf("Cannot mask value of type class %s with custom replacement.", class)
	}
	switch v.(type) {
	case int8, int16, int32, int64:
		n, err := javaAsLong(replacement)
		if err != nil {
			return nil, err
		}
		switch v.(type) {
		case int8:
			return int8(n), nil
		case int16:
			return int16(n), nil
		case int32:
			return int32(n), nil
		}
		return n, nil
	case float32:
		d, err := javaAsDouble(replacement)
		return float32(d), err
	case float64:
		return javaAsDouble(replacement)
	case string:
		return replacement, nil
	}
	return nil, dataErrorf("Cannot mask value of type class %s with custom replacement.", class)
}

// decimalFor returns d as a value of Decimal schema f: its unscaled bytes.
// A scale other than the schema's is the error Kafka Connect's converters
// (Decimal.fromLogical) raise for the BigDecimal the transform made: a
// zero mask fails on every Decimal with a scale, as in Kafka Connect.
func decimalFor(f *change.Field, d javaDecimal) (any, error) {
	scale, _ := strconv.ParseInt(f.Param("scale"), 10, 32)
	if d.scale != scale {
		return nil, dataErrorf("Decimal value has mismatching scale for given Decimal schema. Schema has scale %d, value has scale %d.", scale, d.scale)
	}
	return twosComplement(d.unscaled), nil
}

func newMaskField(c *Config, s kafkaSide) (Transform, error) {
	t := &MaskField{side: s, fields: map[string]bool{}, replaceNullDef: c.Bool("replace.null.with.default", true)}
	if !c.Has("fields") {
		c.Required("fields")
	}
	t.names = c.validList("fields", false)
	for _, n := range t.names {
		t.fields[n] = true
	}
	if c.Has("replacement") {
		rep := kafkaString(c, "replacement", "")
		if rep == "" {
			c.Fail("replacement", "String must be non-empty")
		}
		t.replacement = &rep
	}
	return t, nil
}

func init() {
	registerKeyValue("MaskField", []configdef.Key{
		kafkaSMTKey("fields", configdef.List, nil, configdef.High, "Names of fields to mask."),
		kafkaOptionalKey("replacement", configdef.String, configdef.Low,
			"Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."),
		replaceNullKey,
	}, newMaskField)
}
