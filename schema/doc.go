// Package schema turns change events into Kafka records laid out as Debezium
// writes them: the topic name, the key and the envelope
// (before, after, source, transaction, op, ts_ms, ts_us, ts_ns), encoded as
// Kafka Connect's JsonConverter would encode them, with or without the
// {"schema":…,"payload":…} wrapper.
//
// It owns the mapping from a change.TableSchema to its Connect schemas (key,
// value, envelope) and caches the encoded schemas per table schema version.
// It knows nothing of database types: sources hand it values already in their
// Kafka Connect representation (see change.Row).
package schema
