package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// HeaderToValueClass is Debezium's HeaderToValue: it copies or moves the
// headers named in headers into the value's struct as the members named in
// fields (a dotted name nests the member in a struct). Any record with a
// struct value is changed, envelope or not; tombstones pass.
const HeaderToValueClass = "io.debezium.transforms.HeaderToValue"

func init() {
	Register(Plugin{Class: HeaderToValueClass, Kind: KindTransformation, Version: DebeziumVersion, Keys: headerToValueKeys, New: newHeaderToValue})
}

var headerToValueKeys = []configdef.Key{
	{Name: "headers", Type: configdef.List, Importance: configdef.High,
		Doc:   "Header names in the record whose values are to be copied or moved to record value.",
		Order: 1, Width: configdef.WidthNone, Display: "Header names list"},
	{Name: "fields", Type: configdef.List, Importance: configdef.High,
		Doc:   "Field names, in the same order as the header names listed in the headers configuration property. Supports Struct nesting using dot notation.",
		Order: 1, Width: configdef.WidthNone, Display: "Field names list"},
	{Name: "operation", Type: configdef.String, Importance: configdef.High,
		Doc: "Either <code>move</code> if the fields are to be moved to the value (removed from the headers), " +
			"or <code>copy</code> if the fields are to be copied to the value (retained in the headers).",
		Order: 1, Width: configdef.WidthNone, Display: "Operation: mover or copy"},
}

// headerToValueRoot is the name Debezium's ConnectRecordUtil gives the
// value's top level when it places nested members.
const headerToValueRoot = "payload"

type headerToValue struct {
	headers, fields []string
	move            bool
	// schemas caches the new value schema by the old one, as Debezium
	// does: the first record of a schema decides which members it gets.
	schemas dbzSchemaCache[*change.Field, *change.Field]
}

func newHeaderToValue(c *Config) (Transform, error) {
	t := &headerToValue{headers: dbzList(c, "headers"), fields: dbzList(c, "fields")}
	switch op := c.String("operation", ""); {
	case !c.Has("operation") || strings.TrimSpace(op) == "":
		c.Fail("operation", "A value is required")
	case strings.EqualFold(strings.TrimSpace(op), "move"):
		t.move = true
	case strings.EqualFold(strings.TrimSpace(op), "copy"):
	default:
		c.Fail("operation", "Value must be one of move, copy")
	}
	if c.Err() == nil && len(t.headers) != len(t.fields) {
		c.Fail("fields", "'fields' config must have the same number of elements as 'headers' config.")
	}
	return t, nil
}

// dbzList reads a required list option as Debezium's Field validators
// check it: present, no empty item, no item with a space.
func dbzList(c *Config, key string) []string {
	v, ok := c.Props[key]
	if !ok || strings.TrimSpace(v) == "" {
		c.Fail(key, "A value is required")
		return nil
	}
	var out []string
	for _, s := range dbzSplit(v, ",") {
		out = append(out, strings.TrimSpace(s))
	}
	switch {
	case slices.ContainsFunc(out, func(s string) bool { return strings.Contains(s, " ") }):
		c.Fail(key, "Element(s) containing space not permitted")
	case slices.Contains(out, ""):
		c.Fail(key, "Empty string element(s) not permitted")
	}
	return out
}

// h2vEntry is one header bound for the value.
type h2vEntry struct {
	name   string
	schema *change.Field
	value  any
}

func (t *headerToValue) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil {
		return r, nil
	}
	value, err := dbzRequireStruct(r.Value, "Header field insertion")
	if err != nil {
		return nil, err
	}
	var entries []h2vEntry
	for i := range r.Headers {
		h := &r.Headers[i]
		if j := slices.Index(t.headers, h.Key); j >= 0 {
			if h.Schema == nil {
				return nil, fmt.Errorf("fieldSchema for field %s cannot be null.", t.fields[j])
			}
			entries = append(entries, h2vEntry{t.fields[j], h.Schema, h.Value})
		}
	}
	if len(entries) == 0 {
		return r, nil
	}
	var nested []string
	for _, e := range entries {
		if strings.Contains(e.name, ".") {
			nested = append(nested, e.name)
		}
	}
	old := r.ValueSchema
	if old == nil {
		return nil, fmt.Errorf("Only Struct objects supported for [Header field insertion], found: %s", javaClassName(r.Value))
	}
	schema, err := t.schemas.get(old, func() (*change.Field, error) {
		if err := h2vCheckNested(old, nested); err != nil {
			return nil, err
		}
		return h2vSchema(headerToValueRoot, old, entries, nested, 0)
	})
	if err != nil {
		return nil, err
	}
	nv, err := h2vValue(headerToValueRoot, old, value, entries, schema, nested, 0)
	if err != nil {
		return nil, err
	}
	out := *r
	out.ValueSchema, out.Value = schema, nv
	if t.move {
		out.Headers = nil
		for _, h := range r.Headers {
			if !slices.Contains(t.headers, h.Key) {
				out.Headers = append(out.Headers, h)
			}
		}
	}
	return &out, nil
}

// h2vCheckNested refuses a nested name whose parent is a primitive member.
func h2vCheckNested(schema *change.Field, nested []string) error {
	for _, n := range nested {
		parts := dbzSplit(n, ".")
		cur := schema
		for _, p := range parts[:max(len(parts)-1, 0)] {
			_, m := dbzMember(cur, p)
			if m == nil {
				break
			}
			if h2vPrimitive(m) {
				return fmt.Errorf("Field '%s' is a primitive type, not a struct. Cannot add nested field '%s'.", p, n)
			}
			cur = m
		}
	}
	return nil
}

func h2vPrimitive(f *change.Field) bool {
	return f.Type != change.Struct && f.Type != change.Array && f.Type != change.Map
}

// h2vSchema is ConnectRecordUtil.buildNewSchema: old's members (those
// holding a nested name rebuilt one level down), then the entries that
// belong at this level, then new parent structs for nested names whose
// parent is missing.
func h2vSchema(level0 string, old *change.Field, entries []h2vEntry, nested []string, level int) (*change.Field, error) {
	if h2vPrimitive(old) {
		return old, nil
	}
	s := dbzStructCopy(old, len(entries))
	for i := range s.Fields {
		if h2vContained(s.Fields[i].Name, nested) {
			sub, err := h2vSchema(s.Fields[i].Name, &old.Fields[i], entries, nested, level+1)
			if err != nil {
				return nil, err
			}
			m := *sub
			m.Name = old.Fields[i].Name
			s.Fields[i] = m
		}
	}
	for _, e := range entries {
		if name, ok := h2vFieldName(e.name, level0, level); ok && s.Member(name) < 0 {
			m := *e.schema
			m.Name = name
			s.Fields = append(s.Fields, m)
		}
	}
	for _, p := range h2vNewParents(level0, old, nested, level) {
		ps := change.Field{Type: change.Struct, Optional: true}
		for _, e := range entries {
			if name, ok := h2vNestedName(e.name, p, level0, level); ok {
				if err := dbzAddMember(&ps, name, *e.schema); err != nil {
					return nil, err
				}
			}
		}
		if err := dbzAddMember(s, p, ps); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// h2vValue is ConnectRecordUtil.buildUpdatedValue: the members of value
// (with their defaults for nulls, as Struct.get gives them), the entries of
// this level, and the new parent structs.
func h2vValue(level0 string, old *change.Field, value change.StructValue, entries []h2vEntry, schema *change.Field, nested []string, level int) (change.StructValue, error) {
	out := make(change.StructValue, len(schema.Fields))
	put := func(name string, v any) error {
		i := schema.Member(name)
		if i < 0 {
			return fmt.Errorf("%s is not a valid field name", name)
		}
		out[i] = v
		return nil
	}
	for i := range old.Fields {
		v := dbzGetDefault(old, value, i)
		if v == nil {
			continue
		}
		name := old.Fields[i].Name
		if h2vContained(name, nested) {
			sv, err := dbzRequireStruct(v, "Nested field")
			if err != nil {
				return nil, err
			}
			_, sub := dbzMember(schema, name)
			if sub == nil {
				return nil, fmt.Errorf("%s is not a valid field name", name)
			}
			if v, err = h2vValue(name, &old.Fields[i], sv, entries, sub, nested, level+1); err != nil {
				return nil, err
			}
		}
		if err := put(name, v); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		if name, ok := h2vFieldName(e.name, level0, level); ok {
			if err := put(name, e.value); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range h2vNewParents(level0, old, nested, level) {
		_, ps := dbzMember(schema, p)
		if ps == nil {
			continue
		}
		pv := make(change.StructValue, len(ps.Fields))
		for _, e := range entries {
			if name, ok := h2vNestedName(e.name, p, level0, level); ok {
				i := ps.Member(name)
				if i < 0 {
					return nil, fmt.Errorf("%s is not a valid field name", name)
				}
				pv[i] = e.value
			}
		}
		if err := put(p, pv); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// h2vFieldName is getFieldName: the member an entry adds at this level.
func h2vFieldName(dest, fieldName string, level int) (string, bool) {
	parts := dbzSplit(dest, ".")
	if len(parts) == 1 && fieldName == headerToValueRoot {
		return parts[0], true
	}
	if len(parts) == level+1 {
		parent := 0
		if level > 0 {
			parent = level - 1
		}
		if parts[parent] == fieldName {
			return parts[level], true
		}
	}
	return "", false
}

// h2vContained is isContainedIn: a nested name contains "name.".
func h2vContained(name string, nested []string) bool {
	for _, n := range nested {
		if strings.Contains(n, name+".") {
			return true
		}
	}
	return false
}

// h2vNewParents is getNewParentFieldsAtLevel: parents of nested names at
// this level that old lacks.
func h2vNewParents(fieldName string, old *change.Field, nested []string, level int) []string {
	var out []string
	for _, n := range nested {
		parts := dbzSplit(n, ".")
		process := level == 0 && fieldName == headerToValueRoot || level > 0 && level < len(parts) && parts[level-1] == fieldName
		if !process || level >= len(parts)-1 {
			continue
		}
		if p := parts[level]; old.Member(p) < 0 && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// h2vNestedName is getNestedFieldNameForParent: the member an entry adds
// to new parent struct parent.
func h2vNestedName(dest, parent, fieldName string, level int) (string, bool) {
	parts := dbzSplit(dest, ".")
	if level == 0 && fieldName == headerToValueRoot {
		if len(parts) > 1 && parent == parts[0] {
			return parts[1], true
		}
	} else if level > 0 {
		if strings.Join(parts[:min(level+1, len(parts))], ".") == parent && level+1 < len(parts) {
			return parts[level+1], true
		}
	}
	return "", false
}
