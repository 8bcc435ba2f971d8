package transforms

import (
	"fmt"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// Flatten is Kafka's org.apache.kafka.connect.transforms.Flatten$Key and
// $Value: nested structs (schemaless: nested maps) become top-level fields
// named by joining the path with delimiter. Arrays are left as they are.
//
// With a schema, the flattened struct keeps the original schema's name,
// version, doc and parameters but is never optional; a leaf under an
// optional struct becomes optional and takes the default an ancestor's
// default gives it; a null member takes its schema's default (Kafka's
// Struct.get). A null key or value passes unchanged.
type Flatten struct {
	side      kafkaSide
	delimiter string
}

func init() {
	kafkaClasses("Flatten", []configdef.Key{
		kafkaSMTKey("delimiter", configdef.String, configdef.Def("."), configdef.Medium,
			"Delimiter to insert between field names from the input record when generating field names for the output record"),
	}, func(c *Config, side kafkaSide) Transform {
		return &Flatten{side: side, delimiter: kafkaString(c, "delimiter", ".")}
	})
}

// Apply implements Transform.
func (t *Flatten) Apply(r *change.Record) (*change.Record, error) {
	v := t.side.value(r)
	if isNull(v) {
		return r, nil
	}
	schema := t.side.schema(r)
	if schema == nil {
		m, err := requireMap(v, "flattening")
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		if err := t.flattenMap(m, "", out); err != nil {
			return nil, err
		}
		return t.side.with(r, nil, out), nil
	}
	sv, err := requireStruct(v, "flattening")
	if err != nil {
		return nil, err
	}
	flat := copySchemaBasics(schema, change.Struct)
	var def change.StructValue
	if d, ok := schema.Default.(change.StructValue); ok {
		def = d
	}
	if err := t.flattenSchema(schema, "", flat, schema.Optional, def); err != nil {
		return nil, err
	}
	out := make(change.StructValue, 0, len(flat.Fields))
	t.flattenStruct(schema, sv, &out)
	return t.side.with(r, flat, out), nil
}

func (t *Flatten) name(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + t.delimiter + name
}

// flattenSchema adds the leaves of struct schema s to flat.
func (t *Flatten) flattenSchema(s *change.Field, prefix string, flat *change.Field, optional bool, parentDefault change.StructValue) error {
	for i := range s.Fields {
		f := &s.Fields[i]
		name := t.name(prefix, f.Name)
		fieldOptional := optional || f.Optional
		def := f.Default
		if def == nil && parentDefault != nil {
			def = structGet(s, parentDefault, i)
		}
		switch f.Type {
		case change.Struct:
			d, _ := def.(change.StructValue)
			if err := t.flattenSchema(f, name, flat, fieldOptional, d); err != nil {
				return err
			}
		case change.Map:
			return fmt.Errorf("Flatten transformation does not support MAP for record with schemas (for field %s).", name)
		default:
			if flat.Member(name) >= 0 {
				return fmt.Errorf("Cannot create field because of field name duplication %s", name)
			}
			leaf := copySchemaBasics(f, f.Type)
			leaf.Name, leaf.Optional, leaf.Default = name, fieldOptional, def
			flat.Fields = append(flat.Fields, *leaf)
		}
	}
	return nil
}

// flattenStruct appends the leaf values of v (of struct schema s) to out,
// in the order flattenSchema added their fields; the leaves of a null
// struct are null.
func (t *Flatten) flattenStruct(s *change.Field, v change.StructValue, out *change.StructValue) {
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Type == change.Struct {
			var sub change.StructValue
			if v != nil {
				sub, _ = structGet(s, v, i).(change.StructValue)
			}
			t.flattenStruct(f, sub, out)
			continue
		}
		if v == nil {
			*out = append(*out, nil)
			continue
		}
		*out = append(*out, structGet(s, v, i))
	}
}

// flattenMap adds the entries of schemaless map m to out.
func (t *Flatten) flattenMap(m map[string]any, prefix string, out map[string]any) error {
	for k, v := range m {
		name := t.name(prefix, k)
		switch x := v.(type) {
		case nil, bool, int8, int16, int32, int64, float32, float64, string, []byte, []any:
			out[name] = v
		case map[string]any:
			if x == nil {
				out[name] = nil
				continue
			}
			if err := t.flattenMap(x, name, out); err != nil {
				return err
			}
		case change.StructValue:
			return fmt.Errorf("Flatten transformation does not support %s for record without schemas (for field %s).", "class org.apache.kafka.connect.data.Struct", name)
		default:
			return fmt.Errorf("Flatten transformation was passed a value of type %s which is not supported by Connect's data API", "class "+strings.TrimPrefix(javaClassName(v), "class "))
		}
	}
	return nil
}
