package postgres

import (
	"strconv"
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// DebeziumVersion is the source.version sluice reports: the Debezium release
// whose Postgres event format it reproduces.
const DebeziumVersion = "3.6.1.Final"

// sourceField is the schema of the Postgres source block,
// io.debezium.connector.postgresql.Source version 1 (REFERENCE §4).
var sourceField = change.Field{
	Name:    "source",
	Type:    change.Struct,
	Logical: "io.debezium.connector.postgresql.Source",
	Version: 1,
	Fields: append(capture.SourceHead(), []change.Field{
		{Name: "schema", Type: change.String},
		{Name: "table", Type: change.String},
		{Name: "txId", Type: change.Int64, Optional: true},
		{Name: "lsn", Type: change.Int64, Optional: true},
		{Name: "xmin", Type: change.Int64, Optional: true},
		// origin and origin_lsn (Debezium 3.5 and later) name the
		// replication origin a streamed transaction was replayed from (a
		// logical replication subscriber's pg_<subid>, or any session that
		// set up an origin) and its commit LSN there; null when it has
		// none, and in the snapshot.
		{Name: "origin", Type: change.String, Optional: true},
		{Name: "origin_lsn", Type: change.Int64, Optional: true},
	}...),
}

// origin is a transaction's replication origin, from pgoutput's ORIGIN
// message: its name and the transaction's commit LSN on the origin server.
type origin struct {
	name any // string, or nil for none
	lsn  any // int64, or nil for none
}

// SourceSchema returns the schema of the source block of the events this
// package yields (the same pointer every event carries).
func SourceSchema() *change.Field { return &sourceField }

// txSource holds the boxed members of the source block that every event of
// one transaction (and table) shares, so that a streamed event allocates only
// its own: the block, its sequence and its lsn. Boxed values are immutable,
// so events may share them.
type txSource struct {
	ts                   time.Time
	txID                 int64
	lastCommit           uint64
	tsMs, tsUs, tsNs, tx any
	seqPrefix            []byte // `["<lastCommit>","` or `[null,"`

	table         change.TableID
	schema, name  any
	prefix, dbany any
}

// block returns the source block of a streamed event at lsn.
func (c *txSource) block(cfg *Config, id change.TableID, ts time.Time, txID int64, lastCommit, lsn uint64, o origin) change.StructValue {
	if c.seqPrefix == nil || !c.ts.Equal(ts) || c.txID != txID || c.lastCommit != lastCommit {
		c.ts, c.txID, c.lastCommit = ts, txID, lastCommit
		c.tsMs, c.tsUs, c.tsNs = ts.UnixMilli(), ts.UnixMicro(), ts.UnixNano()
		c.tx = nil
		if txID != 0 {
			c.tx = txID
		}
		c.seqPrefix = append(c.seqPrefix[:0], `[null,"`...)
		if lastCommit != 0 {
			c.seqPrefix = append(c.seqPrefix[:0], `["`...)
			c.seqPrefix = strconv.AppendUint(c.seqPrefix, lastCommit, 10)
			c.seqPrefix = append(c.seqPrefix, `","`...)
		}
	}
	if c.schema == nil || c.table != id {
		c.table, c.schema, c.name = id, id.Namespace, id.Name
		c.prefix, c.dbany = cfg.TopicPrefix, cfg.DBName
	}
	var buf [64]byte
	seq := strconv.AppendUint(append(buf[:0], c.seqPrefix...), lsn, 10)
	seq = append(seq, `"]`...)
	return change.StructValue{
		DebeziumVersion,
		"postgresql",
		c.prefix,
		c.tsMs,
		nil, // streaming: unset, as Debezium leaves it; converters write its default "false" unless told to keep nulls
		c.dbany,
		string(seq),
		c.tsUs,
		c.tsNs,
		c.schema,
		c.name,
		c.tx,
		int64(lsn),
		nil,
		o.name,
		o.lsn,
	}
}

// sourceBlock builds an event's source block. snapshot is "" when
// streaming (the member is then null, as Debezium leaves it), else a
// Debezium snapshot marker; lastCommit 0 means unknown.
func sourceBlock(cfg *Config, id change.TableID, ts time.Time, snapshot string, txID int64, lastCommit, lsn uint64) change.StructValue {
	seq := `[null,"` + strconv.FormatUint(lsn, 10) + `"]`
	if lastCommit != 0 {
		seq = `["` + strconv.FormatUint(lastCommit, 10) + `","` + strconv.FormatUint(lsn, 10) + `"]`
	}
	var tx any
	if txID != 0 {
		tx = txID
	}
	us := ts.UnixMicro()
	var snap any
	if snapshot != "" {
		snap = snapshot
	}
	return change.StructValue{
		DebeziumVersion,
		"postgresql",
		cfg.TopicPrefix,
		ts.UnixMilli(),
		snap,
		cfg.DBName,
		seq,
		us,
		ts.UnixNano(),
		id.Namespace,
		id.Name,
		tx,
		int64(lsn),
		nil,
		nil,
		nil,
	}
}

// snapSource hands out the source blocks of snapshot rows. The rows of one
// table in one snapshot have the same block but for the marker: they share
// one block, built once, holding "true", and the emitter gives the few rows
// with another marker a copy (capture.Emitter). Built per row, the blocks
// were a third of the bytes a snapshot allocated, and copied per row still
// a quarter.
type snapSource struct {
	id    change.TableID
	ts    time.Time
	txID  int64
	lsn   uint64
	block change.StructValue
}

// get returns the block sourceBlock(cfg, id, ts, "true", txID, 0, lsn)
// returns, the same one as the last call when its arguments are the same.
// The block is shared: nobody may write into it.
func (s *snapSource) get(cfg *Config, id change.TableID, ts time.Time, txID int64, lsn uint64) change.StructValue {
	if s.block == nil || s.id != id || !s.ts.Equal(ts) || s.txID != txID || s.lsn != lsn {
		*s = snapSource{id: id, ts: ts, txID: txID, lsn: lsn, block: sourceBlock(cfg, id, ts, "true", txID, 0, lsn)}
	}
	return s.block
}
