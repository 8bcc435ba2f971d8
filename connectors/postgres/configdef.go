package postgres

import (
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/columns"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

// ConfigDefs describe the keys of ConfigKeys for GET
// /connector-plugins/{class}/config, in the order Kafka Connect lists
// Debezium's: type, importance, group, order in the group, width and display
// name as Kafka Connect 4.3.0 answers them for Debezium 3.6.1's
// PostgresConnector; defaults and documentation as sluice applies them.
var ConfigDefs = cd.Concat([]cd.Key{
	{Name: "topic.prefix", Type: cd.String, Importance: cd.High, Group: "Postgres", Order: 1, Width: cd.WidthMedium, Display: "Topic prefix",
		Doc: "The prefix of every topic the connector writes to (<prefix>.<schema>.<table>); unique across connectors."},
	{Name: "database.hostname", Type: cd.String, Importance: cd.High, Group: "Postgres", Order: 2, Width: cd.WidthMedium, Display: "Hostname",
		Doc: "Resolvable hostname or IP address of the PostgreSQL server."},
	{Name: "database.port", Type: cd.Int, Default: cd.Def("5432"), Importance: cd.High, Group: "Postgres", Order: 3, Width: cd.WidthShort, Display: "Port",
		Doc: "Port of the PostgreSQL server."},
	{Name: "database.user", Type: cd.String, Importance: cd.High, Group: "Postgres", Order: 4, Width: cd.WidthShort, Display: "User",
		Doc: "The user to connect as; it needs the REPLICATION attribute and SELECT on the captured tables."},
	{Name: "database.password", Type: cd.Password, Importance: cd.High, Group: "Postgres", Order: 5, Width: cd.WidthShort, Display: "Password",
		Doc: "The user's password; may be empty with trust authentication or a .pgpass file."},
	{Name: "database.dbname", Type: cd.String, Importance: cd.High, Group: "Postgres", Order: 6, Width: cd.WidthMedium, Display: "Database",
		Doc: "The database whose changes are captured."},
	{Name: "plugin.name", Type: cd.String, Default: cd.Def("pgoutput"), Importance: cd.Medium, Group: "Postgres", Order: 8, Width: cd.WidthMedium, Display: "Plugin",
		Doc: "The logical decoding plugin; sluice reads pgoutput, built into PostgreSQL 10 and later."},
	{Name: "slot.name", Type: cd.String, Default: cd.Def("debezium"), Importance: cd.Medium, Group: "Postgres", Order: 9, Width: cd.WidthMedium, Display: "Slot",
		Doc: "The logical replication slot the connector reads; created if missing."},
	{Name: "publication.name", Type: cd.String, Default: cd.Def("dbz_publication"), Importance: cd.Medium, Group: "Postgres", Order: 10, Width: cd.WidthMedium, Display: "Publication",
		Doc: "The publication pgoutput streams the changes of."},
	{Name: "publication.autocreate.mode", Type: cd.String, Default: cd.Def("all_tables"), Importance: cd.Medium, Group: "Postgres", Order: 11, Width: cd.WidthMedium, Display: "Publication Auto Create Mode",
		Doc: "How the publication is made when it does not exist: all_tables, filtered (the captured tables) or disabled."},
	{Name: "database.sslmode", Type: cd.String, Default: cd.Def("prefer"), Importance: cd.Medium, Group: "Postgres", Order: 17, Width: cd.WidthMedium, Display: "SSL mode",
		Doc: "Whether to encrypt the connection: disable, allow, prefer, require, verify-ca or verify-full (libpq's meanings)."},
	{Name: "database.sslcert", Type: cd.String, Importance: cd.Medium, Group: "Postgres", Order: 18, Width: cd.WidthLong, Display: "SSL Client Certificate",
		Doc: "File holding the client's SSL certificate."},
	{Name: "database.sslrootcert", Type: cd.String, Importance: cd.Medium, Group: "Postgres", Order: 20, Width: cd.WidthLong, Display: "SSL Root Certificate",
		Doc: "File holding the root certificates the server's certificate is checked against."},
	{Name: "database.sslkey", Type: cd.String, Importance: cd.Medium, Group: "Postgres", Order: 21, Width: cd.WidthLong, Display: "SSL Client Key",
		Doc: "File holding the client's SSL private key."},
	// PostgreSQL TLS (docs/configuration.md).
	{Name: "database.sslpassword", Type: cd.Password, Importance: cd.Medium, Group: "Postgres", Order: 22, Width: cd.WidthMedium, Display: "SSL Client Key Password",
		Doc: "Password to access the client private key from the file specified by 'database.sslkey'."},
	{Name: "database.sslfactory", Type: cd.String, Importance: cd.Medium, Group: "Postgres", Order: 23, Width: cd.WidthLong, Display: "SSL Root Certificate",
		Doc: "The JDBC driver's SSL socket factory class: org.postgresql.ssl.LibPQFactory (default), org.postgresql.ssl.NonValidatingFactory (no certificate check) or org.postgresql.ssl.DefaultJavaSSLFactory (the system's CAs)."},
	{Name: "status.update.interval.ms", Type: cd.Int, Default: cd.Def("10000"), Importance: cd.Medium, Group: "Postgres", Order: 25, Width: cd.WidthShort, Display: "Status update interval (ms)",
		Doc: "How often the connector sends the server a standby status update, which confirms the position committed to Kafka."},
	cd.SkippedOperations("Postgres", 30),
	{Name: "message.prefix.include.list", Type: cd.List, Importance: cd.Medium, Group: "Connector", Order: 24, Width: cd.WidthLong, Display: "Include Logical Decoding Message Prefixes",
		Doc: "A comma-separated list of regular expressions that match the logical decoding message prefixes to be monitored. All prefixes are monitored by default."},
	{Name: "message.prefix.exclude.list", Type: cd.List, Importance: cd.Medium, Group: "Connector", Order: 25, Width: cd.WidthLong, Display: "Exclude Logical Decoding Message Prefixes",
		Doc: "A comma-separated list of regular expressions that match the logical decoding message prefixes to be excluded from monitoring."},
	{Name: "incremental.snapshot.chunk.size", Type: cd.Int, Default: cd.Def("1024"), Importance: cd.Medium, Group: "Connector", Order: 11, Width: cd.WidthShort, Display: "Incremental snapshot chunk size",
		Doc: "The number of rows an incremental snapshot (execute-snapshot signal) reads per chunk."},
	{Name: "snapshot.fetch.size", Type: cd.Int, Default: cd.Def("10240"), Importance: cd.Medium, Group: "Connector", Order: 10, Width: cd.WidthMedium, Display: "Snapshot fetch size",
		Doc: "The number of rows a snapshot reads per chunk."},
	{Name: "decimal.handling.mode", Type: cd.String, Default: cd.Def("precise"), Importance: cd.Medium, Group: "Connector", Order: 40, Width: cd.WidthShort, Display: "Decimal Handling",
		Doc: "How NUMERIC and DECIMAL values are written: precise, double or string."},
	{Name: "time.precision.mode", Type: cd.String, Default: cd.Def("adaptive"), Importance: cd.Medium, Group: "Connector", Order: 41, Width: cd.WidthShort, Display: "Time Precision",
		Doc: "How temporal values are written: adaptive, adaptive_time_microseconds or connect."},
	{Name: "snapshot.mode", Type: cd.String, Default: cd.Def("initial"), Importance: cd.Medium, Group: "Connector", Order: 45, Width: cd.WidthShort, Display: "Snapshot mode",
		Doc: "When to snapshot the captured tables: initial (on a fresh start, then stream), initial_only, when_needed (also when the slot lost the checkpoint's position), always (at every start), no_data (never), or configuration_based."},
	{Name: "hstore.handling.mode", Type: cd.String, Default: cd.Def("json"), Importance: cd.Low, Group: "Connector", Order: 51, Width: cd.WidthMedium, Display: "HStore Handling",
		Doc: "How HSTORE values are written: json or map."},
	{Name: "binary.handling.mode", Type: cd.String, Default: cd.Def("bytes"), Importance: cd.Low, Group: "Connector", Order: 52, Width: cd.WidthMedium, Display: "Binary Handling",
		Doc: "How binary values are written: bytes, base64, base64-url-safe or hex."},
	{Name: "interval.handling.mode", Type: cd.String, Default: cd.Def("numeric"), Importance: cd.Low, Group: "Connector", Order: 54, Width: cd.WidthMedium, Display: "Interval Handling",
		Doc: "How INTERVAL values are written: numeric (microseconds) or string (ISO 8601)."},
	{Name: "unavailable.value.placeholder", Type: cd.String, Default: cd.Def(DefaultUnavailableValue), Importance: cd.Medium, Group: "Connector", Order: 57, Width: cd.WidthMedium, Display: "Unavailable value placeholder",
		Doc: "The value written for an unchanged TOASTed column whose value the server did not send."},
	cd.TombstonesOnDelete(),
	{Name: "table.include.list", Type: cd.List, Importance: cd.High, Group: "Events", Order: 16, Width: cd.WidthLong, Display: "Include Tables",
		Doc: "Regular expressions matching the schema-qualified tables that are captured."},
	{Name: "table.exclude.list", Type: cd.List, Importance: cd.Medium, Group: "Events", Order: 17, Width: cd.WidthLong, Display: "Exclude Tables",
		Doc: "Regular expressions matching the schema-qualified tables that are not captured."},
	{Name: "schema.include.list", Type: cd.List, Importance: cd.High, Group: "Events", Order: 19, Width: cd.WidthLong, Display: "Include Schemas", Dependents: []string{"table.include.list"},
		Doc: "Regular expressions matching the schemas whose tables are captured."},
	{Name: "schema.exclude.list", Type: cd.List, Importance: cd.Medium, Group: "Events", Order: 20, Width: cd.WidthLong, Display: "Exclude Schemas",
		Doc: "Regular expressions matching the schemas whose tables are not captured."},
	{Name: "include.unknown.datatypes", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Medium, Group: "Events", Order: 32, Width: cd.WidthShort, Display: "Include unknown datatypes",
		Doc: "Whether columns of a type without a Debezium mapping are sent (as binary.handling.mode's type holding their text) instead of left out."},
	// Then the transaction metadata keys (txmeta.ConfigDefs).
}, txmeta.ConfigDefs(), []cd.Key{
	// Heartbeats, as Kafka Connect 4.3.0 lists them for Debezium 3.6.1,
	// then topic.heartbeat.prefix and .name (configdef.HeartbeatTopics).
	{Name: "heartbeat.interval.ms", Type: cd.Int, Default: cd.Def("0"), Importance: cd.Medium, Group: "Events", Order: 4, Width: cd.WidthMedium, Display: "Connector heartbeat interval (milli-seconds)",
		Doc: "How often, in milliseconds, the connector writes a heartbeat record (key {serverName}, value {ts_ms}) with its latest position to the heartbeat topic; 0 turns heartbeats off."},
	{Name: "heartbeat.action.query", Type: cd.String, Importance: cd.Low, Group: "Events", Order: 31, Width: cd.WidthMedium, Display: "An optional query to execute with every heartbeat",
		Doc: "A statement the connector runs on the captured database at every heartbeat, for example an insert into a heartbeat table so that the slot advances when the changes are in another database."},
}, cd.HeartbeatTopics())

// ConfigDefs of the snapshot-mode keys (captureopts) and slot.drop.on.stop.
// Then the column keys (connectors/columns), numbered as Connect lists them for
// Debezium 3.6.1's PostgresConnector.
func init() {
	ConfigDefs = append(ConfigDefs, captureopts.Defs(captureopts.Postgres)...)
	ConfigDefs = append(ConfigDefs, captureopts.ThreadsDefs(captureopts.Postgres)...)
	ConfigDefs = append(ConfigDefs, cd.Key{Name: "slot.drop.on.stop", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Medium, Group: "Postgres", Order: 13, Width: cd.WidthNone, Display: "Drop slot on stop",
		Doc: "Whether the replication slot is dropped when the connector's task stops (also before a retry); the changes made while it is stopped are then lost. For tests; keep false in production."})
	ConfigDefs = append(ConfigDefs, columns.ConfigDefs([8]int{14, 15, 21, 23, 24, 25, 27, 28})...)
	ConfigDefs = append(ConfigDefs, slotGuardDefs...)
}
