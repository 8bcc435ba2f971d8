package transforms

import (
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// ExtractField is org.apache.kafka.connect.transforms.ExtractField$Key and
// $Value: the key or value becomes one field of its struct (or schemaless
// map), found by a field path (field.syntax.version V2 reaches nested
// fields, KIP-821). A null passes through (with the field's schema when
// the record has one); a field the schema lacks fails the record, a key
// the map lacks gives null.
type ExtractField struct {
	side           kafkaSide
	path           fieldPath
	original       string
	replaceNullDef bool
	schemas        schemaCache
}

const extractPurpose = "field extraction"

// Apply extracts the field of r.
func (t *ExtractField) Apply(r *change.Record) (*change.Record, error) {
	schema, v := t.side.schema(r), t.side.value(r)
	if schema == nil {
		if v == nil {
			return r, nil
		}
		m, err := requireMap(v, extractPurpose)
		if err != nil {
			return nil, err
		}
		x, err := t.path.mapValue(m)
		if err != nil {
			return nil, err
		}
		return t.side.with(r, nil, x), nil
	}
	var s change.StructValue
	if v != nil {
		var err error
		if s, err = requireStruct(v, extractPurpose); err != nil {
			return nil, err
		}
	}
	f, err := t.schemas.get(schema, func() (*change.Field, error) {
		f, err := t.path.field(schema)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, &argumentError{"Unknown field: " + t.original}
		}
		return topLevel(f), nil
	})
	if err != nil {
		return nil, err
	}
	var x any
	if v != nil {
		if x, err = t.path.structValue(schema, s, t.replaceNullDef); err != nil {
			return nil, err
		}
	}
	return t.side.with(r, f, x), nil
}

// argumentError is Java's IllegalArgumentException.
type argumentError struct{ msg string }

func (e *argumentError) Error() string { return e.msg }

func newExtractField(c *Config, s kafkaSide) (Transform, error) {
	t := &ExtractField{side: s, original: requireSet(c, "field"), replaceNullDef: c.Bool("replace.null.with.default", true)}
	version := "V1"
	if c.Has("field.syntax.version") {
		v := kafkaString(c, "field.syntax.version", "")
		switch strings.ToUpper(v) {
		case "V1", "V2":
			version = strings.ToUpper(v)
		default:
			c.Fail("field.syntax.version", "String must be one of (case insensitive): V1, V2")
		}
	}
	p, err := parseFieldPath(t.original, version)
	if err != nil {
		return nil, err
	}
	t.path = p
	return t, nil
}

func init() {
	registerKeyValue("ExtractField", []configdef.Key{
		kafkaSMTKey("field", configdef.String, nil, configdef.Medium, "Field name to extract."),
		replaceNullKey,
		kafkaSMTKey("field.syntax.version", configdef.String, configdef.Def("V1"), configdef.High,
			"Defines the version of the syntax to access fields. If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the struct or map. "+
				"If set to <code>V2</code>, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. "+
				"If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. "+
				"E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"<code>foo.bar</code>.baz\"."),
	}, newExtractField)
}
