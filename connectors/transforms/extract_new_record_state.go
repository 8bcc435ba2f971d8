package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// UnwrapClass is Debezium's ExtractNewRecordState: it replaces a change
// event's envelope with its after state (the flattened row), handles
// deletes and tombstones by delete.tombstone.handling.mode, and can copy
// envelope fields (op, ts_ms, source.*, transaction.*) into the row and
// into headers. Records whose value is not an envelope (heartbeats, schema
// changes, transaction records, messages) pass unchanged; truncates are
// dropped. Behaviour and texts follow Debezium 3.6.1.
const UnwrapClass = "io.debezium.transforms.ExtractNewRecordState"

func init() {
	Register(Plugin{Class: UnwrapClass, Kind: KindTransformation, Version: DebeziumVersion,
		Keys: unwrapKeys, Hidden: unwrapHiddenKeys, New: newUnwrap})
}

// The delete.tombstone.handling.mode values.
const (
	unwrapDrop                 = "drop"
	unwrapTombstone            = "tombstone"
	unwrapRewrite              = "rewrite"
	unwrapRewriteWithTombstone = "rewrite-with-tombstone"
	unwrapDeleteToTombstone    = "delete-to-tombstone"
)

// unwrapDeletedField is the member rewrite modes add ("true" for deletes).
const unwrapDeletedField = "__deleted"

type unwrap struct {
	mode           string
	replaceNull    bool // replace.null.with.default, for the __deleted rewrite
	fields         []unwrapRef
	headers        []unwrapRef
	routeBy        string
	dropHeader     string
	dropFromKey    bool
	keepCompatible bool

	rows    dbzSchemaCache[*change.Field, *change.Field] // envelope member -> row schema
	deleted dbzSchemaCache[*change.Field, *change.Field] // row schema -> with __deleted
	added   dbzSchemaCache[unwrapAddedKey, *change.Field]
	dropped dbzSchemaCache[unwrapDroppedKey, *change.Field]
	shared  dbzSharedHeaders // add.headers of a delete, for its tombstone
}

// unwrapAddedKey keys the schemas with add.fields members. Debezium caches
// them by row schema (compared by value) and operation; the schema depends
// only on the row and envelope schemas, so keying by those gives the same
// schemas, one per table for all operations (so converters see one schema).
type unwrapAddedKey struct {
	row, env *change.Field
}

type unwrapDroppedKey struct {
	schema *change.Field
	names  string
}

func newUnwrap(c *Config) (Transform, error) {
	u := &unwrap{
		routeBy:        c.String("route.by.field", ""),
		dropHeader:     c.String("drop.fields.header.name", ""),
		dropFromKey:    c.Bool("drop.fields.from.key", false),
		keepCompatible: c.Bool("drop.fields.keep.schema.compatible", true),
		replaceNull:    dbzBool(c.String("replace.null.with.default", ""), true),
	}
	mode := c.String("delete.tombstone.handling.mode", unwrapTombstone)
	for _, m := range []string{unwrapDrop, unwrapTombstone, unwrapRewrite, unwrapRewriteWithTombstone, unwrapDeleteToTombstone} {
		if strings.EqualFold(strings.TrimSpace(mode), m) {
			u.mode = m
		}
	}
	if u.mode == "" {
		// Debezium's EnumRecommender lists the values in its HashSet's order.
		c.Fail("delete.tombstone.handling.mode", "Value must be one of drop, tombstone, rewrite-with-tombstone, rewrite, delete-to-tombstone")
	}
	var err error
	if u.fields, err = parseUnwrapRefs(c.String("add.fields.prefix", "__"), c.String("add.fields", "")); err != nil {
		c.Fail("add.fields", "%v", err)
	}
	if u.headers, err = parseUnwrapRefs(c.String("add.headers.prefix", "__"), c.String("add.headers", "")); err != nil {
		c.Fail("add.headers", "%v", err)
	}
	return u, nil
}

// dbzBool reads a boolean as Debezium's Configuration.getBoolean does:
// "true" or "false" in any case, anything else (or unset) the default.
func dbzBool(v string, def bool) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

func (u *unwrap) Apply(r *change.Record) (*change.Record, error) {
	tombstone := r.Value == nil
	envelope := dbzIsEnvelope(r)
	var shared, hs []change.RecordHeader
	if tombstone {
		shared = u.shared.forTombstone(r)
	}
	if (envelope || tombstone) && len(u.headers) > 0 {
		var err error
		if hs, err = u.makeHeaders(r); err != nil {
			return nil, err
		}
	}
	if !tombstone {
		u.shared.added(r, hs)
	}
	out := r
	if len(shared)+len(hs) > 0 {
		c := *r
		c.Headers = append(append(slices.Clip(r.Headers), shared...), hs...)
		out = &c
	}
	if tombstone {
		if u.mode == unwrapRewriteWithTombstone {
			return out, nil
		}
		return nil, nil
	}
	if !envelope {
		return r, nil
	}
	env := r.ValueSchema
	ev, err := dbzRequireStruct(r.Value, "field extraction")
	if err != nil {
		return nil, err
	}
	ai, afterSchema := dbzMember(env, "after")
	if afterSchema == nil {
		return nil, fmt.Errorf("Unknown field: after")
	}
	if after := dbzGet(ev, ai); after != nil {
		return u.upsert(out, env, ev, afterSchema, after)
	}
	bi, beforeSchema := dbzMember(env, "before")
	if beforeSchema == nil {
		return nil, fmt.Errorf("Unknown field: before")
	}
	before := dbzGet(ev, bi)
	if before == nil {
		return nil, nil // a truncate: Debezium drops it
	}
	return u.delete(out, env, ev, afterSchema, beforeSchema, before)
}

// row returns envelope member m (before or after) as a schema of its own.
func (u *unwrap) row(m *change.Field) *change.Field {
	s, _ := u.rows.get(m, func() (*change.Field, error) { return dbzTopLevel(m), nil })
	return s
}

// unwrapSameRow reports whether envelope members a and b are one row
// schema (Debezium's before and after are one Schema object; sluice's
// share their members).
func unwrapSameRow(a, b *change.Field) bool {
	return a.Type == b.Type && a.Optional == b.Optional && a.Logical == b.Logical && a.Version == b.Version &&
		a.Doc == b.Doc && len(a.Fields) == len(b.Fields) && len(a.Params) == 0 && len(b.Params) == 0 &&
		(len(a.Fields) == 0 || &a.Fields[0] == &b.Fields[0])
}

// upsert handles a create, read or update.
func (u *unwrap) upsert(out *change.Record, env *change.Field, ev change.StructValue, afterSchema *change.Field, after any) (*change.Record, error) {
	n := *out
	n.ValueSchema, n.Value = u.row(afterSchema), after
	if u.mode == unwrapRewrite || u.mode == unwrapRewriteWithTombstone {
		if err := u.markDeleted(&n, "false"); err != nil {
			return nil, err
		}
	}
	if u.routeBy != "" {
		v, err := dbzRequireStruct(n.Value, "Read record to set topic routing for CREATE / UPDATE")
		if err != nil {
			return nil, err
		}
		if err := u.route(&n, n.ValueSchema, v); err != nil {
			return nil, err
		}
	}
	if err := u.addFields(&n, env, ev); err != nil {
		return nil, err
	}
	if strings.TrimSpace(u.dropHeader) != "" {
		if err := u.dropFields(&n); err != nil {
			return nil, err
		}
	}
	return &n, nil
}

// delete handles a delete event by the mode.
func (u *unwrap) delete(out *change.Record, env *change.Field, ev change.StructValue, afterSchema, beforeSchema *change.Field, before any) (*change.Record, error) {
	n := *out
	switch u.mode {
	case unwrapDrop:
		return nil, nil
	case unwrapTombstone:
		// The after state: a null value that keeps the row schema.
		n.ValueSchema, n.Value = u.row(afterSchema), nil
	case unwrapDeleteToTombstone:
		n.ValueSchema, n.Value = nil, nil
	default: // the rewrite modes
		n.ValueSchema, n.Value = u.row(beforeSchema), before
		if unwrapSameRow(beforeSchema, afterSchema) {
			n.ValueSchema = u.row(afterSchema) // one schema for the table's records
		}
		if err := u.markDeleted(&n, "true"); err != nil {
			return nil, err
		}
	}
	if u.routeBy != "" {
		bv, ok := before.(change.StructValue)
		if !ok {
			return nil, fmt.Errorf("before is not a struct: %s", javaClassName(before))
		}
		if err := u.route(&n, beforeSchema, bv); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(u.dropHeader) != "" {
		if err := u.dropFields(&n); err != nil {
			return nil, err
		}
	}
	if n.Value != nil {
		if err := u.addFields(&n, env, ev); err != nil {
			return nil, err
		}
	}
	return &n, nil
}

// markDeleted adds the __deleted member with value v to a struct row, as
// Kafka's InsertField (static.field) does for Debezium: the schema loses
// its optionality, and null members take their default when
// replace.null.with.default is set.
func (u *unwrap) markDeleted(n *change.Record, v string) error {
	row, ok := n.Value.(change.StructValue)
	if !ok {
		return nil // not a struct (a null before): left as it is
	}
	src := n.ValueSchema
	schema, err := u.deleted.get(src, func() (*change.Field, error) {
		s := dbzStructCopy(src, 1)
		return s, dbzAddMember(s, unwrapDeletedField, change.Field{Type: change.String, Optional: true})
	})
	if err != nil {
		return err
	}
	value := make(change.StructValue, 0, len(schema.Fields))
	for i := range src.Fields {
		if u.replaceNull {
			value = append(value, dbzGetDefault(src, row, i))
		} else {
			value = append(value, dbzGet(row, i))
		}
	}
	n.ValueSchema, n.Value = schema, append(value, v)
	return nil
}

// route sets the topic to the string member route.by.field of row, unless
// it is null or blank.
func (u *unwrap) route(n *change.Record, schema *change.Field, row change.StructValue) error {
	topic, _, err := dbzGetString(schema, row, u.routeBy)
	if err != nil {
		return err
	}
	if strings.TrimSpace(topic) != "" {
		n.Topic = topic
	}
	return nil
}

// addFields appends the add.fields members to the row: the row schema is
// copied without its optionality (even when nothing is added, as Debezium
// does), each added member optional, with the type, name, version and
// parameters of the envelope field it copies, and no default.
func (u *unwrap) addFields(n *change.Record, env *change.Field, ev change.StructValue) error {
	row, err := dbzRequireStruct(n.Value, "source field insertion")
	if err != nil {
		return err
	}
	if _, _, err := dbzGetString(env, ev, "op"); err != nil {
		return err // Debezium reads op for its cache key
	}
	src := n.ValueSchema
	schema, err := u.added.get(unwrapAddedKey{src, env}, func() (*change.Field, error) {
		s := dbzStructCopy(src, len(u.fields))
		for _, f := range u.fields {
			m, err := f.schema(env)
			if err != nil {
				return nil, err
			}
			if m != nil {
				if err := dbzAddMember(s, f.newField, unwrapAddedSchema(m)); err != nil {
					return nil, err
				}
			}
		}
		return s, nil
	})
	if err != nil {
		return err
	}
	value := make(change.StructValue, len(schema.Fields))
	copy(value, row[:min(len(row), len(src.Fields))])
	for _, f := range u.fields {
		m, err := f.schema(env)
		if err != nil {
			return err
		}
		if m == nil {
			continue
		}
		i := schema.Member(f.newField)
		if i < 0 {
			return fmt.Errorf("%s is not a valid field name", f.newField)
		}
		v, err := f.value(env, ev)
		if err != nil {
			return err
		}
		if err := unwrapCheckAdded(&schema.Fields[i], v); err != nil {
			return err
		}
		value[i] = v
	}
	n.ValueSchema, n.Value = schema, value
	return nil
}

// unwrapAddedSchema is the schema of a field or header copied from the envelope
// (AbstractExtractNewRecordState.FieldReference.getSchema): the source
// schema's basics, optional.
func unwrapAddedSchema(m *change.Field) change.Field {
	s := dbzCopyBasics(m)
	s.Optional = true
	return s
}

// unwrapCheckAdded refuses what Connect's validation refuses when a struct
// or map is copied: their copied schemas have no members (copySchemaBasics
// keeps none), so the value does not match.
func unwrapCheckAdded(s *change.Field, v any) error {
	if v == nil {
		return nil
	}
	switch s.Type {
	case change.Struct:
		return fmt.Errorf("Struct schemas do not match.")
	case change.Map:
		return fmt.Errorf("map schema of %s has no key or value schema", s.Name)
	}
	return nil
}

// makeHeaders returns the add.headers headers of r: for a tombstone only
// op, as "d"; for an envelope each field the envelope has.
func (u *unwrap) makeHeaders(r *change.Record) ([]change.RecordHeader, error) {
	var hs []change.RecordHeader
	if r.Value == nil {
		for _, f := range u.headers {
			if f.field == "op" {
				hs = append(hs, change.RecordHeader{Key: f.newField, Schema: &unwrapStringSchema, Value: "d"})
			}
		}
		return hs, nil
	}
	ev, ok := r.Value.(change.StructValue)
	if !ok {
		return nil, fmt.Errorf("class %s cannot be cast to class org.apache.kafka.connect.data.Struct", javaClassName(r.Value))
	}
	for _, f := range u.headers {
		m, err := f.schema(r.ValueSchema)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		s := unwrapAddedSchema(m)
		v, err := f.value(r.ValueSchema, ev)
		if err != nil {
			return nil, err
		}
		if err := unwrapCheckAdded(&s, v); err != nil {
			return nil, err
		}
		hs = append(hs, change.RecordHeader{Key: f.newField, Schema: &s, Value: v})
	}
	return hs, nil
}

// unwrapStringSchema is Connect's STRING_SCHEMA, the schema of the op
// header of a tombstone.
var unwrapStringSchema = change.Field{Type: change.String}

// dropFields removes from the value (and, with drop.fields.from.key, the
// key) the members named by the list in header drop.fields.header.name:
// with drop.fields.keep.schema.compatible only the optional ones.
func (u *unwrap) dropFields(n *change.Record) error {
	var h *change.RecordHeader
	for i := range n.Headers {
		if n.Headers[i].Key == u.dropHeader {
			h = &n.Headers[i]
			break
		}
	}
	if h == nil || (h.Value == nil && h.Raw == nil) {
		return nil
	}
	names, err := unwrapHeaderNames(h)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	if u.dropFromKey && n.Key != nil {
		drop, err := u.toDrop(n.KeySchema, names)
		if err != nil {
			return err
		}
		if len(drop) > 0 {
			if n.KeySchema, n.Key, err = u.exclude(n.KeySchema, n.Key, drop); err != nil {
				return err
			}
		}
	}
	drop, err := u.toDrop(n.ValueSchema, names)
	if err != nil {
		return err
	}
	if len(drop) > 0 {
		n.ValueSchema, n.Value, err = u.exclude(n.ValueSchema, n.Value, drop)
	}
	return err
}

// unwrapHeaderNames reads a header holding a list of field names.
func unwrapHeaderNames(h *change.RecordHeader) ([]string, error) {
	switch v := h.Value.(type) {
	case []string:
		return v, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("header %s: class %s cannot be cast to class java.lang.String", h.Key, javaClassName(x))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("header %s: class %s cannot be cast to class java.util.List", h.Key, javaClassName(h.Value))
}

// toDrop returns the names to drop from schema: all of names, or with
// drop.fields.keep.schema.compatible the optional members named, in member
// order.
func (u *unwrap) toDrop(schema *change.Field, names []string) ([]string, error) {
	if !u.keepCompatible {
		return names, nil
	}
	if schema == nil {
		return nil, fmt.Errorf("cannot drop fields %v from a record without a schema", names)
	}
	var out []string
	for i := range schema.Fields {
		if schema.Fields[i].Optional && dbzContains(names, schema.Fields[i].Name) {
			out = append(out, schema.Fields[i].Name)
		}
	}
	return out, nil
}

// exclude is ReplaceField with exclude=drop (its defaults otherwise), with
// the schema cached.
func (u *unwrap) exclude(schema *change.Field, v any, drop []string) (*change.Field, any, error) {
	if v == nil || schema == nil {
		return dbzExclude(schema, v, drop, true)
	}
	s, err := dbzRequireStruct(v, "field replacement")
	if err != nil {
		return nil, nil, err
	}
	ns, _ := u.dropped.get(unwrapDroppedKey{schema, strings.Join(drop, "\x00")}, func() (*change.Field, error) {
		return dbzExcludeSchema(schema, drop), nil
	})
	return ns, dbzExcludeValue(schema, s, drop, true), nil
}

// unwrapRef is one item of add.fields or add.headers: "field",
// "struct.field" or either with ":newName".
type unwrapRef struct {
	parent   string // "source", "transaction", …; "" for op and ts_*
	field    string
	newField string
}

// parseUnwrapRefs reads add.fields or add.headers as Debezium's
// FieldReference.fromConfiguration does.
func parseUnwrapRefs(prefix, list string) ([]unwrapRef, error) {
	if list == "" {
		return nil, nil
	}
	var refs []unwrapRef
	for _, item := range dbzSplit(list, ",") {
		item = strings.TrimSpace(item)
		parts := dbzSplit(item, ":")
		if len(parts) == 0 {
			return nil, fmt.Errorf("Unexpected field name: %s", item)
		}
		names := dbzSplit(parts[0], ".")
		if len(names) == 0 {
			return nil, fmt.Errorf("Unexpected field name: %s", item)
		}
		var r unwrapRef
		if len(names) == 1 {
			r.field, r.parent = names[0], unwrapParent(names[0])
		} else {
			r.field, r.parent = names[1], names[0]
		}
		switch {
		case len(parts) == 1 && len(names) == 1:
			r.newField = prefix + r.field
		case len(parts) == 1:
			r.newField = prefix + r.parent + "_" + r.field
		case len(parts) == 2:
			r.newField = prefix + parts[1]
		default:
			return nil, fmt.Errorf("Unexpected field name: %s", item)
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// unwrapParent is the envelope member holding an unqualified field.
func unwrapParent(field string) string {
	switch field {
	case "id", "total_order", "data_collection_order":
		return "transaction"
	case "op", "ts_ms", "ts_us", "ts_ns":
		return ""
	case "updateDescription":
		return "updateDescription"
	}
	return "source"
}

// schema returns the envelope field r names: in its parent struct, else
// (a field another transform added) at the envelope's top level; nil when
// neither has it.
func (r unwrapRef) schema(env *change.Field) (*change.Field, error) {
	parent := env
	if r.parent != "" {
		if _, parent = dbzMember(env, r.parent); parent == nil {
			return nil, fmt.Errorf("the envelope %s has no field %s (for %s.%s)", env.Logical, r.parent, r.parent, r.field)
		}
		if parent.Type != change.Struct {
			return nil, fmt.Errorf("Cannot look up fields on non-struct type")
		}
	}
	if _, m := dbzMember(parent, r.field); m != nil {
		return m, nil
	}
	_, m := dbzMember(env, r.field)
	return m, nil
}

// value returns the value of the field r names in envelope value ev,
// without default; nil when the parent struct is null (the transaction
// block of a snapshot record).
func (r unwrapRef) value(env *change.Field, ev change.StructValue) (any, error) {
	ps, pv := env, ev
	if r.parent != "" {
		i, s := dbzMember(env, r.parent)
		x := dbzGet(ev, i)
		if x == nil {
			return nil, nil
		}
		sv, ok := x.(change.StructValue)
		if !ok {
			return nil, fmt.Errorf("class %s cannot be cast to class org.apache.kafka.connect.data.Struct", javaClassName(x))
		}
		ps, pv = s, sv
	}
	if i := ps.Member(r.field); i >= 0 {
		return dbzGet(pv, i), nil
	}
	return dbzGet(ev, env.Member(r.field)), nil
}
