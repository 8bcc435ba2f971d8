package mysql

import cd "github.com/sluicecdc/sluice/connectors/configdef"

// ConfigDefs describe the keys of ConfigKeys for GET
// /connector-plugins/{class}/config: types, display names, widths,
// importance and groups as Debezium's MySqlConnector and MariaDbConnector
// define them, defaults and documentation as sluice applies them. mariaDB
// selects the MariaDB connector's wording.
func ConfigDefs(mariaDB bool) []cd.Key {
	server := "MySQL"
	if mariaDB {
		server = "MariaDB"
	}
	return cd.Concat(
		cd.Grouped("CONNECTION",
			cd.Key{Name: "database.hostname", Type: cd.String, Importance: cd.High, Width: cd.WidthMedium, Display: "Hostname",
				Doc: "Resolvable hostname or IP address of the " + server + " server."},
			cd.Key{Name: "database.port", Type: cd.Int, Default: cd.Def("3306"), Importance: cd.High, Width: cd.WidthShort, Display: "Port",
				Doc: "Port of the " + server + " server."},
			cd.Key{Name: "database.user", Type: cd.String, Importance: cd.High, Width: cd.WidthShort, Display: "User",
				Doc: "The user to connect as; it needs REPLICATION SLAVE, REPLICATION CLIENT and SELECT."},
			cd.Key{Name: "database.password", Type: cd.Password, Importance: cd.High, Width: cd.WidthShort, Display: "Password",
				Doc: "The user's password."},
			cd.Key{Name: "database.server.id", Type: cd.Long, Importance: cd.High, Width: cd.WidthLong, Display: "Cluster ID",
				Doc: "The server id the connector reads the binlog as, from 1 to 4294967295; unique among the server's replicas. Required."},
		),
		cd.Grouped("CONNECTION_ADVANCED",
			cd.Key{Name: "connect.timeout.ms", Type: cd.Int, Default: cd.Def("30000"), Importance: cd.Medium, Width: cd.WidthShort, Display: "Connection Timeout (ms)",
				Doc: "How long to wait for a connection to the server."},
			cd.Key{Name: "connect.keep.alive.interval.ms", Type: cd.Long, Default: cd.Def("60000"), Importance: cd.Low, Width: cd.WidthShort,
				Display: "Keep alive interval (ms)",
				Doc:     "The heartbeat period the server sends on an idle binlog connection, so a dead connection is noticed."},
		),
		cd.Grouped("FILTERS",
			cd.Key{Name: "database.include.list", Type: cd.List, Importance: cd.High, Width: cd.WidthLong, Display: "Include Databases",
				Dependents: []string{"table.include.list"},
				Doc:        "Regular expressions matching the databases whose tables are captured."},
			cd.Key{Name: "database.exclude.list", Type: cd.List, Importance: cd.Medium, Width: cd.WidthLong, Display: "Exclude Databases",
				Doc: "Regular expressions matching the databases whose tables are not captured."},
			cd.Key{Name: "table.include.list", Type: cd.List, Importance: cd.High, Width: cd.WidthLong, Display: "Include Tables",
				Doc: "Regular expressions matching the database-qualified tables that are captured."},
			cd.Key{Name: "table.exclude.list", Type: cd.List, Importance: cd.Medium, Width: cd.WidthLong, Display: "Exclude Tables",
				Doc: "Regular expressions matching the database-qualified tables that are not captured."},
		),
		cd.Grouped("CONNECTOR_SNAPSHOT",
			cd.Key{Name: "snapshot.mode", Type: cd.String, Default: cd.Def("initial"), Importance: cd.Medium, Width: cd.WidthShort, Display: "Snapshot mode",
				Doc: "When to snapshot the captured tables: initial, initial_only, when_needed, or no_data (never)."},
			cd.Key{Name: "snapshot.locking.mode", Type: cd.String, Default: cd.Def("minimal"), Importance: cd.Low, Width: cd.WidthShort,
				Display: "Snapshot locking mode",
				Doc:     "minimal holds a global read lock only while the snapshot position is read; none takes no lock."},
			cd.Key{Name: "snapshot.fetch.size", Type: cd.Int, Default: cd.Def("10240"), Importance: cd.Medium, Width: cd.WidthMedium, Display: "Snapshot fetch size",
				Doc: "The number of rows a snapshot reads per chunk."},
		),
		cd.Grouped("CONNECTOR",
			cd.Key{Name: "topic.prefix", Type: cd.String, Importance: cd.High, Width: cd.WidthMedium, Display: "Topic prefix",
				Doc: "The prefix of every topic the connector writes to (<prefix>.<database>.<table>, and <prefix> for schema changes); unique across connectors."},
			cd.Key{Name: "include.schema.changes", Type: cd.Boolean, Default: cd.Def("true"), Importance: cd.Medium, Width: cd.WidthShort,
				Display: "Include database schema changes",
				Doc:     "Whether DDL is written to the schema change topic named by topic.prefix."},
			cd.Key{Name: "tombstones.on.delete", Type: cd.Boolean, Default: cd.Def("true"), Importance: cd.Medium, Width: cd.WidthShort,
				Display: "Change the behaviour of Debezium with regards to delete operations",
				Doc:     "Whether a delete event is followed by a tombstone (a record with a null value) for log compaction."},
			cd.Key{Name: "decimal.handling.mode", Type: cd.String, Default: cd.Def("precise"), Importance: cd.Medium, Width: cd.WidthShort, Display: "Decimal Handling",
				Doc: "How DECIMAL values are written: precise, double or string."},
			cd.Key{Name: "time.precision.mode", Type: cd.String, Default: cd.Def("adaptive_time_microseconds"), Importance: cd.Medium, Width: cd.WidthShort,
				Display: "Time Precision",
				Doc:     "How temporal values are written: adaptive_time_microseconds, adaptive or connect."},
			cd.Key{Name: "binary.handling.mode", Type: cd.String, Default: cd.Def("bytes"), Importance: cd.Low, Width: cd.WidthMedium, Display: "Binary Handling",
				Doc: "How binary values are written: bytes, base64, base64-url-safe or hex."},
			cd.Key{Name: "bigint.unsigned.handling.mode", Type: cd.String, Default: cd.Def("long"), Importance: cd.Medium, Width: cd.WidthShort,
				Display: "The mode for handling bigint-unsigned values",
				Doc:     "How BIGINT UNSIGNED values are written: long (values above 2^63-1 wrap) or precise (Decimal)."},
		),
		cd.Grouped("ADVANCED",
			cd.Key{Name: "skipped.operations", Type: cd.List, Default: cd.Def("t"), Importance: cd.Low, Width: cd.WidthShort, Display: "Skipped Operations",
				Doc: "Operations not to emit while streaming: c (insert), u (update), d (delete), t (truncate), or none."},
		),
	)
}
