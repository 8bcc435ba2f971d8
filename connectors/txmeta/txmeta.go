package txmeta

import (
	"time"
	"unicode/utf16"

	"github.com/sluicecdc/sluice/connectors/change"
)

// DefaultTopic is topic.transaction's default: records go to
// <topic.prefix>.transaction.
const DefaultTopic = "transaction"

// The schemas of Debezium's transaction records (SchemaFactory).
var (
	// KeySchema is io.debezium.connector.common.TransactionMetadataKey.
	KeySchema = &change.Field{
		Type: change.Struct, Logical: "io.debezium.connector.common.TransactionMetadataKey", Version: 1,
		Fields: []change.Field{{Name: "id", Type: change.String}},
	}
	collectionSchema = change.Field{
		Type: change.Struct, Optional: true, Logical: "event.collection", Version: 1,
		Fields: []change.Field{
			{Name: "data_collection", Type: change.String},
			{Name: "event_count", Type: change.Int64},
		},
	}
	// ValueSchema is io.debezium.connector.common.TransactionMetadataValue.
	ValueSchema = &change.Field{
		Type: change.Struct, Logical: "io.debezium.connector.common.TransactionMetadataValue", Version: 1,
		Fields: []change.Field{
			{Name: "status", Type: change.String},
			{Name: "id", Type: change.String},
			{Name: "event_count", Type: change.Int64, Optional: true},
			{Name: "data_collections", Type: change.Array, Optional: true, Elem: &collectionSchema},
			{Name: "ts_ms", Type: change.Int64},
		},
	}
)

// Monitor counts the events of one source transaction at a time. The zero
// value is not usable; call New.
type Monitor struct {
	topic  string
	total  int64
	names  []string // the transaction's tables, in the order first seen
	counts []int64  // events per table, as names
	index  map[string]int
}

// New returns a monitor whose records go to <topic.prefix>.<topic>.
func New(topic string) *Monitor {
	return &Monitor{topic: topic, index: map[string]int{}}
}

// Reset starts a new source transaction.
func (m *Monitor) Reset() {
	m.total = 0
	m.names = m.names[:0]
	m.counts = m.counts[:0]
	clear(m.index)
}

// Count records one more event of the transaction on collection (Debezium's
// data collection: "schema.table" on Postgres, "database.table" on MySQL)
// and returns the event's total order and order within its collection,
// both 1-based.
func (m *Monitor) Count(collection string) (total, collectionOrder int64) {
	m.total++
	i, ok := m.index[collection]
	if !ok {
		i = len(m.names)
		m.index[collection] = i
		m.names = append(m.names, collection)
		m.counts = append(m.counts, 0)
	}
	m.counts[i]++
	return m.total, m.counts[i]
}

// CountAlone records one more event of the transaction as a data collection
// of its own, as Debezium counts each Postgres logical decoding message
// (each under a name made from a Java object identity), and returns its
// total order; its order within the collection is 1.
func (m *Monitor) CountAlone(collection string) (total, collectionOrder int64) {
	m.total++
	m.names = append(m.names, collection)
	m.counts = append(m.counts, 1)
	return m.total, 1
}

// Total returns the number of events counted since Reset.
func (m *Monitor) Total() int64 { return m.total }

// Block returns the transaction block of an event with the orders Count gave.
func Block(id string, total, collectionOrder int64) *change.Transaction {
	return &change.Transaction{ID: id, TotalOrder: total, DataCollectionOrder: collectionOrder}
}

// Begin returns the BEGIN record of transaction id at ts. Like Debezium's,
// the transaction records carry none of the connector's context headers
// (measured against Debezium 3.6.1 and 3.5.0).
func (m *Monitor) Begin(id string, ts time.Time) *change.Message {
	return &change.Message{
		Topic: m.topic, KeySchema: KeySchema, ValueSchema: ValueSchema, NoContextHeaders: true,
		Key:   change.StructValue{id},
		Value: change.StructValue{"BEGIN", id, nil, nil, ts.UnixMilli()},
	}
}

// End returns the END record of transaction id at ts, with the counts since
// Reset. Its data collections are listed in the order Debezium's HashMap
// iterates them (see javaHashOrder), so the records are byte for byte
// Debezium's.
func (m *Monitor) End(id string, ts time.Time) *change.Message {
	colls := make([]any, len(m.names))
	for j, i := range javaHashOrder(m.names) {
		colls[j] = change.StructValue{m.names[i], m.counts[i]}
	}
	return &change.Message{
		Topic: m.topic, KeySchema: KeySchema, ValueSchema: ValueSchema, NoContextHeaders: true,
		Key:   change.StructValue{id},
		Value: change.StructValue{"END", id, m.total, colls, ts.UnixMilli()},
	}
}

// javaHashOrder returns the indexes of names (distinct, in insertion order)
// in the order a java.util.HashMap<String, Long> filled in that order
// iterates its keys: by bucket of the final table, then by insertion within
// a bucket. The table starts at 16 buckets and doubles when it holds more
// than 3/4 of its size, or when a bucket of a table under 64 buckets grows
// past 8 entries. (Past 64 buckets such a bucket becomes a tree whose
// iteration order this does not model; it takes nine table names with the
// same hash bits.)
func javaHashOrder(names []string) []int {
	n := len(names)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if n < 2 {
		return order
	}
	hashes := make([]uint32, n)
	for i, s := range names {
		h := javaStringHash(s)
		hashes[i] = h ^ h>>16
	}
	size := uint32(16)
	perBucket := map[uint32]int{}
	for i := range names {
		b := hashes[i] & (size - 1)
		perBucket[b]++
		grow := i+1 > int(size)*3/4 || perBucket[b] > 8 && size < 64
		if grow {
			size *= 2
			clear(perBucket)
			for j := 0; j <= i; j++ {
				perBucket[hashes[j]&(size-1)]++
			}
		}
	}
	// A stable sort by bucket keeps insertion order within a bucket.
	bucket := func(i int) uint32 { return hashes[i] & (size - 1) }
	for i := 1; i < n; i++ {
		for j := i; j > 0 && bucket(order[j-1]) > bucket(order[j]); j-- {
			order[j-1], order[j] = order[j], order[j-1]
		}
	}
	return order
}

// javaStringHash is Java's String.hashCode: s as UTF-16 code units,
// h = 31*h + c in 32-bit arithmetic.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(c)
	}
	return h
}
