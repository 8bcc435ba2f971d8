package transforms

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/sluicecdc/sluice/connectors/change"
)

// This file holds what Debezium's transforms share (SmtManager's envelope
// test, Kafka Connect's Struct and SchemaUtil rules they rely on), written
// for change.Record.

// dbzIsEnvelope reports whether r's value schema is a Debezium change-event
// envelope: a schema whose name ends in ".Envelope", as SmtManager's
// isValidEnvelope decides. Heartbeats, schema changes, transaction records
// and messages have other names.
func dbzIsEnvelope(r *change.Record) bool {
	return r.ValueSchema != nil && strings.HasSuffix(r.ValueSchema.Logical, ".Envelope")
}

// dbzMember returns the index and schema of member name of struct schema f,
// or -1 and nil.
func dbzMember(f *change.Field, name string) (int, *change.Field) {
	i := f.Member(name)
	if i < 0 {
		return -1, nil
	}
	return i, &f.Fields[i]
}

// dbzGet returns member i of struct value v without its default (Connect's
// Struct.getWithoutDefault).
func dbzGet(v change.StructValue, i int) any {
	if i < 0 || i >= len(v) {
		return nil
	}
	return v[i]
}

// dbzGetDefault returns member i of v, or the member schema's default when
// it is null (Connect's Struct.get).
func dbzGetDefault(f *change.Field, v change.StructValue, i int) any {
	if x := dbzGet(v, i); x != nil {
		return x
	}
	return f.Fields[i].Default
}

// dbzCopyBasics returns a schema with src's type, name, version, doc and
// parameters, as Kafka Connect's SchemaUtil.copySchemaBasics builds it: not
// optional, without default, without members (an array keeps its element
// schema).
func dbzCopyBasics(src *change.Field) change.Field {
	f := change.Field{Type: src.Type, Logical: src.Logical, Version: src.Version, Doc: src.Doc, Params: src.Params}
	if src.Type == change.Array {
		f.Elem = src.Elem
	}
	return f
}

// dbzStructCopy returns a struct schema with src's basics (dbzCopyBasics:
// so required, whatever src was) and room for extra members after src's.
func dbzStructCopy(src *change.Field, extra int) *change.Field {
	f := dbzCopyBasics(src)
	f.Type = change.Struct
	f.Fields = make([]change.Field, len(src.Fields), len(src.Fields)+extra)
	copy(f.Fields, src.Fields)
	return &f
}

// dbzAddMember appends member m to struct schema f, refusing a duplicate
// name with SchemaBuilder's message.
func dbzAddMember(f *change.Field, name string, m change.Field) error {
	if f.Member(name) >= 0 {
		return fmt.Errorf("Cannot create field because of field name duplication %s", name)
	}
	m.Name = name
	f.Fields = append(f.Fields, m)
	return nil
}

// dbzTopLevel returns member schema m as a schema of its own (its member
// name cleared), as Connect's Field.schema() is.
func dbzTopLevel(m *change.Field) *change.Field {
	if m.Name == "" {
		return m
	}
	c := *m
	c.Name = ""
	return &c
}

// dbzRequireStruct returns v as a struct value, or Connect's DataException
// text for Requirements.requireStruct.
func dbzRequireStruct(v any, purpose string) (change.StructValue, error) {
	if s, ok := v.(change.StructValue); ok {
		return s, nil
	}
	return nil, fmt.Errorf("Only Struct objects supported for [%s], found: %s", purpose, javaClassName(v))
}

// dbzGetString is Connect's Struct.getString(name) on struct value v of
// schema f: the member's raw value, or the DataException text when the
// member is missing or not a string.
func dbzGetString(f *change.Field, v change.StructValue, name string) (string, bool, error) {
	i, m := dbzMember(f, name)
	if m == nil {
		return "", false, fmt.Errorf("%s is not a valid field name", name)
	}
	if m.Type != change.String {
		return "", false, fmt.Errorf("Field '%s' is not of type STRING", name)
	}
	s, ok := dbzGet(v, i).(string)
	return s, ok, nil
}

// dbzExclude is Kafka's ReplaceField with only exclude set, as Debezium
// delegates to it: the struct schema f without the members named in drop
// (copied with dbzCopyBasics), and v's remaining members, null ones taking
// their default when replaceNull is set (ReplaceField's
// replace.null.with.default, true by default). A schemaless map loses the
// keys. A nil value is returned as it is.
func dbzExclude(f *change.Field, v any, drop []string, replaceNull bool) (*change.Field, any, error) {
	if v == nil {
		return f, v, nil
	}
	if f == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("Only Map objects supported in absence of schema for [field replacement], found: %s", javaClassName(v))
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			if !dbzContains(drop, k) {
				out[k] = x
			}
		}
		return nil, out, nil
	}
	s, err := dbzRequireStruct(v, "field replacement")
	if err != nil {
		return nil, nil, err
	}
	return dbzExcludeSchema(f, drop), dbzExcludeValue(f, s, drop, replaceNull), nil
}

// dbzExcludeSchema is the schema part of dbzExclude.
func dbzExcludeSchema(f *change.Field, drop []string) *change.Field {
	nf := dbzStructCopy(f, 0)
	nf.Fields = nf.Fields[:0]
	for i := range f.Fields {
		if !dbzContains(drop, f.Fields[i].Name) {
			nf.Fields = append(nf.Fields, f.Fields[i])
		}
	}
	return nf
}

// dbzExcludeValue is the value part of dbzExclude.
func dbzExcludeValue(f *change.Field, s change.StructValue, drop []string, replaceNull bool) change.StructValue {
	nv := make(change.StructValue, 0, len(f.Fields))
	for i := range f.Fields {
		if dbzContains(drop, f.Fields[i].Name) {
			continue
		}
		if replaceNull {
			nv = append(nv, dbzGetDefault(f, s, i))
		} else {
			nv = append(nv, dbzGet(s, i))
		}
	}
	return nv
}

func dbzContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dbzSplit splits s around sep as Java's String.split does with no
// limit: trailing empty strings are removed, and "" gives [""].
func dbzSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 1 && parts[0] == "" && s != "" {
		// s was only separators: Java returns an empty array.
		return nil
	}
	return parts
}

// dbzSchemaCache remembers schemas a transform derived, so records of the same
// table share one schema (and the converters see the same schema again).
// It is bounded: past maxEntries it starts afresh, as the schemas of a
// connector's tables are few.
type dbzSchemaCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

const dbzSchemaCacheEntries = 256

func (c *dbzSchemaCache[K, V]) get(k K, build func() (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= dbzSchemaCacheEntries {
		c.m = map[K]V{}
	}
	c.m[k] = v
	c.mu.Unlock()
	return v, nil
}

// dbzSharedHeaders emulates a Java aliasing that shows in Debezium's
// output: Debezium builds a delete's tombstone with the delete record's own
// ConnectHeaders object (record.newRecord(…, record.headers())), and the
// transforms that add headers in place (ExtractNewRecordState's
// add.headers, ExtractChangedRecordState) add them to that object while
// they process the delete. So the tombstone, when a transform keeps it,
// carries the headers added to its delete, before its own. A transform
// remembers what it added to the last record and gives it to a tombstone
// that follows with the very same key value (sluice's records of one event
// share the key, as Debezium's do).
type dbzSharedHeaders struct {
	mu  sync.Mutex
	key uintptr // the key's identity; 0 for none
	hs  []change.RecordHeader
}

// dbzKeyIdentity is the address of a record key's members (its identity as a
// Java object), or 0.
func dbzKeyIdentity(k any) uintptr {
	v := reflect.ValueOf(k)
	if v.Kind() == reflect.Slice && v.Len() > 0 {
		return v.Pointer()
	}
	return 0
}

// added records that hs were added in place to record r.
func (s *dbzSharedHeaders) added(r *change.Record, hs []change.RecordHeader) {
	s.mu.Lock()
	s.key, s.hs = dbzKeyIdentity(r.Key), hs
	if len(hs) == 0 {
		s.key = 0
	}
	s.mu.Unlock()
}

// forTombstone returns the headers added in place to the delete that
// tombstone r belongs to, if any.
func (s *dbzSharedHeaders) forTombstone(r *change.Record) []change.RecordHeader {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := dbzKeyIdentity(r.Key)
	if r.Value != nil || id == 0 || id != s.key {
		return nil
	}
	hs := s.hs
	s.key, s.hs = 0, nil
	return hs
}
