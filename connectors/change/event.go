package change

import "time"

// Op is the kind of a change, with Debezium's letters.
type Op byte

// The operations of Debezium's envelope.
const (
	OpCreate   Op = 'c'
	OpUpdate   Op = 'u'
	OpDelete   Op = 'd'
	OpRead     Op = 'r' // a row read by a snapshot
	OpTruncate Op = 't'
)

// String returns the op's letter.
func (o Op) String() string { return string(rune(o)) }

// Row holds one value per column of a TableSchema, in column order.
//
// A value is nil for SQL NULL, else its Kafka Connect representation under the
// column's Field: bool, int8, int16, int32, int64, float32, float64, string,
// []byte, []any for arrays, and StructValue for structs (for example
// io.debezium.data.VariableScaleDecimal or a geometry). Logical types carry
// their Connect encoding: a Decimal is its big-endian two's complement
// unscaled value as []byte, a Date its epoch days as int32, and so on; the
// encoders never interpret database types.
type Row []any

// StructValue is the value of a Field of type Struct: one value per member, in the
// member order of the Field.
type StructValue []any

// Event is one change to one row (or one table, for a truncate).
type Event struct {
	Op     Op
	Table  *TableSchema
	Before Row // nil when there is no before image
	After  Row // nil for deletes and truncates

	// Source is the source block of the envelope, laid out by SourceSchema.
	Source       StructValue
	SourceSchema *Field

	// Commit is the time the source committed the change (the snapshot time for reads).
	Commit time.Time

	// Pos orders the event among all events of its source.
	Pos Position

	// KeyRow holds the key's values, laid out by Table.KeyFields, when
	// Table.KeyFromEvent is set; nil otherwise.
	KeyRow Row

	// Headers are extra Kafka record headers, for example Debezium's
	// __debezium.oldkey on a key change.
	Headers []Header

	// Message, when set, makes the event a record that is not a row change
	// (a schema change, a heartbeat): Op, Table, Before, After and Source
	// are then unused and the encoders write Message instead.
	Message *Message

	// Raw are records written as they are, in the same Kafka transaction
	// as the event's own record (the MySQL source's schema history). An
	// event with Raw but neither Table nor Message has no record of its own.
	Raw []RawRecord
	// Tx is the envelope's transaction block (provide.transaction.metadata);
	// nil writes null, as for snapshot reads and when the key is off.
	Tx *Transaction
	// TxBegin and TxEnd, when set, are the transaction-metadata records
	// (BEGIN, END) that the encoders write just before and just after the
	// event's own records, so that each commits in the same Kafka
	// transaction as the first or last event of its source transaction.
	TxBegin, TxEnd *Message

	pooled bool // made by Pooled, for Release
}

// RawRecord is a record whose topic, key and value need no encoding.
type RawRecord struct {
	Topic      string // the full topic name
	Key, Value []byte
}

// Transaction is Debezium's transaction block of a data event: the source
// transaction's id and the event's 1-based order among the transaction's
// events and among those of its table.
type Transaction struct {
	ID                  string
	TotalOrder          int64
	DataCollectionOrder int64
}

// Message is a record with its own key and value schemas, such as
// Debezium's schema-change event.
type Message struct {
	// Topic is the topic name after topic.prefix ("" is the prefix itself;
	// "transaction" gives "<prefix>.transaction"), or the whole topic name
	// when FullTopic is set.
	Topic string
	// FullTopic makes Topic the whole topic name, topic.prefix not added
	// (the heartbeat topic puts topic.prefix last).
	FullTopic bool
	// KeySchema and ValueSchema are structs; sources reuse one Field per
	// kind of message so encoders can cache what they derive from it.
	KeySchema, ValueSchema *Field
	Key, Value             StructValue
	// NoContextHeaders leaves the connector's context headers
	// (__debezium.context.*) off the record: Debezium writes none on
	// Postgres logical decoding message records.
	NoContextHeaders bool
}

// Header is a Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Key returns the key columns' values from the row image that identifies the
// event (After, or Before for deletes), or nil when the table has no key.
func (e *Event) Key() Row {
	if e.Table != nil && e.Table.KeyFromEvent {
		return e.KeyRow
	}
	if e.Table == nil || len(e.Table.Key) == 0 {
		return nil
	}
	img := e.After
	if img == nil {
		img = e.Before
	}
	if img == nil {
		return nil
	}
	k := make(Row, len(e.Table.Key))
	for i, c := range e.Table.Key {
		k[i] = img[c]
	}
	return k
}
