package schema

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/sluicecdc/sluice/connectors/change"
)

// VersionHeader is the record header that carries the table's schema version
// (change.TableSchema.Version) as a decimal string, on every record.
const VersionHeader = "sluice.schema.version"

// Message is one encoded Kafka record. A nil Value is a tombstone. Its fields
// match sinks.Record, so a Message converts to one.
//
// Key and Value are the message's own: no other Message shares their bytes.
// Headers may share its backing array and the header values with other
// messages of the same table; treat them as read-only.
type Message struct {
	Topic      string
	Key, Value []byte
	Headers    []change.Header
	// Partition is the partition the record goes to when Partitioned is
	// set (a transform chose it); otherwise the sink's partitioner picks
	// one from the key. A bool rather than change.NoPartition keeps the
	// zero Message a record without a partition.
	Partition   int32
	Partitioned bool
	// Timestamp is the record's timestamp; zero lets the producer stamp it.
	Timestamp time.Time
	// Made, when set, is when the encoder made the record (its envelope's
	// ts_ms): a sink that stamps a record without Timestamp may use it
	// rather than read the clock again. It is not the record's timestamp:
	// transforms still see none.
	Made time.Time
}

// JSONOptions configures a JSON encoder with the Debezium and Kafka Connect
// settings of the same names.
type JSONOptions struct {
	TopicPrefix  string // topic.prefix
	KeySchemas   bool   // key.converter.schemas.enable
	ValueSchemas bool   // value.converter.schemas.enable
	Tombstones   bool   // tombstones.on.delete
	// KeyKeepNulls and ValueKeepNulls are key.converter and
	// value.converter replace.null.with.default=false: a null stays null
	// where its field has a default (Kafka Connect's default, false here,
	// writes the default instead).
	KeyKeepNulls, ValueKeepNulls bool
	Now                          func() time.Time // clock for the envelope's ts_ms/ts_us/ts_ns; nil means time.Now
	// Headers are added to every record (data, tombstones and messages)
	// after the event's own headers: Debezium's context headers (see
	// ContextHeaders). The encoder shares them between records; they must
	// not change after NewJSON.
	Headers []change.Header
	// SchemaNameAdjustment is Debezium's schema.name.adjustment.mode for
	// the names of a table's Key, Value and Envelope schemas (NameAdjust*;
	// "" is none). Topics keep their names.
	SchemaNameAdjustment string
}

// JSON encodes change events as Debezium's records under Kafka Connect's
// JsonConverter (decimal.format=BASE64, the default; replace.null.with.default
// as the options say, true by default: a null where the field has a default
// is written as the default, in both schemas.enable modes). Values are
// written in their Connect representation (change.Row): bytes, and so
// decimals, as base64; floats as Java prints them (see appendJavaFloat);
// strings escaped as Jackson escapes them.
//
// The Connect schemas of a table are encoded once per *change.TableSchema (a
// table schema version) and source schema, then reused.
//
// A JSON is not safe for concurrent use; use one per connector.
type JSON struct {
	o   JSONOptions
	now func() time.Time

	last   *tableCodec
	tables map[*change.TableSchema]*tableCodec
	buf    []byte // scratch for the record being encoded
	src    srcMemo
	mem    arena // the bytes of the records handed out

	rec *recordMaker // Records; nil until first used
	enc recordCodec  // EncodeRecord's caches
}

// maxCachedTables bounds the schema cache: past it, the cache is dropped and
// refilled by the tables still in use (old schema versions fall out).
const maxCachedTables = 4096

// tableCodec holds what is the same for every event of one table schema.
type tableCodec struct {
	t       *change.TableSchema
	topic   string
	headers []change.Header // the options' Headers, then VersionHeader; len == cap so appends copy
	// schemaBase is the topic adjusted by SchemaNameAdjustment: the
	// schemas are <schemaBase>.Key, .Value and .Envelope.
	schemaBase string

	keyPrefix []byte   // {"schema":<key schema>,"payload":  (KeySchemas only)
	keyNames  [][]byte // "<key field name>": of each KeyFields member (KeyFromEvent only)

	src         *change.Field // the source schema valuePrefix was built for
	valuePrefix []byte        // {"schema":<envelope schema>,"payload":  (ValueSchemas only)

	names [][]byte // each column's member name, escaped and quoted, with its ':'
}

// NewJSON returns a JSON encoder with options o.
func NewJSON(o JSONOptions) *JSON {
	j := &JSON{o: o, now: o.Now, tables: make(map[*change.TableSchema]*tableCodec)}
	if j.now == nil {
		j.now = time.Now
	}
	return j
}

// Recycle tells the encoder that no record it has returned is used any more
// (the sink has committed or aborted every one of them), so that their
// memory is reused for the records to come. An encoder that is never told
// this allocates afresh, as if it had no memory of its own.
func (j *JSON) Recycle() { j.mem.recycle() }

// Topic returns the topic of table id's change events as Debezium's default
// topic naming strategy builds it: the non-blank parts of
// <prefix>.<namespace>.<name> joined by '.', every character outside
// [a-zA-Z0-9._-] replaced by '_' (two for a character outside the Basic
// Multilingual Plane, which Java counts as two), cut to 249 characters.
// Schema names derive from it: <topic>.Key, <topic>.Value, <topic>.Envelope.
func (j *JSON) Topic(id change.TableID) string {
	return topicName(j.o.TopicPrefix, id.Namespace, id.Name)
}

// maxTopicLength is Kafka's limit on a topic name, which Debezium applies.
const maxTopicLength = 249

func topicName(parts ...string) string {
	b := make([]byte, 0, 64)
	for _, p := range parts {
		if isBlank(p) {
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		for _, r := range p {
			switch {
			case r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
				b = append(b, byte(r))
			case r > 0xFFFF:
				b = append(b, '_', '_')
			default:
				b = append(b, '_')
			}
		}
	}
	switch string(b) {
	case ".":
		return "_"
	case "..":
		return "__"
	}
	if len(b) > maxTopicLength {
		b = b[:maxTopicLength]
	}
	return string(b)
}

// isBlank reports whether s is empty after Java's String.trim(), which cuts
// every character up to ' '.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > ' ' {
			return false
		}
	}
	return true
}

// Encode appends the messages for ev to dst: one record, plus a tombstone
// (same topic, key and headers, nil Value) after a delete when Tombstones is
// set. Like Debezium, it writes a tombstone after a delete even when the
// table has no key (its key is then null too).
//
// The key is the struct of the key columns taken from ev's After image (its
// Before image for a delete), or nil for a keyless table and for a truncate.
// Every record carries ev.Headers, then the options' Headers, then the
// VersionHeader header.
//
// With ValueSchemas the envelope schema is cached per table schema and
// ev.SourceSchema pointer: a source should reuse one *change.Field for its
// source block rather than build one per event.
//
// On error dst is returned unchanged and the error wraps ErrEvent or ErrValue.
func (j *JSON) Encode(dst []Message, ev *change.Event) ([]Message, error) {
	if ev != nil && ev.Message != nil {
		return encodeWithTx(dst, ev, j.encodeMessage, j.messageTopic, func(dst []Message) ([]Message, error) {
			out, err := j.encodeMessage(dst, ev.Message)
			if err != nil {
				return dst, fmt.Errorf("encode message for topic %q: %w", j.messageTopic(ev.Message), err)
			}
			return out, nil
		})
	}
	if ev == nil || ev.Table == nil {
		return dst, fmt.Errorf("encode event: %w: no table schema", ErrEvent)
	}
	return encodeWithTx(dst, ev, j.encodeMessage, j.messageTopic, func(dst []Message) ([]Message, error) {
		out, err := j.encode(dst, ev)
		if err != nil {
			return dst, fmt.Errorf("encode %s event on %s: %w", ev.Op, ev.Table.ID, err)
		}
		return out, nil
	})
}

// encodeWithTx appends ev's records, written by records, between its
// transaction-metadata BEGIN and END records when it carries them. On error
// dst is returned unchanged.
func encodeWithTx(dst []Message, ev *change.Event, message func([]Message, *change.Message) ([]Message, error),
	topic func(*change.Message) string, records func([]Message) ([]Message, error)) ([]Message, error) {
	if ev.TxBegin == nil && ev.TxEnd == nil {
		return records(dst)
	}
	n := len(dst)
	out := dst
	var err error
	if ev.TxBegin != nil {
		if out, err = message(out, ev.TxBegin); err != nil {
			return dst[:n], fmt.Errorf("encode transaction BEGIN for topic %q: %w", topic(ev.TxBegin), err)
		}
	}
	if out, err = records(out); err != nil {
		return dst[:n], err
	}
	if ev.TxEnd != nil {
		if out, err = message(out, ev.TxEnd); err != nil {
			return dst[:n], fmt.Errorf("encode transaction END for topic %q: %w", topic(ev.TxEnd), err)
		}
	}
	return out, nil
}

func (j *JSON) encode(dst []Message, ev *change.Event) ([]Message, error) {
	t := ev.Table
	switch ev.Op {
	case change.OpCreate, change.OpUpdate, change.OpDelete, change.OpRead, change.OpTruncate:
	default:
		return dst, fmt.Errorf("%w: unknown op %q", ErrEvent, byte(ev.Op))
	}
	if ev.SourceSchema == nil || ev.SourceSchema.Type != change.Struct {
		return dst, fmt.Errorf("%w: source schema missing or not a struct", ErrEvent)
	}
	tc, err := j.codec(t)
	if err != nil {
		return dst, err
	}
	if j.o.ValueSchemas && tc.src != ev.SourceSchema {
		if err := tc.buildValuePrefix(ev.SourceSchema); err != nil {
			return dst, err
		}
	}

	b := j.buf[:0]

	// Key.
	hasKey := false
	if kr := ev.KeyRow; t.KeyFromEvent && kr != nil && ev.Op != change.OpTruncate {
		// The key's values come with the event (see change.TableSchema.KeyFromEvent).
		if len(kr) != len(t.KeyFields) {
			return dst, fmt.Errorf("%w: key has %d values, the table's key %d fields", ErrEvent, len(kr), len(t.KeyFields))
		}
		hasKey = true
		if j.o.KeySchemas {
			b = append(b, tc.keyPrefix...)
		}
		b = append(b, '{')
		for i := range t.KeyFields {
			if i > 0 {
				b = append(b, ',')
			}
			f := &t.KeyFields[i]
			b = append(b, tc.keyNames[i]...)
			if b, err = appendValueNulls(b, f, kr[i], !j.o.KeyKeepNulls); err != nil {
				return dst, fmt.Errorf("key column %s: %w", f.Name, err)
			}
		}
		b = append(b, '}')
		if j.o.KeySchemas {
			b = append(b, '}')
		}
	} else if img := keyImage(ev); img != nil {
		if len(img) != len(t.Columns) {
			return dst, fmt.Errorf("%w: row has %d values, the table %d columns", ErrEvent, len(img), len(t.Columns))
		}
		hasKey = true
		if j.o.KeySchemas {
			b = append(b, tc.keyPrefix...)
		}
		b = append(b, '{')
		for i, c := range t.Key {
			if i > 0 {
				b = append(b, ',')
			}
			f := &t.Columns[c]
			b = append(b, tc.names[c]...)
			if b, err = appendValueNulls(b, f, img[c], !j.o.KeyKeepNulls); err != nil {
				return dst, fmt.Errorf("key column %s: %w", f.Name, err)
			}
		}
		b = append(b, '}')
		if j.o.KeySchemas {
			b = append(b, '}')
		}
	}
	keyLen := len(b)

	// Value: the envelope.
	if j.o.ValueSchemas {
		b = append(b, tc.valuePrefix...)
	}
	before, after := ev.Before, ev.After
	if ev.Op == change.OpTruncate {
		before, after = nil, nil
	}
	b = append(b, `{"before":`...)
	replace := !j.o.ValueKeepNulls
	if b, err = tc.appendRow(b, before, replace); err != nil {
		return dst, fmt.Errorf("before: %w", err)
	}
	b = append(b, `,"after":`...)
	if b, err = tc.appendRow(b, after, replace); err != nil {
		return dst, fmt.Errorf("after: %w", err)
	}
	b = append(b, `,"source":`...)
	if b, err = j.src.append(b, ev.SourceSchema, ev.Source, replace); err != nil {
		return dst, fmt.Errorf("source: %w", err)
	}
	if tx := ev.Tx; tx != nil {
		b = append(b, `,"transaction":{"id":`...)
		b = appendString(b, tx.ID)
		b = append(b, `,"total_order":`...)
		b = strconv.AppendInt(b, tx.TotalOrder, 10)
		b = append(b, `,"data_collection_order":`...)
		b = strconv.AppendInt(b, tx.DataCollectionOrder, 10)
		b = append(b, `},"op":"`...)
	} else {
		b = append(b, `,"transaction":null,"op":"`...)
	}
	b = append(b, byte(ev.Op))
	b = append(b, '"')
	now := j.now()
	b = appendTimestamps(b, now)
	if j.o.Now != nil {
		now = time.Time{} // a test's clock: the sink reads its own
	}
	b = append(b, '}')
	if j.o.ValueSchemas {
		b = append(b, '}')
	}
	valLen := len(b)

	tomb := ev.Op == change.OpDelete && j.o.Tombstones
	// One allocation holds the key, the value and the tombstone's key; the
	// three slices do not overlap and their capacities end where they do.
	n := valLen
	if tomb {
		n += keyLen
	}
	mem := j.mem.alloc(n)
	copy(mem, b)
	j.buf = b[:0]
	var key []byte
	if hasKey {
		key = mem[:keyLen:keyLen]
	}
	headers := withEventHeaders(tc.headers, ev.Headers)
	dst = append(dst, Message{Topic: tc.topic, Key: key, Value: mem[keyLen:valLen:valLen], Headers: headers, Made: now})
	if tomb {
		var tkey []byte
		if hasKey {
			tkey = mem[valLen:]
			copy(tkey, mem[:keyLen])
		}
		dst = append(dst, Message{Topic: tc.topic, Key: tkey, Headers: headers, Made: now})
	}
	return dst, nil
}

// keyImage returns the row image the key is taken from, as change.Event.Key
// does (After, else Before), or nil when the record has a null key: keyless
// tables and truncates.
func keyImage(ev *change.Event) change.Row {
	if len(ev.Table.Key) == 0 || ev.Op == change.OpTruncate {
		return nil
	}
	if ev.After != nil {
		return ev.After
	}
	return ev.Before
}

// appendRow appends row as the <topic>.Value struct of the table, or null,
// with the column names escaped once per table.
func (tc *tableCodec) appendRow(b []byte, row change.Row, replace bool) ([]byte, error) {
	t := tc.t
	if row == nil {
		return append(b, "null"...), nil
	}
	if len(row) != len(t.Columns) {
		return b, fmt.Errorf("%w: row has %d values, the table %d columns", ErrEvent, len(row), len(t.Columns))
	}
	b = append(b, '{')
	for i := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, tc.names[i]...)
		var err error
		if b, err = appendValueNulls(b, &t.Columns[i], row[i], replace); err != nil {
			return b, fmt.Errorf("%s: %w", t.Columns[i].Name, err)
		}
	}
	return append(b, '}'), nil
}

// srcMemo remembers the last source block it encoded, so that members
// equal to the last event's (most are, within a transaction and table) are
// copied rather than encoded again, a run of them at a time. Only strings,
// integers, booleans and nulls are remembered; a member's bytes depend only
// on its field and value.
type srcMemo struct {
	schema *change.Field
	names  [][]byte // each member's `"name":`, escaped once
	vals   []any    // the last block's values
	ok     []bool   // whether vals[i] is remembered
	last   []byte   // the last block's members: `"a":1,"b":2`, no braces
	ends   []int    // where each member ends in last
	next   []int    // scratch for the ends of the block being encoded
	all    bool     // every member of the last block is remembered
}

// append appends vs as the struct f, like appendStructNulls.
func (m *srcMemo) append(b []byte, f *change.Field, vs []any, replace bool) ([]byte, error) {
	fields := f.Fields
	if len(vs) != len(fields) {
		return b, fmt.Errorf("%w: struct value has %d members, its schema %d", ErrValue, len(vs), len(fields))
	}
	if m.schema != f || len(m.ok) != len(fields) {
		m.schema = f
		m.names = make([][]byte, len(fields))
		for i := range fields {
			m.names[i] = append(appendString(nil, fields[i].Name), ':')
		}
		m.vals = make([]any, len(fields))
		m.ok = make([]bool, len(fields))
		m.ends = make([]int, len(fields))
		m.next = make([]int, len(fields))
		m.all = false
	}
	b = append(b, '{')
	if m.all && sameBoxes(m.vals, vs) {
		// The very values of the last block (a snapshot's rows share
		// their table's block): the same members, compared at once.
		b = append(b, m.last...)
		return append(b, '}'), nil
	}
	start := len(b)
	run := -1 // the first member of the run of remembered members being skipped
	m.all = true
	for i := range fields {
		if m.ok[i] && sameScalar(m.vals[i], vs[i]) {
			if run < 0 {
				run = i
			}
			continue
		}
		if run >= 0 {
			b = m.copyRun(b, start, run, i)
			run = -1
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m.names[i]...)
		var err error
		if b, err = appendValueNulls(b, &fields[i], vs[i], replace); err != nil {
			m.schema, m.all = nil, false // start afresh
			return b, fmt.Errorf("%s: %w", fields[i].Name, err)
		}
		m.next[i] = len(b) - start
		m.ok[i] = scalar(vs[i])
		if m.ok[i] {
			m.vals[i] = vs[i]
		} else {
			m.all = false
		}
	}
	if run >= 0 {
		b = m.copyRun(b, start, run, len(fields))
	}
	m.last = append(m.last[:0], b[start:]...)
	m.ends, m.next = m.next, m.ends
	return append(b, '}'), nil
}

// copyRun appends members [from, to) of the last block, with the comma
// before them, and notes where they end in the block being encoded, which
// starts at b[start].
func (m *srcMemo) copyRun(b []byte, start, from, to int) []byte {
	lo := 0
	if from > 0 {
		lo = m.ends[from-1] // the comma after member from-1
	}
	shift := len(b) - start - lo
	b = append(b, m.last[lo:m.ends[to-1]]...)
	for j := from; j < to; j++ {
		m.next[j] = m.ends[j] + shift
	}
	return b
}

// sameBoxes reports whether a and b hold the same interfaces, type and box
// for type and box (see sameScalar), compared as one run of memory.
func sameBoxes(a, b []any) bool {
	if len(a) != len(b) || len(a) == 0 {
		return len(a) == len(b)
	}
	const word = int(unsafe.Sizeof(any(nil)))
	x := unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a)*word)
	y := unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), len(b)*word)
	return bytes.Equal(x, y)
}

func scalar(v any) bool {
	switch v.(type) {
	case nil, string, int64, int32, int, bool:
		return true
	}
	return false
}

// sameScalar reports whether a and b are the same remembered value. Two
// interfaces with the same type and the same box hold the same value (a box
// is never written after it is made), which spares comparing the values
// when sources share boxes between events, as they do within a
// transaction.
func sameScalar(a, b any) bool {
	if *(*[2]unsafe.Pointer)(unsafe.Pointer(&a)) == *(*[2]unsafe.Pointer)(unsafe.Pointer(&b)) {
		return true
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case int32:
		y, ok := b.(int32)
		return ok && x == y
	case int:
		y, ok := b.(int)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// codec returns the cached tableCodec of t, building it on first use.
func (j *JSON) codec(t *change.TableSchema) (*tableCodec, error) {
	if j.last != nil && j.last.t == t {
		return j.last, nil
	}
	tc := j.tables[t]
	if tc == nil {
		if len(t.Key) > 0 {
			for _, c := range t.Key {
				if c < 0 || c >= len(t.Columns) {
					return nil, fmt.Errorf("%w: key column index %d out of range", ErrEvent, c)
				}
			}
		}
		tc = &tableCodec{
			t:       t,
			topic:   j.Topic(t.ID),
			headers: tableHeaders(j.o.Headers, t),
		}
		tc.schemaBase = AdjustSchemaName(j.o.SchemaNameAdjustment, tc.topic)
		tc.names = make([][]byte, len(t.Columns))
		for i := range t.Columns {
			tc.names[i] = append(appendString(nil, t.Columns[i].Name), ':')
		}
		if t.KeyFromEvent {
			tc.keyNames = make([][]byte, len(t.KeyFields))
			for i := range t.KeyFields {
				tc.keyNames[i] = append(appendString(nil, t.KeyFields[i].Name), ':')
			}
		}
		if j.o.KeySchemas && (len(t.Key) > 0 || t.KeyFromEvent) {
			b := append([]byte(nil), `{"schema":`...)
			b, err := appendSchema(b, keySchema(t, tc.schemaBase), false)
			if err != nil {
				return nil, fmt.Errorf("key schema: %w", err)
			}
			tc.keyPrefix = append(b, `,"payload":`...)
		}
		if len(j.tables) >= maxCachedTables {
			clear(j.tables)
		}
		j.tables[t] = tc
	}
	j.last = tc
	return tc, nil
}

// buildValuePrefix encodes the envelope schema of tc's table with source
// schema src.
func (tc *tableCodec) buildValuePrefix(src *change.Field) error {
	b := append([]byte(nil), `{"schema":`...)
	b, err := appendSchema(b, envelopeSchema(tc.t, tc.schemaBase, src), false)
	if err != nil {
		return fmt.Errorf("value schema: %w", err)
	}
	tc.valuePrefix = append(b, `,"payload":`...)
	tc.src = src
	return nil
}

// messageTopic is the topic of a change.Message.
func (j *JSON) messageTopic(m *change.Message) string {
	return messageTopic(j.o.TopicPrefix, m)
}

// messageTopic is the topic of a change.Message under topic.prefix prefix:
// the prefix and Topic, or Topic alone when it is the whole name.
func messageTopic(prefix string, m *change.Message) string {
	if m.FullTopic {
		return topicName(m.Topic)
	}
	return topicName(prefix, m.Topic)
}

// encodeMessage writes a change.Message: its key and value structs, each in
// the {schema, payload} wrapper when schemas are enabled for that side.
func (j *JSON) encodeMessage(dst []Message, m *change.Message) ([]Message, error) {
	if m.KeySchema == nil || m.KeySchema.Type != change.Struct || m.ValueSchema == nil || m.ValueSchema.Type != change.Struct {
		return dst, fmt.Errorf("%w: message key and value schemas must be structs", ErrEvent)
	}
	side := func(f *change.Field, v change.StructValue, schemas, replace bool) ([]byte, error) {
		var b []byte
		var err error
		if schemas {
			b = append(b, `{"schema":`...)
			if b, err = appendSchema(b, f, false); err != nil {
				return nil, err
			}
			b = append(b, `,"payload":`...)
		}
		if v == nil {
			b = append(b, "null"...)
		} else if b, err = appendStructNulls(b, f.Fields, v, replace); err != nil {
			return nil, err
		}
		if schemas {
			b = append(b, '}')
		}
		return b, nil
	}
	key, err := side(m.KeySchema, m.Key, j.o.KeySchemas, !j.o.KeyKeepNulls)
	if err != nil {
		return dst, fmt.Errorf("key: %w", err)
	}
	value, err := side(m.ValueSchema, m.Value, j.o.ValueSchemas, !j.o.ValueKeepNulls)
	if err != nil {
		return dst, fmt.Errorf("value: %w", err)
	}
	return append(dst, Message{Topic: j.messageTopic(m), Key: key, Value: value, Headers: messageHeaders(j.o.Headers, m)}), nil
}

// tableHeaders returns the headers every record of table schema t carries:
// the context headers, then VersionHeader; len == cap, so that appending
// copies.
func tableHeaders(context []change.Header, t *change.TableSchema) []change.Header {
	h := make([]change.Header, 0, len(context)+1)
	h = append(h, context...)
	return append(h, change.Header{Key: VersionHeader, Value: strconv.AppendInt(nil, int64(t.Version), 10)})
}

// withEventHeaders returns an event's own headers followed by the shared
// ones, or the shared slice itself when the event has none.
func withEventHeaders(shared, own []change.Header) []change.Header {
	if len(own) == 0 {
		return shared
	}
	h := make([]change.Header, 0, len(own)+len(shared))
	h = append(h, own...)
	return append(h, shared...)
}

// messageHeaders returns the headers of a change.Message record: the
// options' headers unless the message opts out of them.
func messageHeaders(h []change.Header, m *change.Message) []change.Header {
	if m.NoContextHeaders {
		return nil
	}
	return fixedHeaders(h)
}

// fixedHeaders returns h with len == cap (so that appending copies), or nil
// when it is empty.
func fixedHeaders(h []change.Header) []change.Header {
	if len(h) == 0 {
		return nil
	}
	return h[:len(h):len(h)]
}

// appendTimestamps appends the envelope's ts_ms, ts_us and ts_ns members
// for t. From a millisecond after the epoch on, the decimal digits of t's
// milliseconds and microseconds are the leading digits of its nanoseconds',
// so those are formatted once (three formattings were a sixth of the
// encoder's time in a snapshot); other instants, and those whose
// nanoseconds do not fit an int64, are formatted member by member.
func appendTimestamps(b []byte, t time.Time) []byte {
	ns := t.UnixNano()
	if ns < 1e6 || t.UnixMilli() != ns/1e6 {
		b = append(b, `,"ts_ms":`...)
		b = strconv.AppendInt(b, t.UnixMilli(), 10)
		b = append(b, `,"ts_us":`...)
		b = strconv.AppendInt(b, t.UnixMicro(), 10)
		b = append(b, `,"ts_ns":`...)
		return strconv.AppendInt(b, ns, 10)
	}
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], ns, 10)
	b = append(b, `,"ts_ms":`...)
	b = append(b, d[:len(d)-6]...)
	b = append(b, `,"ts_us":`...)
	b = append(b, d[:len(d)-3]...)
	b = append(b, `,"ts_ns":`...)
	return append(b, d...)
}
