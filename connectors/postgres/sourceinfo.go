package postgres

import (
	"strconv"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// DebeziumVersion is the source.version sluice reports: the Debezium release
// whose Postgres event format it reproduces.
const DebeziumVersion = "3.0.7.Final"

// snapshotAllowed is the io.debezium.data.Enum "allowed" list of source.snapshot.
const snapshotAllowed = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"

// sourceField is the schema of the Postgres source block,
// io.debezium.connector.postgresql.Source version 1 (REFERENCE §4).
var sourceField = change.Field{
	Name:    "source",
	Type:    change.Struct,
	Logical: "io.debezium.connector.postgresql.Source",
	Version: 1,
	Fields: []change.Field{
		{Name: "version", Type: change.String},
		{Name: "connector", Type: change.String},
		{Name: "name", Type: change.String},
		{Name: "ts_ms", Type: change.Int64},
		{Name: "snapshot", Type: change.String, Optional: true, Logical: "io.debezium.data.Enum", Version: 1,
			Params: []change.Param{{Key: "allowed", Value: snapshotAllowed}}, Default: "false"},
		{Name: "db", Type: change.String},
		{Name: "sequence", Type: change.String, Optional: true},
		{Name: "ts_us", Type: change.Int64, Optional: true},
		{Name: "ts_ns", Type: change.Int64, Optional: true},
		{Name: "schema", Type: change.String},
		{Name: "table", Type: change.String},
		{Name: "txId", Type: change.Int64, Optional: true},
		{Name: "lsn", Type: change.Int64, Optional: true},
		{Name: "xmin", Type: change.Int64, Optional: true},
	},
}

// SourceSchema returns the schema of the source block of the events this
// package yields (the same pointer every event carries).
func SourceSchema() *change.Field { return &sourceField }

// sourceBlock builds an event's source block. snapshot is "false" when
// streaming, else a Debezium snapshot marker; lastCommit 0 means unknown.
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
	return change.StructValue{
		DebeziumVersion,
		"postgresql",
		cfg.TopicPrefix,
		ts.UnixMilli(),
		snapshot,
		cfg.DBName,
		seq,
		us,
		ts.UnixNano(),
		id.Namespace,
		id.Name,
		tx,
		int64(lsn),
		nil,
	}
}
