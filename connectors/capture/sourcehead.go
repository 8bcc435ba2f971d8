package capture

import "github.com/sluicecdc/sluice/connectors/change"

// snapshotAllowed is the io.debezium.data.Enum "allowed" list of
// source.snapshot.
const snapshotAllowed = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"

// SourceHead returns the fields every Debezium source block begins with, as
// Debezium's CommonSourceInfoStructMaker and its database's struct maker
// write them: version, connector, name, ts_ms, snapshot, db, sequence, ts_us,
// ts_ns. A source appends its own fields after them. Each call returns a new
// slice.
func SourceHead() []change.Field {
	return []change.Field{
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
	}
}
