package mysql

import (
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/columns"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

// ConfigDefs describe the keys of ConfigKeys for GET
// /connector-plugins/{class}/config, in the order Kafka Connect lists
// Debezium's: type, importance, group, order in the group, width and display
// name as Kafka Connect 4.3.0 answers them for Debezium 3.5.0's
// MariaDbConnector (the MySQL connector's first group is "MySQL" instead of
// "MariaDB"); defaults and documentation as sluice applies them. mariaDB
// selects the MariaDB connector's wording.
func ConfigDefs(mariaDB bool) []cd.Key {
	server, typeGroup := "MySQL", "MySQL"
	sslDefault := SSLPreferred // binlogkeys.go, tls.go
	if mariaDB {
		server, typeGroup = "MariaDB", "MariaDB"
		sslDefault = "disable"
	}
	return cd.Concat([]cd.Key{
		{Name: "topic.prefix", Type: cd.String, Importance: cd.High, Group: typeGroup, Order: 1, Width: cd.WidthMedium, Display: "Topic prefix",
			Doc: "The prefix of every topic the connector writes to (<prefix>.<database>.<table>, and <prefix> for schema changes); unique across connectors."},
		{Name: "database.hostname", Type: cd.String, Importance: cd.High, Group: typeGroup, Order: 2, Width: cd.WidthMedium, Display: "Hostname",
			Doc: "Resolvable hostname or IP address of the " + server + " server."},
		{Name: "database.port", Type: cd.Int, Default: cd.Def("3306"), Importance: cd.High, Group: typeGroup, Order: 3, Width: cd.WidthShort, Display: "Port",
			Doc: "Port of the " + server + " server."},
		{Name: "database.user", Type: cd.String, Importance: cd.High, Group: typeGroup, Order: 4, Width: cd.WidthShort, Display: "User",
			Doc: "The user to connect as; it needs REPLICATION SLAVE, REPLICATION CLIENT and SELECT."},
		{Name: "database.password", Type: cd.Password, Importance: cd.High, Group: typeGroup, Order: 5, Width: cd.WidthShort, Display: "Password",
			Doc: "The user's password."},
		{Name: "database.server.id", Type: cd.Long, Importance: cd.High, Group: typeGroup, Order: 8, Width: cd.WidthLong, Display: "Cluster ID",
			Doc: "The server id the connector reads the binlog as, from 1 to 4294967295; unique among the server's replicas. Required."},
		cd.SkippedOperations("Connector", 7),
		{Name: "snapshot.fetch.size", Type: cd.Int, Default: cd.Def("10240"), Importance: cd.Medium, Group: "Connector", Order: 11, Width: cd.WidthMedium, Display: "Snapshot fetch size",
			Doc: "The number of rows a snapshot reads per chunk."},
		{Name: "incremental.snapshot.chunk.size", Type: cd.Int, Default: cd.Def("1024"), Importance: cd.Medium, Group: "Connector", Order: 56, Width: cd.WidthMedium, Display: "Incremental snapshot chunk size",
			Doc: "The maximum size of chunk (number of documents/rows) for incremental snapshotting"},
		{Name: "decimal.handling.mode", Type: cd.String, Default: cd.Def("precise"), Importance: cd.Medium, Group: "Connector", Order: 40, Width: cd.WidthShort, Display: "Decimal Handling",
			Doc: "How DECIMAL values are written: precise, double or string."},
		{Name: "connect.timeout.ms", Type: cd.Int, Default: cd.Def("30000"), Importance: cd.Medium, Group: "Connector", Order: 42, Width: cd.WidthShort, Display: "Connection Timeout (ms)",
			Doc: "How long to wait for a connection to the server."},
		{Name: "connect.keep.alive.interval.ms", Type: cd.Long, Default: cd.Def("60000"), Importance: cd.Low, Group: "Connector", Order: 44, Width: cd.WidthShort, Display: "Keep alive interval (ms)",
			Doc: "The heartbeat period the server sends on an idle binlog connection, so a dead connection is noticed."},
		{Name: "snapshot.mode", Type: cd.String, Default: cd.Def("initial"), Importance: cd.Low, Group: "Connector", Order: 48, Width: cd.WidthShort, Display: "Snapshot mode",
			Doc: "When to snapshot the captured tables: initial, initial_only, when_needed, always (at every start), no_data (never), recovery (stream from the offsets) or configuration_based."},
		{Name: "bigint.unsigned.handling.mode", Type: cd.String, Default: cd.Def("long"), Importance: cd.Medium, Group: "Connector", Order: 51, Width: cd.WidthShort, Display: "The mode for handling bigint-unsigned values",
			Doc: "How BIGINT UNSIGNED values are written: long (values above 2^63-1 wrap) or precise (Decimal)."},
		{Name: "time.precision.mode", Type: cd.String, Default: cd.Def("adaptive_time_microseconds"), Importance: cd.Medium, Group: "Connector", Order: 52, Width: cd.WidthShort, Display: "The time precision mode to be used",
			Doc: "How temporal values are written: adaptive_time_microseconds, adaptive or connect."},
		{Name: "binary.handling.mode", Type: cd.String, Default: cd.Def("bytes"), Importance: cd.Low, Group: "Connector", Order: 53, Width: cd.WidthMedium, Display: "Binary Handling",
			Doc: "How binary values are written: bytes, base64, base64-url-safe or hex."},
		{Name: "snapshot.locking.mode", Type: cd.String, Default: cd.Def("minimal"), Importance: cd.Low, Group: "Connector", Order: 58, Width: cd.WidthNone, Display: "Snapshot locking mode",
			Doc: "minimal holds a global read lock only while the snapshot position is read; extended holds it until the snapshot ends; none takes no lock."},
		// Listed once ConfigKeys takes them (see runtime's PluginConfig).
		{Name: "schema.history.internal.store.only.captured.tables.ddl", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: "History Storage", Order: 3, Width: cd.WidthShort,
			Display: "Store only DDL that modifies tables that are captured based on include/exclude lists",
			Doc:     "Whether the schema change topic gets only the DDL of captured tables."},
		{Name: "schema.history.internal.store.only.captured.databases.ddl", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: "History Storage", Order: 4, Width: cd.WidthShort,
			Display: "Store only DDL that modifies tables of databases that are captured based on include/exclude lists",
			Doc:     "Whether the schema change topic gets only the DDL of captured databases."},
		// The schema history (history.go). Kafka Connect lists neither
		// kafka.* key for Debezium (they belong to its history class);
		// their wording is KafkaSchemaHistory's.
		{Name: "schema.history.internal.skip.unparseable.ddl", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: "History Storage", Order: 2, Width: cd.WidthShort,
			Display: "Skip DDL statements that cannot be parsed",
			Doc:     "true: an ALTER TABLE sluice cannot read is ignored (the table keeps its definition); false: the table's definition is read from the server instead."},
		{Name: "schema.history.internal.kafka.topic", Type: cd.String, Importance: cd.High, Group: "History Storage", Order: 10, Width: cd.WidthLong,
			Display: "Database schema history topic name",
			Doc:     "The topic of the schema history: Debezium's history records, written in the same Kafka transaction as the events, read back on restart so a replay uses the table definitions of its binlog position."},
		{Name: "schema.history.internal.kafka.bootstrap.servers", Type: cd.String, Importance: cd.High, Group: "History Storage", Order: 11, Width: cd.WidthLong,
			Display: "Kafka broker addresses",
			Doc:     "The Kafka cluster the schema history is read from on restart; the same cluster the connector writes to."},
		// include.query, gtid.source.*, database.ssl.* (binlogkeys.go,
		// tls.go), as Kafka Connect 4.3.0 lists them for Debezium 3.5.0's
		// MariaDbConnector.
		{Name: "database.ssl.keystore", Type: cd.String, Importance: cd.Medium, Group: typeGroup, Order: 10, Width: cd.WidthLong, Display: "SSL Keystore",
			Doc: "The client certificate and its key, for servers that require one: a Java key store (JKS or PKCS12, opened with database.ssl.keystore.password, which also opens the key) or a PEM file with an unencrypted key; the type is read from the file, when a connection is made."},
		{Name: "database.ssl.keystore.password", Type: cd.Password, Importance: cd.Medium, Group: typeGroup, Order: 11, Width: cd.WidthMedium, Display: "SSL Keystore Password",
			Doc: "The password of the database.ssl.keystore JKS or PKCS12 store and of its key; a PEM file has none."},
		{Name: "database.ssl.truststore", Type: cd.String, Importance: cd.Medium, Group: typeGroup, Order: 12, Width: cd.WidthLong, Display: "SSL Truststore",
			Doc: "The CA certificates the server's certificate is checked against (verify_ca, verify_identity): a Java key store (JKS or PKCS12, opened with database.ssl.truststore.password) or a PEM file, the type read from the file, when a connection is made; the system's roots without it."},
		{Name: "database.ssl.truststore.password", Type: cd.Password, Importance: cd.Medium, Group: typeGroup, Order: 13, Width: cd.WidthMedium, Display: "SSL Truststore Password",
			Doc: "The password of the database.ssl.truststore JKS or PKCS12 store; a PEM file has none."},
		{Name: "database.ssl.mode", Type: cd.String, Default: cd.Def(sslDefault), Importance: cd.Medium, Group: typeGroup, Order: 14, Width: cd.WidthMedium, Display: "SSL mode",
			Doc: "disabled (disable), preferred, required (trust), verify_ca or verify_identity."},
		{Name: "include.query", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Medium, Group: "Events", Order: 30, Width: cd.WidthShort, Display: "Include original SQL query with in change events",
			Doc: "Whether source.query carries the statement of each streamed row change (needs binlog_annotate_row_events on MariaDB, binlog_rows_query_log_events on MySQL)."},
		{Name: "gtid.source.filter.dml.events", Type: cd.Boolean, Default: cd.Def("true"), Importance: cd.Medium, Group: "Events", Order: 37, Width: cd.WidthShort, Display: "Filter DML events",
			Doc: "Whether the row changes of transactions whose GTID source gtid.source.includes/excludes filters out are left out."},
		{Name: "gtid.source.includes", Type: cd.List, Importance: cd.High, Group: "Events", Order: 38, Width: cd.WidthLong, Display: "Include GTID sources", Dependents: []string{"table.include.list"},
			Doc: "Regular expressions matching the GTID sources (MySQL server UUID, MariaDB domain-server) whose row changes are captured."},
		{Name: "gtid.source.excludes", Type: cd.String, Importance: cd.Medium, Group: "Events", Order: 39, Width: cd.WidthLong, Display: "Exclude GTID sources",
			Doc: "Regular expressions matching the GTID sources whose row changes are left out."},
		cd.TombstonesOnDelete(),
		{Name: "table.include.list", Type: cd.List, Importance: cd.High, Group: "Events", Order: 16, Width: cd.WidthLong, Display: "Include Tables",
			Doc: "Regular expressions matching the database-qualified tables that are captured."},
		{Name: "table.exclude.list", Type: cd.List, Importance: cd.Medium, Group: "Events", Order: 17, Width: cd.WidthLong, Display: "Exclude Tables",
			Doc: "Regular expressions matching the database-qualified tables that are not captured."},
		{Name: "include.schema.changes", Type: cd.Boolean, Default: cd.Def("true"), Importance: cd.Medium, Group: "Events", Order: 23, Width: cd.WidthShort, Display: "Include database schema changes",
			Doc: "Whether DDL is written to the schema change topic named by topic.prefix."},
		{Name: "database.include.list", Type: cd.List, Importance: cd.High, Group: "Events", Order: 32, Width: cd.WidthLong, Display: "Include Databases", Dependents: []string{"table.include.list"},
			Doc: "Regular expressions matching the databases whose tables are captured."},
		{Name: "database.exclude.list", Type: cd.List, Importance: cd.Medium, Group: "Events", Order: 33, Width: cd.WidthLong, Display: "Exclude Databases",
			Doc: "Regular expressions matching the databases whose tables are not captured."},
		// Then the transaction metadata keys (txmeta.ConfigDefs).
	}, txmeta.ConfigDefs(), []cd.Key{
		// Heartbeats, as Kafka Connect 4.3.0 lists them for Debezium 3.5.0,
		// then topic.heartbeat.prefix and .name (configdef.HeartbeatTopics).
		{Name: "heartbeat.interval.ms", Type: cd.Int, Default: cd.Def("0"), Importance: cd.Medium, Group: "Events", Order: 4, Width: cd.WidthMedium, Display: "Connector heartbeat interval (milli-seconds)",
			Doc: "How often, in milliseconds, the connector writes a heartbeat record (key {serverName}, value {ts_ms}) with its latest binlog position to the heartbeat topic; 0 turns heartbeats off."},
		{Name: "heartbeat.action.query", Type: cd.String, Importance: cd.Low, Group: "Events", Order: 29, Width: cd.WidthMedium, Display: "An optional query to execute with every heartbeat",
			Doc: "A statement the connector runs on the server at every heartbeat, for example an insert into a heartbeat table."},
	}, cd.HeartbeatTopics(),
		// Then the snapshot-mode keys (captureopts) and the column keys
		// (connectors/columns), numbered as Connect lists them for Debezium
		// 3.5.0's MariaDbConnector.
		captureopts.Defs(captureopts.Binlog), captureopts.ThreadsDefs(captureopts.Binlog), columns.ConfigDefs([8]int{14, 15, 18, 20, 21, 22, 25, 26}),
		historySecurityDefs(), signalDefs(), incDefs(), binlogGuardDefs)
}
