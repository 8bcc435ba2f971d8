package transforms

import (
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// ReplaceField is org.apache.kafka.connect.transforms.ReplaceField$Key and
// $Value: it keeps the fields of the struct (or schemaless map) that
// include lists (all when empty) and exclude does not, and renames them by
// renames (old:new pairs). A null key or value passes unchanged. Kafka 4.0
// removed the whitelist and blacklist aliases, so 4.3.0 has neither.
type ReplaceField struct {
	side             kafkaSide
	exclude, include map[string]bool
	renames, reverse map[string]string
	replaceNullDef   bool
	schemas          schemaCache
}

const replacePurpose = "field replacement"

func (t *ReplaceField) keep(name string) bool {
	return !t.exclude[name] && (len(t.include) == 0 || t.include[name])
}

func (t *ReplaceField) renamed(name string) string {
	if n, ok := t.renames[name]; ok {
		return n
	}
	return name
}

// Apply filters and renames the fields of r.
func (t *ReplaceField) Apply(r *change.Record) (*change.Record, error) {
	schema, v := t.side.schema(r), t.side.value(r)
	if v == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(v, replacePurpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			if t.keep(k) {
				out[t.renamed(k)] = x
			}
		}
		return t.side.with(r, nil, out), nil
	}
	s, err := requireStruct(v, replacePurpose)
	if err != nil {
		return nil, err
	}
	updated, err := t.schemas.get(schema, func() (*change.Field, error) {
		b := newStructBuilder(schema)
		for i := range schema.Fields {
			if f := &schema.Fields[i]; t.keep(f.Name) {
				if err := b.add(t.renamed(f.Name), f); err != nil {
					return nil, err
				}
			}
		}
		return b.build(), nil
	})
	if err != nil {
		return nil, err
	}
	out := make(change.StructValue, len(updated.Fields))
	for i := range updated.Fields {
		f := &updated.Fields[i]
		// Kafka reads each new field from the old field whose rename it
		// is, else from the old field of the same name.
		src := f.Name
		if o, ok := t.reverse[f.Name]; ok {
			src = o
		}
		j := schema.Member(src)
		if j < 0 {
			return nil, dataErrorf("%s is not a valid field name", src)
		}
		x := member(schema, s, j, t.replaceNullDef)
		if j != i || src != f.Name {
			if err := checkPut(f, f.Name, x); err != nil {
				return nil, err
			}
		}
		out[i] = x
	}
	return t.side.with(r, updated, out), nil
}

func newReplaceField(c *Config, s kafkaSide) (Transform, error) {
	t := &ReplaceField{side: s, exclude: map[string]bool{}, include: map[string]bool{},
		renames: map[string]string{}, reverse: map[string]string{},
		replaceNullDef: c.Bool("replace.null.with.default", true)}
	for _, n := range c.validList("exclude", true) {
		t.exclude[n] = true
	}
	for _, n := range c.validList("include", true) {
		t.include[n] = true
	}
	pairs := c.javaList("renames", nil)
	for _, p := range pairs {
		parts := javaSplit(p, ":")
		if len(parts) != 2 {
			c.invalid("renames", javaListString(pairs), "Invalid rename mapping: "+p)
			break
		}
		t.renames[parts[0]] = parts[1]
		t.reverse[parts[1]] = parts[0]
	}
	return t, nil
}

// javaSplit is Java's String.split with a literal separator: trailing
// empty strings are dropped.
func javaSplit(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

func init() {
	registerKeyValue("ReplaceField", []configdef.Key{
		kafkaSMTKey("exclude", configdef.List, configdef.Def(""), configdef.Medium, "Fields to exclude. This takes precedence over the fields to include."),
		kafkaSMTKey("include", configdef.List, configdef.Def(""), configdef.Medium, "Fields to include. If specified, only these fields will be used."),
		kafkaSMTKey("renames", configdef.List, configdef.Def(""), configdef.Medium, "Field rename mappings."),
		replaceNullKey,
	}, newReplaceField)
}
