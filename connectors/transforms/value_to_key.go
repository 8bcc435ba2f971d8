package transforms

import (
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// ValueToKey is org.apache.kafka.connect.transforms.ValueToKey: the key
// becomes a struct (an unnamed one) or schemaless map of the listed fields
// of the value. Kafka's transform has no null check, so a tombstone fails
// it, as in Kafka Connect.
type ValueToKey struct {
	fields         []string
	replaceNullDef bool
	schemas        schemaCache
}

const valueToKeyPurpose = "copying fields from value to key"

// Apply replaces r's key.
func (t *ValueToKey) Apply(r *change.Record) (*change.Record, error) {
	if r.ValueSchema == nil {
		m, err := requireMap(r.Value, valueToKeyPurpose)
		if err != nil {
			return nil, err
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = m[f]
		}
		out := *r
		out.KeySchema, out.Key = nil, key
		return &out, nil
	}
	s, err := requireStruct(r.Value, valueToKeyPurpose)
	if err != nil {
		return nil, err
	}
	keySchema, err := t.schemas.get(r.ValueSchema, func() (*change.Field, error) {
		b := newStructBuilder(nil)
		for _, name := range t.fields {
			j := r.ValueSchema.Member(name)
			if j < 0 {
				return nil, dataErrorf("Field does not exist: %s", name)
			}
			if err := b.add(name, &r.ValueSchema.Fields[j]); err != nil {
				return nil, err
			}
		}
		return b.build(), nil
	})
	if err != nil {
		return nil, err
	}
	key := make(change.StructValue, len(t.fields))
	for i, name := range t.fields {
		key[i] = member(r.ValueSchema, s, r.ValueSchema.Member(name), t.replaceNullDef)
	}
	out := *r
	out.KeySchema, out.Key = keySchema, key
	return &out, nil
}

func newValueToKey(c *Config) (Transform, error) {
	t := &ValueToKey{replaceNullDef: c.Bool("replace.null.with.default", true)}
	if !c.Has("fields") {
		c.Required("fields")
	}
	t.fields = c.validList("fields", false)
	return t, nil
}

func init() {
	Register(Plugin{Class: "org.apache.kafka.connect.transforms.ValueToKey", Kind: KindTransformation,
		Version: KafkaVersion, New: newValueToKey, Keys: []configdef.Key{
			kafkaSMTKey("fields", configdef.List, nil, configdef.High, "Field names on the record value to extract as the record key."),
			replaceNullKey,
		}})
}
