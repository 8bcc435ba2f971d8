// Package postgres is sluice's Postgres source: configuration (Debezium's
// keys), prerequisite checks, table discovery, the publication and the
// logical replication slot, the chunked snapshot that resumes without
// duplicates, and the pgoutput stream. Value mapping lives in datatypes.go.
//
// A Source is opened at a checkpoint and yields a Stream of change.Events:
//
//	src := postgres.NewSource(cfg, log)
//	st, err := src.Open(ctx, checkpoint) // nil checkpoint: fresh start
//	for { ev, err := st.Next(ctx); ...; st.Ack(lastCommitted.Pos) }
//
// # Positions
//
// A streamed event's position is (Tx = commit LSN, Index = 0-based index of
// the event among the events the source emits for that transaction, Last =
// last one). Resuming at a streaming checkpoint restarts replication at the
// slot's confirmed_flush_lsn and skips every event at or before the
// checkpoint. Ack confirms to the slot only the end LSN of transactions whose
// every event was acknowledged (or that emitted nothing), and the server WAL
// end of keepalives received between transactions when everything before
// them was acknowledged.
//
// Logical decoding messages (message.go) go to <topic.prefix>.message. A
// transactional one is an event of its transaction; a non-transactional one
// is a transaction by itself at (Tx = its LSN - 1, Index 0, Last), which
// orders it strictly between the commits before and after it.
//
// A heartbeat record (heartbeat.interval.ms, heartbeat.go) is emitted
// between transactions at (Tx = end of the WAL read so far - 1, Index 0,
// Last), as a non-transactional message is at its LSN - 1: every
// transaction committing before that end has been read, so a
// checkpoint at it skips exactly those, and its Ack confirms the slot to
// that end.
//
// A snapshot event's position is (Snapshot, Table, Key = JSON array of the
// key columns' text forms of the last row read, Index = rows read from that
// table so far, Last = last row of a chunk, State = snapshot bookkeeping).
//
// # Snapshots
//
// The first pass reads every captured table in key order, in chunks of
// snapshot.fetch.size rows, in one REPEATABLE READ transaction that imports
// the snapshot exported when the slot was created; it is exactly consistent
// with the slot's start. Resuming after a crash imports the snapshot of a
// temporary slot, exactly consistent with its point C, peeks at the slot
// (still at its start) up to C for the rows changed since, and reads the
// rest of the tables under that snapshot leaving those rows out: their
// changes all come from the stream (resume.go). No streamed change is then
// dropped. A region from a fresh snapshot on an existing slot (or from a
// checkpoint of the earlier design) filters the changes its snapshot holds;
// the regions travel in every position's State until the stream passes the
// WAL insert position recorded after the last region's snapshot. See
// docs/architecture.md.
//
// Tables without a key (REPLICA IDENTITY FULL, no primary key) are read in
// one query with no order; resuming inside such a table reads it again from
// its start, so a crash there can repeat that table's rows (they have a null
// Kafka key, so consumers cannot tell them apart anyway).
//
// Region lookup compares keys in Go in the chunk query's order: integers,
// numeric and floats numerically, collatable (text) columns bytewise because
// the chunk query orders them COLLATE "C", everything else by its text form
// (uuid, bool, bytea hex and ISO dates/timestamps in years 1000-9999 order the
// same way as Postgres). Keys whose text order differs from Postgres's
// (enums, citext, dates BC or 'infinity') can misplace a change that races a
// snapshot resume across the region boundary; the snapshot itself stays
// complete.
//
// The publication must be older than the slot: pgoutput cannot decode WAL
// written before its publication existed. Open creates the publication
// before the slot; a slot made by hand before the publication fails with a
// SlotLostError naming this.
//
// source.snapshot follows Debezium: "first" on the first row of a fresh
// snapshot, "first_in_data_collection" / "last_in_data_collection" on the
// first / last row of each table, "last" on the final row, "true" otherwise;
// unset (null) when streaming, which converters write as the schema default
// "false" unless replace.null.with.default=false.
//
// snapshot.mode=initial_only reads the tables in a plain REPEATABLE READ
// transaction and creates no replication slot (a slot nobody consumes would
// retain WAL forever); Next returns io.EOF afterwards.
package postgres
