package transforms

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// This file holds what the transforms of Kafka's part 1 (RegexRouter …
// SetSchemaMetadata) add to connect_data.go: Kafka Connect's Struct and
// SchemaBuilder rules (defaults with replace.null.with.default, put
// validation, member name checks) with their exception texts, Kafka 4.3's
// LIST parsing and validation, the schema-aware Java class names of
// MaskField's texts, and the per-schema cache of the schemas a transform
// makes.

// The schema names of Kafka Connect's logical types.
const (
	connectDecimal   = "org.apache.kafka.connect.data.Decimal"
	connectDate      = "org.apache.kafka.connect.data.Date"
	connectTime      = "org.apache.kafka.connect.data.Time"
	connectTimestamp = "org.apache.kafka.connect.data.Timestamp"
)

// registerKeyValue registers the $Key and $Value classes of a Kafka
// transform whose constructor can fail as a whole (Kafka's ConfigException
// without a key, e.g. "No field insertion configured").
func registerKeyValue(base string, keys []configdef.Key, build func(c *Config, s kafkaSide) (Transform, error)) {
	for _, v := range []struct {
		suffix string
		s      kafkaSide
	}{{"$Key", onKey}, {"$Value", onValue}} {
		s := v.s
		Register(Plugin{Class: "org.apache.kafka.connect.transforms." + base + v.suffix, Kind: KindTransformation,
			Version: KafkaVersion, Keys: keys, New: func(c *Config) (Transform, error) { return build(c, s) }})
	}
}

// kafkaOptionalKey is a key of one of Kafka's transforms whose default is
// null (so not required).
func kafkaOptionalKey(name, typ, importance, doc string) configdef.Key {
	k := kafkaSMTKey(name, typ, nil, importance, doc)
	k.Required = false
	return k
}

// replaceNullDoc documents replace.null.with.default (KIP-1040).
const replaceNullDoc = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."

var replaceNullKey = kafkaSMTKey("replace.null.with.default", configdef.Boolean, configdef.Def("true"), configdef.Medium, replaceNullDoc)

// invalid records a ConfigException(name, value, message) whose value Java
// shows as shown (a list as "[a, b]", null as "null").
func (c *Config) invalid(key, shown, why string) {
	c.errs = append(c.errs, fmt.Errorf("Invalid value %s for configuration %s: %s", shown, c.Key(key), why))
}

var javaListSep = regexp.MustCompile(`\s*,\s*`)

// javaList reads option key as Kafka's ConfigDef parses a LIST: trimmed,
// split at commas with the blanks around them, empty items kept ("a,,b"
// is three items), and "" the empty list. def is used when unset.
func (c *Config) javaList(key string, def []string) []string {
	v, ok := c.Props[key]
	if !ok {
		return def
	}
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if v == "" {
		return nil
	}
	return javaListSep.Split(v, -1)
}

// validList reads a LIST option that Kafka 4.3 validates with
// ConfigDef.ValidList.anyNonDuplicateValues: an empty item is refused, so
// is an empty list unless emptyAllowed, and duplicates are dropped (Kafka
// logs a warning), the first of each kept in order.
func (c *Config) validList(key string, emptyAllowed bool) []string {
	l := c.javaList(key, nil)
	if !c.Has(key) {
		return nil
	}
	if len(l) == 0 && !emptyAllowed {
		c.errs = append(c.errs, fmt.Errorf("Configuration '%s' must not be empty. Valid values include: any non-empty value", c.Key(key)))
		return nil
	}
	seen := map[string]bool{}
	out := l[:0:0]
	for _, v := range l {
		if v == "" {
			c.errs = append(c.errs, fmt.Errorf("Configuration '%s' values must not be empty.", c.Key(key)))
			return nil
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// javaListString is a list as Java's List.toString shows it.
func javaListString(l []string) string { return "[" + strings.Join(l, ", ") + "]" }

// dataError is Kafka Connect's DataException: a record the transform cannot
// handle.
type dataError struct{ msg string }

func (e *dataError) Error() string { return e.msg }

func dataErrorf(format string, args ...any) error {
	return &dataError{msg: fmt.Sprintf(format, args...)}
}

// errSinkOnly is Requirements.requireSinkRecord's answer for the source
// records sluice has.
func errSinkOnly(purpose string) error {
	return dataErrorf("Only SinkRecord supported for [%s], found: org.apache.kafka.connect.source.SourceRecord", purpose)
}

// structOf returns v as a struct's values: a StructValue, or a Row (a
// table row as the sources build it).
func structOf(v any) (change.StructValue, bool) {
	switch s := v.(type) {
	case change.StructValue:
		return s, true
	case change.Row:
		return change.StructValue(s), true
	}
	return nil, false
}

// member returns the value of member i of a struct, as Struct.get does
// (the member's default when the value is null) when withDefault, else as
// Struct.getWithoutDefault.
func member(schema *change.Field, s change.StructValue, i int, withDefault bool) any {
	var v any
	if i < len(s) {
		v = s[i]
	}
	if v == nil && withDefault {
		return schema.Fields[i].Default
	}
	return v
}

// javaClass is the Java class Kafka Connect holds v in, as the exception
// texts name it; schema, when known, tells logical types apart. Bytes are
// the ByteBuffers Debezium's converters produce.
func javaClass(schema *change.Field, v any) string {
	if schema != nil && v != nil {
		switch schema.Logical {
		case connectDecimal:
			if _, ok := v.([]byte); ok {
				return "java.math.BigDecimal"
			}
		case connectDate, connectTime, connectTimestamp:
			switch v.(type) {
			case int32, int64:
				return "java.util.Date"
			}
		}
	}
	switch v.(type) {
	case []byte:
		return "java.nio.HeapByteBuffer"
	case change.Row:
		return "org.apache.kafka.connect.data.Struct"
	}
	return javaClassName(v)
}

// checkPut is the validation of Struct.put(field, v): a null for a
// required field, or a value of the wrong type, is a DataException.
func checkPut(f *change.Field, name string, v any) error {
	if msg := invalidValue(f, v, `field: "`+name+`"`, func(v any) string { return javaClass(f, v) }); msg != "" {
		return &dataError{msg: msg}
	}
	return nil
}

// structBuilder builds a struct schema as Kafka Connect's SchemaBuilder
// does: a required struct, members added in order, a duplicate or empty
// member name refused with SchemaBuilderException's text.
type structBuilder struct {
	f    change.Field
	seen map[string]bool
}

// newStructBuilder starts a required struct schema; with basics set it
// copies basics' name, version, doc and parameters (SchemaUtil.copySchemaBasics).
func newStructBuilder(basics *change.Field) *structBuilder {
	b := &structBuilder{f: change.Field{Type: change.Struct}, seen: map[string]bool{}}
	if basics != nil {
		b.f.Logical, b.f.Version, b.f.Doc, b.f.Params = basics.Logical, basics.Version, basics.Doc, basics.Params
	}
	return b
}

// add appends member name with schema s (copied, renamed).
func (b *structBuilder) add(name string, s *change.Field) error {
	if name == "" {
		return dataErrorf("fieldName cannot be null.")
	}
	if b.seen[name] {
		return dataErrorf("Cannot create field because of field name duplication %s", name)
	}
	b.seen[name] = true
	m := *s
	m.Name = name
	b.f.Fields = append(b.f.Fields, m)
	return nil
}

func (b *structBuilder) build() *change.Field {
	f := b.f
	return &f
}

// topLevel returns a copy of member schema m as a record's schema (no
// member name).
func topLevel(m *change.Field) *change.Field {
	f := *m
	f.Name = ""
	return &f
}

// schemaCache maps an input schema to the schema a transform made of it,
// so that the records of one schema share one output schema, as Kafka's
// transforms cache theirs: the converters cache their work (and the Avro
// converter its registry lookups) by schema pointer.
type schemaCache struct {
	mu sync.Mutex
	m  map[*change.Field]*change.Field
}

// maxCachedSchemas bounds a schemaCache (Kafka's transforms keep 16).
const maxCachedSchemas = 64

// get returns the schema made of in, building it on first use; a build
// error is not cached.
func (c *schemaCache) get(in *change.Field, build func() (*change.Field, error)) (*change.Field, error) {
	c.mu.Lock()
	out, ok := c.m[in]
	c.mu.Unlock()
	if ok {
		return out, nil
	}
	out, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSchemas {
		c.m = map[*change.Field]*change.Field{}
	}
	c.m[in] = out
	c.mu.Unlock()
	return out, nil
}
