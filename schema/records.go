package schema

import (
	"fmt"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// recordMaker turns change events into the Kafka Connect records Debezium
// hands to a connector's transforms chain (change.Record): what Encode
// writes, before the converter. It caches, per table schema version, the
// topic, the headers and the key schema, and per source schema the
// envelope schema, so that every record of a table shares one *change.Field
// for its key and one for its value (the converters cache by that pointer).
type recordMaker struct {
	prefix     string
	tombstones bool
	now        func() time.Time
	adjust     string
	// headers are the options' headers as record headers (Raw); len == cap.
	headers []change.RecordHeader

	last   *tableRecords
	tables map[*change.TableSchema]*tableRecords
}

// tableRecords is what every record of one table schema version shares.
type tableRecords struct {
	t       *change.TableSchema
	topic   string
	base    string                // topic adjusted by schema.name.adjustment.mode
	headers []change.RecordHeader // the options' headers, then VersionHeader; len == cap
	key     *change.Field         // nil for a keyless table

	src  *change.Field                   // the source schema env was built for
	env  *change.Field                   // envelope schema for src
	envs map[*change.Field]*change.Field // every source schema seen
}

func newRecordMaker(prefix string, tombstones bool, now func() time.Time, adjust string, headers []change.Header) *recordMaker {
	return &recordMaker{prefix: prefix, tombstones: tombstones, now: now, adjust: adjust,
		headers: rawHeaders(headers), tables: map[*change.TableSchema]*tableRecords{}}
}

// rawHeaders returns h as Raw record headers, len == cap (nil when empty).
func rawHeaders(h []change.Header) []change.RecordHeader {
	if len(h) == 0 {
		return nil
	}
	out := make([]change.RecordHeader, len(h))
	for i, x := range h {
		out[i] = change.RecordHeader{Key: x.Key, Raw: x.Value}
	}
	return out
}

// Records appends to dst the Kafka Connect records Debezium would hand to
// the transforms chain for ev, in order: the transaction BEGIN record, the
// change record (its key the <topic>.Key struct, its value the
// <topic>.Envelope), the tombstone after a delete when tombstones.on.delete
// is set, the transaction END record; or, for a change.Message (schema
// change, heartbeat, transaction metadata), one record with the message's
// own schemas. Headers are the event's own, then the options' headers,
// then sluice.schema.version (data records), all Raw, as Encode writes
// them; EncodeRecord of each record writes the bytes Encode writes for ev.
//
// Records share their schemas, and the values of one event (a tombstone's
// key is the change record's key); transforms must not write into them.
// On error dst is returned unchanged.
func (j *JSON) Records(dst []change.Record, ev *change.Event) ([]change.Record, error) {
	if j.rec == nil {
		j.rec = newRecordMaker(j.o.TopicPrefix, j.o.Tombstones, j.now, j.o.SchemaNameAdjustment, j.o.Headers)
	}
	return j.rec.records(dst, ev)
}

// Records is JSON.Records for the Avro encoder's options.
func (a *Avro) Records(dst []change.Record, ev *change.Event) ([]change.Record, error) {
	if a.rec == nil {
		a.rec = newRecordMaker(a.o.TopicPrefix, a.o.Tombstones, a.now, a.o.SchemaNameAdjustment, a.o.Headers)
	}
	return a.rec.records(dst, ev)
}

func (m *recordMaker) records(dst []change.Record, ev *change.Event) ([]change.Record, error) {
	if ev == nil || (ev.Message == nil && ev.Table == nil) {
		return dst, fmt.Errorf("records of event: %w: no table schema", ErrEvent)
	}
	n := len(dst)
	if ev.TxBegin != nil {
		dst = append(dst, m.message(ev.TxBegin))
	}
	if ev.Message != nil {
		dst = append(dst, m.message(ev.Message))
	} else {
		var err error
		if dst, err = m.change(dst, ev); err != nil {
			return dst[:n], fmt.Errorf("records of %s event on %s: %w", ev.Op, ev.Table.ID, err)
		}
	}
	if ev.TxEnd != nil {
		dst = append(dst, m.message(ev.TxEnd))
	}
	return dst, nil
}

// message returns the record of a change.Message.
func (m *recordMaker) message(msg *change.Message) change.Record {
	r := change.Record{Topic: messageTopic(m.prefix, msg), Partition: change.NoPartition,
		KeySchema: msg.KeySchema, ValueSchema: msg.ValueSchema}
	if msg.Key != nil {
		r.Key = msg.Key
	}
	if msg.Value != nil {
		r.Value = msg.Value
	}
	if !msg.NoContextHeaders {
		r.Headers = m.headers
	}
	return r
}

// change appends ev's change record and its tombstone.
func (m *recordMaker) change(dst []change.Record, ev *change.Event) ([]change.Record, error) {
	t := ev.Table
	switch ev.Op {
	case change.OpCreate, change.OpUpdate, change.OpDelete, change.OpRead, change.OpTruncate:
	default:
		return dst, fmt.Errorf("%w: unknown op %q", ErrEvent, byte(ev.Op))
	}
	if ev.SourceSchema == nil || ev.SourceSchema.Type != change.Struct {
		return dst, fmt.Errorf("%w: source schema missing or not a struct", ErrEvent)
	}
	tr, err := m.table(t)
	if err != nil {
		return dst, err
	}
	r := change.Record{Topic: tr.topic, Partition: change.NoPartition}

	if kr := ev.KeyRow; t.KeyFromEvent && kr != nil && ev.Op != change.OpTruncate {
		if len(kr) != len(t.KeyFields) {
			return dst, fmt.Errorf("%w: key has %d values, the table's key %d fields", ErrEvent, len(kr), len(t.KeyFields))
		}
		r.KeySchema, r.Key = tr.key, change.StructValue(kr)
	} else if img := keyImage(ev); img != nil {
		if len(img) != len(t.Columns) {
			return dst, fmt.Errorf("%w: row has %d values, the table %d columns", ErrEvent, len(img), len(t.Columns))
		}
		k := make(change.StructValue, len(t.Key))
		for i, c := range t.Key {
			k[i] = img[c]
		}
		r.KeySchema, r.Key = tr.key, k
	}

	if tr.env == nil || tr.src != ev.SourceSchema {
		env := tr.envs[ev.SourceSchema]
		if env == nil {
			env = envelopeSchema(t, tr.base, ev.SourceSchema)
			if tr.envs == nil || len(tr.envs) >= 16 {
				tr.envs = map[*change.Field]*change.Field{}
			}
			tr.envs[ev.SourceSchema] = env
		}
		tr.env, tr.src = env, ev.SourceSchema
	}
	before, after := ev.Before, ev.After
	if ev.Op == change.OpTruncate {
		before, after = nil, nil
	}
	for _, row := range []change.Row{before, after} {
		if row != nil && len(row) != len(t.Columns) {
			return dst, fmt.Errorf("%w: row has %d values, the table %d columns", ErrEvent, len(row), len(t.Columns))
		}
	}
	var tx any
	if ev.Tx != nil {
		tx = change.StructValue{ev.Tx.ID, ev.Tx.TotalOrder, ev.Tx.DataCollectionOrder}
	}
	var src any
	if ev.Source != nil {
		src = ev.Source
	}
	now := m.now()
	r.ValueSchema = tr.env
	r.Value = change.StructValue{
		structOrNil(before), structOrNil(after), src, tx, string(byte(ev.Op)),
		now.UnixMilli(), now.UnixMicro(), now.UnixNano(),
	}
	r.Headers = tr.headers
	if len(ev.Headers) > 0 {
		h := make([]change.RecordHeader, 0, len(ev.Headers)+len(tr.headers))
		for _, x := range ev.Headers {
			h = append(h, change.RecordHeader{Key: x.Key, Raw: x.Value})
		}
		r.Headers = append(h, tr.headers...)
	}
	dst = append(dst, r)
	if ev.Op == change.OpDelete && m.tombstones {
		dst = append(dst, change.Record{Topic: r.Topic, Partition: change.NoPartition,
			KeySchema: r.KeySchema, Key: r.Key, Headers: r.Headers})
	}
	return dst, nil
}

// table returns the cached tableRecords of t, building it on first use.
func (m *recordMaker) table(t *change.TableSchema) (*tableRecords, error) {
	if m.last != nil && m.last.t == t {
		return m.last, nil
	}
	tr := m.tables[t]
	if tr == nil {
		for _, c := range t.Key {
			if c < 0 || c >= len(t.Columns) {
				return nil, fmt.Errorf("%w: key column index %d out of range", ErrEvent, c)
			}
		}
		tr = &tableRecords{t: t, topic: topicName(m.prefix, t.ID.Namespace, t.ID.Name)}
		tr.base = AdjustSchemaName(m.adjust, tr.topic)
		if len(t.Key) > 0 || t.KeyFromEvent {
			tr.key = keySchema(t, tr.base)
		}
		h := make([]change.RecordHeader, 0, len(m.headers)+1)
		h = append(h, m.headers...)
		v := tableHeaders(nil, t)[0]
		tr.headers = append(h, change.RecordHeader{Key: v.Key, Raw: v.Value})
		if len(m.tables) >= maxCachedTables {
			clear(m.tables)
		}
		m.tables[t] = tr
	}
	m.last = tr
	return tr, nil
}
