package mysql

import (
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// DebeziumVersion is the source.version sluice reports: the Debezium release
// whose MySQL event format it reproduces.
const DebeziumVersion = "3.0.7.Final"

// snapshotAllowed is the io.debezium.data.Enum "allowed" list of source.snapshot.
const snapshotAllowed = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"

func sourceFieldFor(logical string) change.Field {
	return change.Field{
		Name:    "source",
		Type:    change.Struct,
		Logical: logical,
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
			{Name: "table", Type: change.String, Optional: true},
			{Name: "server_id", Type: change.Int64},
			{Name: "gtid", Type: change.String, Optional: true},
			{Name: "file", Type: change.String},
			{Name: "pos", Type: change.Int64},
			{Name: "row", Type: change.Int32},
			{Name: "thread", Type: change.Int64, Optional: true},
			{Name: "query", Type: change.String, Optional: true},
		},
	}
}

// The source block schemas (REFERENCE §3): io.debezium.connector.mysql.Source
// and io.debezium.connector.mariadb.Source.
var (
	mysqlSourceField   = sourceFieldFor("io.debezium.connector.mysql.Source")
	mariadbSourceField = sourceFieldFor("io.debezium.connector.mariadb.Source")
)

// Index of source.snapshot in the source block.
const srcSnapshotIdx = 4

// SourceSchema returns the schema of the source block of the events a
// connector of cfg yields (the same pointer every event carries).
func SourceSchema(cfg *Config) *change.Field {
	if cfg.MariaDB {
		return &mariadbSourceField
	}
	return &mysqlSourceField
}

// srcInfo is what a source block says about one event.
type srcInfo struct {
	ts       time.Time
	snapshot string // "false" when streaming, else a snapshot marker
	db       string
	table    string
	serverID uint32
	gtid     string
	file     string
	pos      uint32
	row      int32
	thread   int64 // 0: unknown
}

func (s *srcInfo) block(cfg *Config) change.StructValue {
	var gtid, thread any
	if s.gtid != "" {
		gtid = s.gtid
	}
	if s.thread != 0 {
		thread = s.thread
	}
	var table any
	if s.table != "" {
		table = s.table
	}
	return change.StructValue{
		DebeziumVersion,
		cfg.Flavor(),
		cfg.TopicPrefix,
		s.ts.UnixMilli(),
		s.snapshot,
		s.db,
		nil,
		s.ts.UnixMicro(),
		s.ts.UnixNano(),
		table,
		int64(s.serverID),
		gtid,
		s.file,
		int64(s.pos),
		s.row,
		thread,
		nil,
	}
}
