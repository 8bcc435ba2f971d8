package transforms

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/schema"
)

// ByLogicalTableRouter is Debezium's io.debezium.transforms.ByLogicalTableRouter:
// it sends the change events of several physical tables (shards) to one
// topic. A record whose topic matches topic.regex as a whole goes to the
// topic topic.replacement makes of it; its key struct is renamed
// "<new topic>.Key" and, with key.enforce.uniqueness (the default), gains a
// string member key.field.name holding the old topic (or what
// key.field.regex and key.field.replacement make of it), so that equal keys
// of different shards stay apart. A change event's envelope is renamed
// "<new topic>.Envelope" and its before/after struct "<new topic>.Value";
// the source and transaction blocks keep their schemas. Tombstones and
// records that are not change events (heartbeats, schema changes,
// transaction records) change topic and key only. A topic that does not
// match, or that the replacement makes empty, leaves the record as it is.
const byLogicalTableRouterClass = "io.debezium.transforms.ByLogicalTableRouter"

const routerKeyFieldName = "__dbz__physicalTableIdentifier"

func init() {
	Register(Plugin{
		Class: byLogicalTableRouterClass, Kind: KindTransformation, Version: DebeziumVersion,
		Keys: byLogicalTableRouterKeys, New: newByLogicalTableRouter,
	})
}

// byLogicalTableRouterKeys are the keys Kafka Connect lists for the class:
// Debezium's config() leaves key.field.name and schema.name.adjustment.mode
// out, though configure reads them, and every key is in the null group at
// order 1.
var byLogicalTableRouterKeys = []configdef.Key{
	{Name: "topic.regex", Type: configdef.String, Importance: configdef.Low, Order: 1, Width: configdef.WidthLong, Display: "Topic regex",
		Doc: "The regex used for extracting the name of the logical table from the original topic name."},
	{Name: "topic.replacement", Type: configdef.String, Importance: configdef.Low, Order: 1, Width: configdef.WidthLong, Display: "Topic replacement",
		Doc: "The replacement string used in conjunction with topic.regex. This will be used to create the new topic name."},
	{Name: "key.enforce.uniqueness", Type: configdef.Boolean, Default: configdef.Def("true"), Importance: configdef.Low, Order: 1, Width: configdef.WidthShort,
		Display: "Add source topic name into key",
		Doc:     "Augment each record's key with a field denoting the source topic. This field distinguishes records coming from different physical tables which may otherwise have primary/unique key conflicts. If the source tables are guaranteed to have globally unique keys then this may be set to false to disable key rewriting."},
	{Name: "key.field.regex", Type: configdef.String, Importance: configdef.Low, Order: 1, Width: configdef.WidthLong, Display: "Key field regex",
		Doc: "The regex used for extracting the physical table identifier from the original topic name. Now that multiple physical tables can share a topic, the event's key may need to be augmented to include fields other than just those for the record's primary/unique key, since these are not guaranteed to be unique across tables. We need some identifier added to the key that distinguishes the different physical tables."},
	{Name: "key.field.replacement", Type: configdef.String, Importance: configdef.Low, Order: 1, Width: configdef.WidthLong, Display: "Key field replacement",
		Doc: "The replacement string used in conjunction with key.field.regex. This will be used to create the physical table identifier in the record's key."},
	{Name: "logical.table.cache.size", Type: configdef.Int, Default: configdef.Def("16"), Importance: configdef.Low, Order: 1, Width: configdef.WidthLong,
		Display: "Logical table cache size",
		Doc:     "The size used for holding the max entries in LRUCache. The cache will keep the old/new schema for logical table key and value, also cache the derived key and topic regex result for improving the source record transformation."},
}

// byLogicalTableRouter keeps, in LRU caches of logical.table.cache.size
// entries, the new topic of each old topic and the new key and envelope
// schema of each old schema and new topic: a record of an already seen
// table reuses the same *change.Field, so the encoders' per-schema caches
// (and a registry's subjects) see one schema per logical table.
type byLogicalTableRouter struct {
	topicRe, topicFull   *regexp.Regexp
	topicReplacement     string
	keyRe, keyFull       *regexp.Regexp // nil without key.field.regex
	keyReplacement       string
	keyFieldName         string
	enforceUniqueness    bool
	adjustMode           string
	adjustMu             sync.Mutex
	adjusted             map[string]string // replacement -> original, for the Avro adjusters' conflict check
	topics               *routerLRU[string, string]
	keySchemas, envelope *routerLRU[routerSchemaKey, *change.Field]
}

type routerSchemaKey struct {
	old   *change.Field
	topic string
}

func newByLogicalTableRouter(c *Config) (Transform, error) {
	t := &byLogicalTableRouter{
		topicReplacement:  c.Required("topic.replacement"),
		keyFieldName:      c.String("key.field.name", routerKeyFieldName),
		enforceUniqueness: c.Bool("key.enforce.uniqueness", true),
		adjusted:          map[string]string{},
	}
	if expr := c.Required("topic.regex"); strings.TrimSpace(expr) != "" {
		var err error
		if t.topicRe, t.topicFull, err = smtCompileFull(expr); err != nil {
			c.Fail("topic.regex", "%v", err)
		}
	}
	if expr := c.String("key.field.regex", ""); strings.TrimSpace(expr) != "" {
		var err error
		if t.keyRe, t.keyFull, err = smtCompileFull(expr); err != nil {
			c.Fail("key.field.regex", "%v", err)
		}
		t.keyReplacement = c.String("key.field.replacement", "")
		if strings.TrimSpace(t.keyReplacement) == "" {
			c.Fail("key.field.replacement", "key.field.replacement must be non-empty if key.field.regex is set.")
		}
	}
	t.adjustMode = strings.ToLower(strings.TrimSpace(c.String("schema.name.adjustment.mode", schema.NameAdjustNone)))
	switch t.adjustMode {
	case schema.NameAdjustNone, schema.NameAdjustAvro, schema.NameAdjustAvroUnicode:
	default:
		c.Fail("schema.name.adjustment.mode", "Value must be one of none, avro, avro_unicode")
	}
	size := c.Int("logical.table.cache.size", 16)
	t.topics = newRouterLRU[string, string](size)
	t.keySchemas = newRouterLRU[routerSchemaKey, *change.Field](size)
	t.envelope = newRouterLRU[routerSchemaKey, *change.Field](size)
	return t, nil
}

func (t *byLogicalTableRouter) Apply(r *change.Record) (*change.Record, error) {
	newTopic, err := t.newTopic(r.Topic)
	if err != nil || newTopic == "" {
		// No match, or a replacement that leaves no topic: Debezium logs
		// and passes the record on unchanged.
		return r, err
	}
	out := *r
	out.Topic = newTopic
	// A record without a key (a table without a primary key) loses its key
	// schema too: Debezium passes a null key schema on.
	out.KeySchema, out.Key = nil, nil
	if r.Key != nil {
		old, err := smtStruct(r.KeySchema, r.Key, "Updating schema")
		if err != nil {
			return nil, err
		}
		if out.KeySchema, err = t.keySchema(r.KeySchema, newTopic); err != nil {
			return nil, err
		}
		out.Key = old
		if t.enforceUniqueness {
			id, err := t.physicalTable(r.Topic)
			if err != nil {
				return nil, err
			}
			key := make(change.StructValue, len(old), len(old)+1)
			copy(key, old)
			out.Key = append(key, id)
		}
	}
	if r.Value == nil || !smtIsEnvelope(r) {
		return &out, nil
	}
	old, err := smtStruct(r.ValueSchema, r.Value, "Updating schema")
	if err != nil {
		return nil, err
	}
	if out.ValueSchema, err = t.envelopeSchema(r.ValueSchema, newTopic); err != nil {
		return nil, err
	}
	out.Value = routerEnvelopeValue(r.ValueSchema, old)
	return &out, nil
}

// newTopic returns what topic.replacement makes of topic when topic.regex
// matches all of it, or "" when it does not match. Both answers are cached:
// a topic that does not match is not matched again while the cache holds it.
func (t *byLogicalTableRouter) newTopic(topic string) (string, error) {
	if nt, ok := t.topics.get(topic); ok {
		return nt, nil
	}
	if !t.topicFull.MatchString(topic) {
		t.topics.put(topic, "")
		return "", nil
	}
	nt, err := smtReplaceFirst(t.topicRe, topic, t.topicReplacement)
	if err != nil {
		return "", fmt.Errorf("topic.replacement %q for topic %q: %w", t.topicReplacement, topic, err)
	}
	t.topics.put(topic, nt)
	return nt, nil
}

// physicalTable is the value of the key's added member: the old topic, or
// what key.field.replacement makes of it when key.field.regex matches all
// of it.
func (t *byLogicalTableRouter) physicalTable(topic string) (string, error) {
	if t.keyRe == nil || !t.keyFull.MatchString(topic) {
		return topic, nil
	}
	id, err := smtReplaceFirst(t.keyRe, topic, t.keyReplacement)
	if err != nil {
		return "", fmt.Errorf("key.field.replacement %q for topic %q: %w", t.keyReplacement, topic, err)
	}
	return id, nil
}

// keySchema is old renamed "<topic>.Key" with the key.field.name member
// added (a required string) when uniqueness is enforced. Like Debezium's
// copy it keeps old's version, doc, parameters and optionality but not its
// default.
func (t *byLogicalTableRouter) keySchema(old *change.Field, topic string) (*change.Field, error) {
	if s, ok := t.keySchemas.get(routerSchemaKey{old, topic}); ok {
		return s, nil
	}
	name, err := t.adjust(topic + ".Key")
	if err != nil {
		return nil, err
	}
	s := routerRenamed(old, name)
	if t.enforceUniqueness {
		if old.Member(t.keyFieldName) >= 0 {
			// Kafka's SchemaBuilder refuses the second field of one name.
			return nil, fmt.Errorf("Cannot create field because of field name duplication %s", t.keyFieldName)
		}
		s.Fields = append(s.Fields[:len(s.Fields):len(s.Fields)], change.Field{Name: t.keyFieldName, Type: change.String})
	}
	t.keySchemas.put(routerSchemaKey{old, topic}, s)
	return s, nil
}

// envelopeSchema is the envelope old renamed "<topic>.Envelope", its before
// and after members both the before schema renamed "<topic>.Value" (as
// Debezium builds them), its other members as they are.
func (t *byLogicalTableRouter) envelopeSchema(old *change.Field, topic string) (*change.Field, error) {
	if s, ok := t.envelope.get(routerSchemaKey{old, topic}); ok {
		return s, nil
	}
	bi := old.Member("before")
	if bi < 0 || old.Fields[bi].Type != change.Struct {
		return nil, fmt.Errorf("%s: the envelope %q has no before struct to rename", byLogicalTableRouterClass, old.Logical)
	}
	valueName, err := t.adjust(topic + ".Value")
	if err != nil {
		return nil, err
	}
	envName, err := t.adjust(topic + smtEnvelopeSuffix)
	if err != nil {
		return nil, err
	}
	value := routerRenamed(&old.Fields[bi], valueName)
	s := routerRenamed(old, envName)
	s.Fields = make([]change.Field, len(old.Fields))
	for i, f := range old.Fields {
		if f.Name == "before" || f.Name == "after" {
			v := *value
			v.Name = f.Name
			f = v
		}
		s.Fields[i] = f
	}
	t.envelope.put(routerSchemaKey{old, topic}, s)
	return s, nil
}

// routerRenamed copies struct schema old (members shared) under name,
// without its default, as Debezium's copySchemaExcludingName does.
func routerRenamed(old *change.Field, name string) *change.Field {
	s := &change.Field{
		Name: old.Name, Type: change.Struct, Optional: old.Optional, Logical: name,
		Version: old.Version, Params: old.Params, Doc: old.Doc, Fields: old.Fields,
	}
	return s
}

// routerEnvelopeValue is the envelope's value as Debezium copies it,
// member by member with Struct.get: a null member whose schema has a
// default takes the default. v itself when there is none to take.
func routerEnvelopeValue(s *change.Field, v change.StructValue) change.StructValue {
	var out change.StructValue
	for i := range v {
		if v[i] == nil && s.Fields[i].Default != nil {
			if out == nil {
				out = append(change.StructValue(nil), v...)
			}
			out[i] = s.Fields[i].Default
		}
	}
	if out == nil {
		return v
	}
	return out
}

// adjust applies schema.name.adjustment.mode to a schema name. Debezium's
// Avro adjusters refuse a name whose replacement another name already
// became.
func (t *byLogicalTableRouter) adjust(name string) (string, error) {
	adj := schema.AdjustSchemaName(t.adjustMode, name)
	if adj == name {
		return adj, nil
	}
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	if prev, ok := t.adjusted[adj]; ok && prev != name {
		return "", fmt.Errorf("The Kafka Connect schema name '%s' is not a valid Avro schema name and its replacement '%s' conflicts with another different schema '%s'", name, adj, prev)
	}
	t.adjusted[adj] = name
	return adj, nil
}
