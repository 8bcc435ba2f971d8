package schema

import (
	"errors"
	"fmt"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicecdc/sluice/connectors/change"
)

// ErrAvroSchema reports a table whose Connect schema has no valid Avro
// form, most often a table, column or topic name with characters Avro names
// do not allow. It is terminal.
var ErrAvroSchema = errors.New("no Avro schema for the table")

// AvroOptions configures an Avro encoder with the Debezium and Kafka Connect
// settings of the same names. Each side of a record (key, value) is Avro
// when its registry is set, else JSON as the JSON encoder writes it.
type AvroOptions struct {
	TopicPrefix string           // topic.prefix
	Tombstones  bool             // tombstones.on.delete
	Now         func() time.Time // clock for the envelope's ts_ms/ts_us/ts_ns; nil means time.Now
	// Headers are added to every record after the event's own, as
	// JSONOptions.Headers.
	Headers []change.Header

	// KeyRegistry and ValueRegistry, when set, make that side Avro
	// (io.confluent.connect.avro.AvroConverter) with schemas registered
	// there; they may be the same Registry.
	KeyRegistry, ValueRegistry *Registry
	// KeySchemas and ValueSchemas are the JsonConverter's schemas.enable of
	// a JSON side.
	KeySchemas, ValueSchemas bool
	// KeyKeepNulls and ValueKeepNulls keep a null where its field has a
	// default: on an Avro side they are the AvroConverter's
	// ignore.default.for.nullables=true (Struct.getWithoutDefault instead
	// of Struct.get), on a JSON side the JsonConverter's
	// replace.null.with.default=false.
	KeyKeepNulls, ValueKeepNulls bool
	// SchemaNameAdjustment is Debezium's schema.name.adjustment.mode, as
	// JSONOptions.SchemaNameAdjustment.
	SchemaNameAdjustment string
}

// Avro encodes change events as Debezium's records under Confluent's
// AvroConverter: each key and value is Avro binary in the Confluent wire
// format (magic byte 0, the schema's 4-byte registry id, the datum), with
// the schema AvroData derives from the record's Connect schema (see
// avroSchemaGen) registered under the subject <topic>-key or <topic>-value
// (TopicNameStrategy). Either side may instead be JSON (AvroOptions).
//
// A schema is registered the first time a *change.TableSchema (a table
// schema version) or source schema is seen, so a column change registers
// the subject's next version before the first record that uses it; the ids
// are cached. Encode blocks while it retries an unreachable registry (see
// Registry.Register), and never writes a record with an id the registry did
// not return.
//
// An Avro is not safe for concurrent use; use one per connector.
type Avro struct {
	o    AvroOptions
	now  func() time.Time
	json *JSON // the JSON side, if any

	last   *avroTable
	tables map[*change.TableSchema]*avroTable
	// messages caches the codecs of change.Message schemas, by subject and
	// Connect schema.
	messages map[messageCodecKey]*avroCodec

	rec *recordMaker // Records; nil until first used
	enc recordCodec  // EncodeRecord's header conversions
}

type messageCodecKey struct {
	subject string
	schema  *change.Field
}

// avroTable holds what is the same for every event of one table schema.
type avroTable struct {
	t       *change.TableSchema
	topic   string
	headers []change.Header // the options' Headers, then VersionHeader; len == cap so appends copy

	key *avroCodec // nil until registered, and for a keyless table

	src    *change.Field // the source schema value was built for
	value  *avroCodec
	values map[*change.Field]*avroCodec // every source schema seen, for sources that use more than one
}

// avroCodec is one registered schema: its registry id, the parsed schema
// twmb/avro encodes with, and the Connect schema the values follow.
type avroCodec struct {
	id      int
	text    string
	schema  *avro.Schema
	connect *change.Field
	names   map[*change.Field]string
	// keepNulls is ignore.default.for.nullables: a null member stays null
	// instead of taking its field's default.
	keepNulls bool
}

// NewAvro returns an Avro encoder with options o. At least one of
// o.KeyRegistry and o.ValueRegistry must be set.
func NewAvro(o AvroOptions) (*Avro, error) {
	if o.KeyRegistry == nil && o.ValueRegistry == nil {
		return nil, errors.New("avro encoder: neither the key nor the value has a schema registry; use the JSON encoder")
	}
	a := &Avro{o: o, now: o.Now, tables: make(map[*change.TableSchema]*avroTable)}
	if a.now == nil {
		a.now = time.Now
	}
	if o.KeyRegistry == nil || o.ValueRegistry == nil {
		// The JSON side's own tombstone is never used: Avro writes it.
		a.json = NewJSON(JSONOptions{TopicPrefix: o.TopicPrefix, KeySchemas: o.KeySchemas, ValueSchemas: o.ValueSchemas,
			KeyKeepNulls: o.KeyKeepNulls, ValueKeepNulls: o.ValueKeepNulls, Now: a.now, Headers: o.Headers,
			SchemaNameAdjustment: o.SchemaNameAdjustment})
	}
	return a, nil
}

// Recycle says that no record returned so far is used any more; the JSON
// side, whose bytes records may carry, reuses its memory.
func (a *Avro) Recycle() {
	if a.json != nil {
		a.json.Recycle()
	}
}

// Topic returns the topic of table id's change events (see JSON.Topic).
func (a *Avro) Topic(id change.TableID) string {
	return topicName(a.o.TopicPrefix, id.Namespace, id.Name)
}

// Encode appends the messages for ev to dst, laid out as JSON.Encode lays
// them out (a record, and a tombstone after a delete when Tombstones is
// set), with the Avro sides in the Confluent wire format.
//
// On error dst is returned unchanged. The error wraps ErrEvent, ErrValue or
// ErrAvroSchema (terminal), or is a *RegistryError, which says through
// Retryable whether the registry may accept the schema later.
func (a *Avro) Encode(dst []Message, ev *change.Event) ([]Message, error) {
	topic := func(m *change.Message) string { return messageTopic(a.o.TopicPrefix, m) }
	if ev != nil && ev.Message != nil {
		return encodeWithTx(dst, ev, a.encodeMessage, topic, func(dst []Message) ([]Message, error) {
			out, err := a.encodeMessage(dst, ev.Message)
			if err != nil {
				return dst, fmt.Errorf("encode message for topic %q: %w", topic(ev.Message), err)
			}
			return out, nil
		})
	}
	if ev == nil || ev.Table == nil {
		return dst, fmt.Errorf("encode event: %w: no table schema", ErrEvent)
	}
	return encodeWithTx(dst, ev, a.encodeMessage, topic, func(dst []Message) ([]Message, error) {
		out, err := a.encode(dst, ev)
		if err != nil {
			return dst, fmt.Errorf("encode %s event on %s: %w", ev.Op, ev.Table.ID, err)
		}
		return out, nil
	})
}

func (a *Avro) encode(dst []Message, ev *change.Event) ([]Message, error) {
	t := ev.Table
	switch ev.Op {
	case change.OpCreate, change.OpUpdate, change.OpDelete, change.OpRead, change.OpTruncate:
	default:
		return dst, fmt.Errorf("%w: unknown op %q", ErrEvent, byte(ev.Op))
	}
	if ev.SourceSchema == nil || ev.SourceSchema.Type != change.Struct {
		return dst, fmt.Errorf("%w: source schema missing or not a struct", ErrEvent)
	}
	at, err := a.table(t)
	if err != nil {
		return dst, err
	}

	// The JSON side, when there is one, as the JSON encoder writes it.
	var jsonMsg Message
	if a.json != nil {
		ms, err := a.json.encode(nil, ev)
		if err != nil {
			return dst, err
		}
		jsonMsg = ms[0]
	}

	var key []byte
	img := keyImage(ev)
	fromEvent := t.KeyFromEvent && ev.KeyRow != nil && ev.Op != change.OpTruncate
	if img != nil || fromEvent {
		if img != nil && len(img) != len(t.Columns) {
			return dst, fmt.Errorf("%w: row has %d values, the table %d columns", ErrEvent, len(img), len(t.Columns))
		}
		if a.o.KeyRegistry == nil {
			key = jsonMsg.Key
		} else {
			if at.key == nil {
				ks := keySchema(t, AdjustSchemaName(a.o.SchemaNameAdjustment, at.topic))
				if at.key, err = a.register(a.o.KeyRegistry, at.topic+"-key", ks, a.o.KeyKeepNulls); err != nil {
					return dst, fmt.Errorf("key schema: %w", err)
				}
			}
			vs := change.StructValue(ev.KeyRow)
			if !fromEvent {
				vs = make(change.StructValue, len(t.Key))
				for i, c := range t.Key {
					vs[i] = img[c]
				}
			}
			if key, err = at.key.encode(vs); err != nil {
				return dst, fmt.Errorf("key: %w", err)
			}
		}
	}

	var value []byte
	if a.o.ValueRegistry == nil {
		value = jsonMsg.Value
	} else {
		if at.value == nil || at.src != ev.SourceSchema {
			c := at.values[ev.SourceSchema]
			if c == nil {
				es := envelopeSchema(t, AdjustSchemaName(a.o.SchemaNameAdjustment, at.topic), ev.SourceSchema)
				if c, err = a.register(a.o.ValueRegistry, at.topic+"-value", es, a.o.ValueKeepNulls); err != nil {
					return dst, fmt.Errorf("value schema: %w", err)
				}
				if at.values == nil || len(at.values) >= 16 {
					at.values = make(map[*change.Field]*avroCodec)
				}
				at.values[ev.SourceSchema] = c
			}
			at.value, at.src = c, ev.SourceSchema
		}
		before, after := ev.Before, ev.After
		if ev.Op == change.OpTruncate {
			before, after = nil, nil
		}
		for _, r := range []change.Row{before, after} {
			if r != nil && len(r) != len(t.Columns) {
				return dst, fmt.Errorf("%w: row has %d values, the table %d columns", ErrEvent, len(r), len(t.Columns))
			}
		}
		now := a.now()
		var tx any
		if ev.Tx != nil {
			tx = change.StructValue{ev.Tx.ID, ev.Tx.TotalOrder, ev.Tx.DataCollectionOrder}
		}
		env := change.StructValue{
			structOrNil(before), structOrNil(after), ev.Source, tx, string(byte(ev.Op)),
			now.UnixMilli(), now.UnixMicro(), now.UnixNano(),
		}
		if value, err = at.value.encode(env); err != nil {
			return dst, err
		}
	}

	headers := withEventHeaders(at.headers, ev.Headers)
	dst = append(dst, Message{Topic: at.topic, Key: key, Value: value, Headers: headers})
	if ev.Op == change.OpDelete && a.o.Tombstones {
		var tkey []byte
		if key != nil {
			tkey = append([]byte(nil), key...)
		}
		dst = append(dst, Message{Topic: at.topic, Key: tkey, Headers: headers})
	}
	return dst, nil
}

// structOrNil returns row as a struct value, keeping nil a nil interface.
func structOrNil(row change.Row) any {
	if row == nil {
		return nil
	}
	return change.StructValue(row)
}

// table returns the cached avroTable of t, building it on first use.
func (a *Avro) table(t *change.TableSchema) (*avroTable, error) {
	if a.last != nil && a.last.t == t {
		return a.last, nil
	}
	at := a.tables[t]
	if at == nil {
		for _, c := range t.Key {
			if c < 0 || c >= len(t.Columns) {
				return nil, fmt.Errorf("%w: key column index %d out of range", ErrEvent, c)
			}
		}
		at = &avroTable{
			t:       t,
			topic:   a.Topic(t.ID),
			headers: tableHeaders(a.o.Headers, t),
		}
		if len(a.tables) >= maxCachedTables {
			clear(a.tables)
		}
		a.tables[t] = at
	}
	a.last = at
	return at, nil
}

// register derives the Avro schema of Connect schema f, registers it under
// subject and returns its codec, which keeps nulls when keepNulls is set.
func (a *Avro) register(reg *Registry, subject string, f *change.Field, keepNulls bool) (*avroCodec, error) {
	text, names, err := avroSchemaText(f)
	if err != nil {
		return nil, err
	}
	s, err := avro.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (Avro names allow only letters, digits and '_', and cannot start with a digit)", ErrAvroSchema, err)
	}
	id, err := reg.Register(subject, text)
	if err != nil {
		return nil, err
	}
	return &avroCodec{id: id, text: text, schema: s, connect: f, names: names, keepNulls: keepNulls}, nil
}

// encode returns vs, a value of c's Connect struct schema, as Avro binary
// in the Confluent wire format.
func (c *avroCodec) encode(vs change.StructValue) ([]byte, error) {
	m, err := avroRecord(c.connect.Fields, vs, c.names, c.keepNulls)
	if err != nil {
		return nil, err
	}
	var h sr.ConfluentHeader
	b, err := h.AppendEncode(make([]byte, 0, 64), c.id, nil)
	if err != nil {
		return nil, fmt.Errorf("confluent header: %w", err)
	}
	if b, err = c.schema.AppendEncode(b, m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrValue, err)
	}
	return b, nil
}

// encodeMessage writes a change.Message: each Avro side registered under
// <topic>-key or <topic>-value like a table's records.
func (a *Avro) encodeMessage(dst []Message, m *change.Message) ([]Message, error) {
	topic := messageTopic(a.o.TopicPrefix, m)
	var jsonMsg Message
	if a.json != nil {
		ms, err := a.json.encodeMessage(nil, m)
		if err != nil {
			return dst, err
		}
		jsonMsg = ms[0]
	}
	side := func(reg *Registry, suffix string, f *change.Field, v change.StructValue, jsonSide []byte, keepNulls bool) ([]byte, error) {
		if reg == nil {
			return jsonSide, nil
		}
		if f == nil || f.Type != change.Struct {
			return nil, fmt.Errorf("%w: message %s schema must be a struct", ErrEvent, suffix)
		}
		k := messageCodecKey{topic + "-" + suffix, f}
		c := a.messages[k]
		if c == nil {
			var err error
			if c, err = a.register(reg, k.subject, f, keepNulls); err != nil {
				return nil, fmt.Errorf("%s schema: %w", suffix, err)
			}
			if a.messages == nil || len(a.messages) >= maxCachedTables {
				a.messages = make(map[messageCodecKey]*avroCodec)
			}
			a.messages[k] = c
		}
		if v == nil {
			return nil, nil
		}
		return c.encode(v)
	}
	key, err := side(a.o.KeyRegistry, "key", m.KeySchema, m.Key, jsonMsg.Key, a.o.KeyKeepNulls)
	if err != nil {
		return dst, err
	}
	value, err := side(a.o.ValueRegistry, "value", m.ValueSchema, m.Value, jsonMsg.Value, a.o.ValueKeepNulls)
	if err != nil {
		return dst, err
	}
	return append(dst, Message{Topic: topic, Key: key, Value: value, Headers: messageHeaders(a.o.Headers, m)}), nil
}
