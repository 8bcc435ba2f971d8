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
//
// Where sluice's JSON differs from Debezium's, on purpose:
//
//   - Every record carries the sluice.schema.version header: the table's
//     schema version, which increases on each column change. The Connect
//     schemas are Debezium's (the Envelope has "version":2, the Key and
//     Value structs none), so registry subjects get a new version only when
//     the Connect schema changes.
//   - Doubles and floats are written as Java 19 and later print them
//     (shortest digits); Connect workers on JDK 17 print more digits for some
//     values, which read back as the same number.
//   - A Go string that is not valid UTF-8 (a Java string cannot be) has each
//     invalid byte written as \uFFFD.
//   - A map value (change.MapValue) is written as JsonConverter writes
//     one, though no Postgres or MySQL type maps to a Connect map under
//     Debezium's defaults: only transforms make them.
//
// Records and EncodeRecord are the transforms path: Records gives the
// Kafka Connect records (change.Record) Debezium hands to the transforms
// chain, EncodeRecord writes any record as the converter does. With no
// transform in between they write Encode's bytes, which the runtime keeps
// as the fast path of a connector without transforms.
package schema
