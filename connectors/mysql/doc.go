// Package mysql is sluice's MySQL and MariaDB source: configuration
// (Debezium's keys), prerequisite checks, table discovery, the chunked
// snapshot that resumes without duplicates, and the binlog stream read with
// go-mysql's replication package. Value mapping lives in datatypes.go; the
// row images of the common column types are decoded by sluice itself
// (rowimage.go), with go-mysql's decoding as the fallback.
//
// # Positions
//
// A streamed event's position is (Tx = binlog order of its transaction's
// first event: file sequence number << 32 | offset, TxID = its GTID or
// file:pos, Index = 0-based index among the events the source emits for the
// transaction, Last = last one, State = cpState). The state's Restart is
// where a binlog dump replays the transaction: its first event's coordinate
// and the GTID set executed before it (MySQL uuid:interval sets or MariaDB
// domain-server-seq), used instead of the coordinate when the server has
// GTIDs. Resuming at a checkpoint restarts the dump there and skips the
// transaction's events up to Index (all of them when Last), so a crash in the
// middle of a large transaction resumes at the next row. A dropped binlog
// connection is reopened the same way by the stream itself (go-mysql's retry
// is off), so a partial transaction is never delivered twice.
//
// A heartbeat record (heartbeat.interval.ms, heartbeat.go) is emitted
// between transactions at (Tx = binlog order of the coordinate after the
// last complete transaction - 1, Last, State.Restart = that coordinate and
// the GTIDs executed before it), so a checkpoint at it resumes after every
// transaction read, captured or not.
//
// A purged binlog (or an unknown GTID set) at resume fails the connector
// with a *BinlogLostError saying a new snapshot is needed; with
// snapshot.mode=when_needed the source takes one instead.
//
// # Snapshots
//
// Tables are read in primary-key order in chunks of snapshot.fetch.size rows
// (string key columns compared as BINARY, so byte order matches Go's) inside
// START TRANSACTION WITH CONSISTENT SNAPSHOT. On MariaDB the status variables
// binlog_snapshot_file/position give the binlog coordinate exactly consistent
// with that transaction without a lock (snapshot.locking.mode=minimal still
// holds FLUSH TABLES WITH READ LOCK around it, as Debezium does); on MySQL
// the coordinate is read under FLUSH TABLES WITH READ LOCK (minimal) or
// beside the transaction (none, inexact).
//
// A snapshot interrupted by a restart resumes at the next key under a new
// consistent snapshot at coordinate C, after reading the binlog from the
// first run's coordinate (the origin, where streaming starts) to C: each
// row after the cursor that changed since the origin is given as it was at
// the origin (its first change's before image; nothing when that change is
// an insert), in key order with the rows read at C, so that the stream from
// the origin follows every read (resume.go). Checkpoints of earlier
// versions hold regions, (table, first key, coordinate P_r), whose stream
// drops a change to a row of region r when its transaction starts before
// P_r; such a snapshot resumes that way.
//
// # Schemas
//
// Columns come from the TABLE_MAP event's full row metadata
// (binlog_row_metadata=FULL) and, for the snapshot, from information_schema.
// As in Debezium, the Connect type also follows the type the DDL names
// (BOOLEAN, JSON, FLOAT(M,D), REAL): the stream keeps a model of each table
// as Debezium's DDL parser would (ddlmodel.go, models.go), read with SHOW
// CREATE TABLE and changed by the binlog's CREATE/ALTER/RENAME/DROP TABLE.
// The declared types SHOW CREATE TABLE cannot give back are kept in the
// positions' State with the schema versions. A table's schema version
// increases when its columns (as a consumer sees them) change; the versions
// and a fingerprint of each table's columns are kept in the positions' State
// so that a restart continues the numbering. DROP and RENAME forget a table,
// TRUNCATE emits a truncate event (skipped by default); the new columns of
// an ALTER come from the next TABLE_MAP. Statements it cannot read are logged
// and ignored.
//
// With include.schema.changes (the default) every DDL statement of the
// binlog (on any database but the server's own, unless the
// schema.history.internal.store.only.captured.* keys narrow it) also becomes
// Debezium's schema-change record on the topic named topic.prefix
// (schemachange.go), positioned in its transaction like a row event; its
// tableChanges are the table model. A fresh snapshot first writes the
// records Debezium's snapshot writes (snapschema.go), positioned as snapshot
// events without a table, so that a restart among them writes the rest.
//
// # Schema history
//
// With schema.history.internal.kafka.topic every schema-change record also
// gives a record of Debezium's schema history (history.go), carried by the
// same event (change.Event.Raw), so it commits in the Kafka transaction of
// its statement and the checkpoint past it. A restart from a streaming
// checkpoint rebuilds the table models from the committed history up to the
// checkpoint, so that the statements replayed after it apply to the tables
// as they were then. The models come from the history topic rather than the
// checkpoint state: the state travels with every committed batch, and
// every table's model in it would make each checkpoint as large as the
// schema.
package mysql
