package change

import "time"

// NoPartition is Record.Partition when the record names no partition: the
// producer's partitioner picks one from the key, as for Kafka Connect's null
// partition.
const NoPartition int32 = -1

// Record is a Kafka Connect source record: the boundary between what sources
// produce and what converters write, and what transforms (Kafka Connect's
// single message transforms) read and rewrite.
//
// A key or value is described by its Connect schema (KeySchema,
// ValueSchema) and held in the representation change.Row documents: nil,
// bool, int8 … int64, float32, float64, string, []byte, []any for an array,
// StructValue for a struct (members in the schema's field order), MapValue
// for a map, and logical types in their Connect encoding (a Decimal's
// unscaled big-endian bytes, a Date's epoch days as int32, a Timestamp's
// epoch milliseconds as int64, …). A nil schema is Kafka Connect's
// schemaless value: then a struct-like value is a map[string]any, an array
// []any, and scalars as above.
//
// Records are shared with care: a transform that changes a record returns
// a new Record or the same one with fields replaced, but never writes into
// a value (a StructValue, a []any, a MapValue, a []byte) or a schema it did
// not create, because other records of the same event share them.
type Record struct {
	Topic     string
	Partition int32 // NoPartition when unset

	KeySchema *Field
	Key       any
	// ValueSchema and Value; a nil Value is a tombstone.
	ValueSchema *Field
	Value       any

	// Timestamp is the record's timestamp; zero means none (the producer
	// stamps the record when it sends it).
	Timestamp time.Time

	Headers []RecordHeader
}

// RecordHeader is a header of a Record: either bytes already written
// (Raw, with Schema nil; the headers sources add), or a Connect value with
// its schema (the headers transforms add), which the header converter
// writes as Kafka Connect's SimpleHeaderConverter does.
type RecordHeader struct {
	Key    string
	Schema *Field
	Value  any
	Raw    []byte
}

// MapValue is the value of a Field of type Map: its entries in order.
type MapValue []MapEntry

// MapEntry is one entry of a MapValue.
type MapEntry struct {
	Key, Value any
}

// Member returns the index of the member called name in a struct schema's
// Fields, or -1.
func (f *Field) Member(name string) int {
	if f == nil {
		return -1
	}
	for i := range f.Fields {
		if f.Fields[i].Name == name {
			return i
		}
	}
	return -1
}
