package mysql

import (
	"crypto/tls"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/filter"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

// Connector classes (connector.class) and their short aliases.
const (
	MySQLClass   = "io.debezium.connector.mysql.MySqlConnector"
	MariaDBClass = "io.debezium.connector.mariadb.MariaDbConnector"
)

// Snapshot modes (snapshot.mode).
const (
	// SnapshotInitial snapshots the captured tables on a fresh start, then streams.
	SnapshotInitial = "initial"
	// SnapshotInitialOnly snapshots the captured tables and stops (Next returns io.EOF).
	SnapshotInitialOnly = "initial_only"
	// SnapshotNoData streams from the current binlog position without a snapshot.
	SnapshotNoData = "no_data"
	// SnapshotNever is Debezium's legacy name for no_data.
	SnapshotNever = "never"
	// SnapshotWhenNeeded snapshots on a fresh start and again when the
	// binlog position of the checkpoint is no longer on the server.
	SnapshotWhenNeeded = "when_needed"
)

// Snapshot locking modes (snapshot.locking.mode).
const (
	// LockingMinimal holds FLUSH TABLES WITH READ LOCK only while reading the
	// binlog position and starting the snapshot transaction.
	LockingMinimal = "minimal"
	// LockingNone takes no lock. On MariaDB the snapshot position is still
	// exact (binlog_snapshot_file/position); on MySQL it may not be.
	LockingNone = "none"
)

// ConfigKeys lists every connector configuration key the MySQL/MariaDB source
// honours. The runtime's own keys (name, connector.class, converters...) are
// not listed.
var ConfigKeys = []string{
	"database.hostname",
	"database.port",
	"database.user",
	"database.password",
	"database.server.id",
	"topic.prefix",
	"database.include.list",
	"database.exclude.list",
	"table.include.list",
	"table.exclude.list",
	"snapshot.mode",
	"snapshot.locking.mode",
	"snapshot.fetch.size",
	"incremental.snapshot.chunk.size",
	"include.schema.changes",
	"schema.history.internal.store.only.captured.tables.ddl",
	"schema.history.internal.store.only.captured.databases.ddl",
	"tombstones.on.delete",
	"skipped.operations",
	"decimal.handling.mode",
	"time.precision.mode",
	"binary.handling.mode",
	"bigint.unsigned.handling.mode",
	"connect.timeout.ms",
	"connect.keep.alive.interval.ms",
	// Columns (connectors/columns): the value's columns, column mappers and
	// the record key. The families column.truncate.to.<N>.chars,
	// column.mask.with.<N>.chars and column.mask.hash[.v2].<algorithm>.with.salt.<salt>
	// are the prefixes ending in ".".
	"column.include.list",
	"column.exclude.list",
	"column.propagate.source.type",
	"datatype.propagate.source.type",
	"message.key.columns",
	"column.truncate.to.",
	"column.mask.with.",
	"column.mask.hash.",
	// Snapshot modes' keys, snapshot selection and delay, and the failure
	// handling mode (captureopts.Keys; snapmodes.go).
	"snapshot.delay.ms",
	"snapshot.include.collection.list",
	"snapshot.select.statement.overrides",
	"snapshot.select.statement.overrides.", // .<database>.<table>
	"snapshot.mode.custom.name",
	"snapshot.mode.configuration.based.snapshot.data",
	"snapshot.mode.configuration.based.snapshot.schema",
	"snapshot.mode.configuration.based.start.stream",
	"snapshot.mode.configuration.based.snapshot.on.schema.error",
	"snapshot.mode.configuration.based.snapshot.on.data.error",
	"event.processing.failure.handling.mode",
	"snapshot.max.threads",
	"snapshot.max.threads.multiplier",
	"legacy.snapshot.max.threads",
	"internal.legacy.snapshot.max.threads",

	// Transaction metadata (docs/configuration.md, "Transaction metadata").
	"provide.transaction.metadata",
	"topic.transaction",

	// Heartbeats (heartbeat.go; change.HeartbeatKeys).
	"heartbeat.interval.ms",
	"heartbeat.action.query",
	"topic.heartbeat.prefix",
	"topic.heartbeat.name",
}

// historyReason is why the schema history keys other than the topic,
// its brokers and the DDL filters mean nothing here.
const historyReason = "sluice writes the schema history to schema.history.internal.kafka.topic with its own " +
	"transactional producer, in the same Kafka transaction as the records and the checkpoint, and reads it back " +
	"with read_committed; Debezium's history class, producer, consumer and recovery settings do not apply"

// UnusedKeys are Debezium keys the MySQL/MariaDB source accepts without
// using them, each with the reason (a key ending in "." stands for every
// key it begins): Debezium's tutorial config carries them.
var UnusedKeys = map[string]string{
	"schema.history.internal":                                 historyReason,
	"schema.history.internal.kafka.recovery.poll.interval.ms": historyReason,
	"schema.history.internal.kafka.recovery.attempts":         historyReason,
	"schema.history.internal.kafka.query.timeout.ms":          historyReason,
	"schema.history.internal.kafka.create.timeout.ms":         historyReason,
	"schema.history.internal.producer.":                       historyReason,
	"schema.history.internal.consumer.":                       historyReason,
	// Columns: a PostgreSQL key only; Debezium's MySQL and MariaDB
	// connectors define no such key and ignore it.
	"include.unknown.datatypes": "Debezium's MySQL and MariaDB connectors have no such key (only its PostgreSQL connector does) and ignore it; " +
		"sluice maps every MySQL and MariaDB type Debezium maps and fails a table with a type it cannot map (docs/types.md)",
	// The other history classes' keys and the history's internal ones.
	"schema.history.internal.kafka.buffer.batch.size": historyReason,
	"schema.history.internal.name":                    historyReason,
	"schema.history.internal.connector.class":         historyReason,
	"schema.history.internal.connector.id":            historyReason,
	"schema.history.internal.ddl.filter":              historyReason,
	"schema.history.internal.prefer.ddl":              historyReason,
	"schema.history.internal.file.":                   historyOtherStore,
	"schema.history.internal.jdbc.":                   historyOtherStore,
	"schema.history.internal.redis.":                  historyOtherStore,
	"schema.history.internal.s3.":                     historyOtherStore,
	"schema.history.internal.azure.":                  historyOtherStore,
	"schema.history.internal.rocketmq.":               historyOtherStore,
}

// historyOtherStore is why the keys of Debezium's other schema history
// stores (file, JDBC, Redis, S3, Azure blob, RocketMQ) mean nothing here.
const historyOtherStore = "sluice keeps the schema history only in Kafka (schema.history.internal.kafka.topic), " +
	"in the same transaction as the records; Debezium's other history stores do not apply"

// PasswordKeys lists the configuration keys whose values are secrets.
var PasswordKeys = []string{"database.password", "database.ssl.truststore.password", "database.ssl.keystore.password"}

// Config is a MySQL or MariaDB connector's configuration, parsed from
// Debezium's flat string map by ParseConfig.
type Config struct {
	Name string // connector name, for logs

	// MariaDB is true for the MariaDB connector class: source.connector is
	// "mariadb" and the source schema is io.debezium.connector.mariadb.Source.
	MariaDB bool

	Host     string
	Port     int
	User     string
	Password string
	ServerID uint32

	TopicPrefix string

	DatabaseInclude []*regexp.Regexp
	DatabaseExclude []*regexp.Regexp
	TableInclude    []*regexp.Regexp
	TableExclude    []*regexp.Regexp
	// TableIncludeLiterals are the table.include.list entries that name one
	// table literally ("db.table"); the prerequisites check that each exists.
	TableIncludeLiterals []string

	SnapshotMode      string // initial, initial_only, no_data, never, when_needed
	SnapshotLocking   string // minimal, none
	SnapshotFetchSize int
	// IncChunkSize is incremental.snapshot.chunk.size: the rows an
	// incremental snapshot reads per chunk (incremental.go).
	IncChunkSize int

	IncludeSchemaChanges bool
	// SchemaOnlyCapturedTables and SchemaOnlyCapturedDatabases narrow the
	// schema-change records to the captured tables, or to the tables of
	// the captured databases (Debezium's schema.history.internal.store.
	// only.captured.tables.ddl / .databases.ddl, both false by default: the
	// DDL of every database is recorded).
	SchemaOnlyCapturedTables    bool
	SchemaOnlyCapturedDatabases bool
	TombstonesOnDelete          bool
	// Skipped holds the operations not to emit (Debezium's skipped.operations).
	Skipped map[byte]bool

	Types TypeOptions

	// The schema history (history.go): HistoryTopic and HistoryBrokers are
	// schema.history.internal.kafka.topic and .bootstrap.servers (no
	// history when empty); SkipUnparseableDDL is
	// schema.history.internal.skip.unparseable.ddl.
	HistoryTopic   string
	HistoryBrokers []string
	// HistoryClientProps are the history client's TLS/SASL settings, from
	// schema.history.internal.{producer,consumer}.* (historysec.go).
	HistoryClientProps map[string]string
	SkipUnparseableDDL bool

	// The other binlog keys (binlogkeys.go, tls.go): include.query;
	// gtid.source.includes/excludes and gtid.source.filter.dml.events;
	// database.ssl.mode (SSLMode), its TLS settings (TLS, nil without TLS)
	// and the store files with their passwords, read at each connection.
	IncludeQuery                           bool
	GTIDSourceIncludes, GTIDSourceExcludes []*regexp.Regexp
	GTIDFilterDML                          bool
	SSLMode                                string
	TLS                                    *tls.Config
	SSLTrustStore, SSLTrustStorePassword   string
	SSLKeyStore, SSLKeyStorePassword       string

	ConnectTimeout time.Duration
	// BinlogCheckEvery is how often the binlog watch reads the server's
	// binlog files (binlogguard.go).
	BinlogCheckEvery time.Duration
	// HeartbeatPeriod is the binlog dump heartbeat the server sends when idle,
	// so that a dead connection is noticed (connect.keep.alive.interval.ms).
	HeartbeatPeriod time.Duration

	// Capture holds the snapshot policy, the snapshot's table selection,
	// overrides and delay, and the failure handling mode (captureopts).
	Capture captureopts.Options
	// TxMetadata is provide.transaction.metadata: BEGIN/END records on
	// <topic.prefix>.<TxTopic> and a transaction block in each streamed event.
	TxMetadata bool
	TxTopic    string // topic.transaction
	// Heartbeat is heartbeat.interval.ms and the keys that go with it
	// (heartbeat.go).
	Heartbeat change.HeartbeatConfig
	// Signals is signal.* (signals.go).
	Signals capture.SignalConfig
	// Inc is read.only and the incremental snapshot keys (readonly.go).
	Inc capture.IncConfig
}

// Flavor returns "mariadb" or "mysql", the source.connector value.
func (c *Config) Flavor() string {
	if c.MariaDB {
		return "mariadb"
	}
	return "mysql"
}

// IsMariaDBClass reports whether a connector.class value names the MariaDB
// connector.
func IsMariaDBClass(class string) bool {
	return class == MariaDBClass || strings.EqualFold(class, "mariadb")
}

// ParseConfig parses the connector configuration m, applying Debezium's
// defaults, and returns every problem at once. Keys it does not know are left
// for the caller (see ConfigKeys). name is the connector's name.
func ParseConfig(name string, m map[string]string) (Config, error) {
	c := Config{Name: name, MariaDB: IsMariaDBClass(m["connector.class"])}
	p := cd.NewParser(m, requiredHint)

	c.Host = p.Required("database.hostname")
	c.Port = int(p.IntIn("database.port", 3306, 1, 65535))
	c.User = p.Required("database.user")
	c.Password = m["database.password"]
	if p.Get("database.server.id", "") == "" {
		p.Bad("database.server.id", "is required; set it to a number from 1 to 4294967295 that no other replica of this server uses")
	} else {
		c.ServerID = uint32(p.IntIn("database.server.id", 0, 1, 1<<32-1))
	}

	c.TopicPrefix = p.TopicPrefix()

	var lit []string
	c.DatabaseInclude, _ = p.Regexes("database.include.list")
	c.DatabaseExclude, _ = p.Regexes("database.exclude.list")
	c.TableInclude, lit = p.Regexes("table.include.list")
	c.TableExclude, _ = p.Regexes("table.exclude.list")
	c.TableIncludeLiterals = filter.Literals(lit)
	if len(c.DatabaseInclude) > 0 && len(c.DatabaseExclude) > 0 {
		p.Bad("database.exclude.list", "cannot be set together with database.include.list; keep one of them")
	}
	if len(c.TableInclude) > 0 && len(c.TableExclude) > 0 {
		p.Bad("table.exclude.list", "cannot be set together with table.include.list; keep one of them")
	}

	c.SnapshotMode = strings.ToLower(p.Get("snapshot.mode", SnapshotInitial))
	errs := p.Errs()
	var cerrs []error
	c.Capture, cerrs = captureopts.Parse(m, c.SnapshotMode, captureopts.Binlog)
	*errs = append(*errs, cerrs...)
	c.SnapshotLocking = parseLocking(&c, m["snapshot.locking.mode"], p.Bad) // binlogkeys.go
	c.SnapshotFetchSize = int(p.IntIn("snapshot.fetch.size", 10240, 1, 10_000_000))
	c.IncChunkSize = int(p.IntIn("incremental.snapshot.chunk.size", capture.DefaultChunkSize, 1, 1_000_000))
	c.IncludeSchemaChanges = p.Bool("include.schema.changes", true)
	c.SchemaOnlyCapturedTables = p.Bool("schema.history.internal.store.only.captured.tables.ddl", false)
	c.SchemaOnlyCapturedDatabases = p.Bool("schema.history.internal.store.only.captured.databases.ddl", false)
	c.TombstonesOnDelete = p.Bool("tombstones.on.delete", true)
	c.TxMetadata, c.TxTopic = txmeta.ParseConfig(p)
	c.Skipped = p.Skipped()

	c.Types = TypeOptions{
		DecimalMode:        p.OneOf("decimal.handling.mode", "precise", "precise", "double", "string"),
		TimeMode:           p.OneOf("time.precision.mode", "adaptive_time_microseconds", "adaptive_time_microseconds", "adaptive", "connect"),
		BinaryMode:         p.OneOf("binary.handling.mode", "bytes", "bytes", "base64", "base64-url-safe", "hex"),
		BigintUnsignedMode: p.OneOf("bigint.unsigned.handling.mode", "long", "long", "precise"),
	}
	if rules, err := columns.Parse(m); err != nil {
		*errs = append(*errs, err)
	} else {
		c.Types.Columns = rules
	}
	c.ConnectTimeout = time.Duration(p.IntIn("connect.timeout.ms", 30000, 1, 3_600_000)) * time.Millisecond
	c.BinlogCheckEvery = parseBinlogGuard(p)
	c.HeartbeatPeriod = time.Duration(p.IntIn("connect.keep.alive.interval.ms", 60000, 1000, 3_600_000)) * time.Millisecond
	var hbErrs []error
	c.Heartbeat, hbErrs = change.ParseHeartbeatConfig(m, c.TopicPrefix)
	*errs = append(*errs, hbErrs...)
	*errs = append(*errs, c.Signals.Parse(m, c.TopicPrefix, "database")...)
	c.Inc.Parse(p)
	c.Capture.Warnings = append(c.Capture.Warnings, c.Inc.ReadOnlyWarnings(c.Heartbeat.ActionQuery)...)

	historyConfig(&c, m, p.Bad)
	historySecurity(&c, m)
	binlogKeys(&c, p)

	if err := p.Err(); err != nil {
		return Config{}, fmt.Errorf("%s connector %q: invalid configuration: %w", c.Flavor(), name, err)
	}
	return c, nil
}

var requiredHint = map[string]string{
	"database.hostname": "the MySQL or MariaDB server's host name or IP address",
	"database.user":     "a user with REPLICATION SLAVE, REPLICATION CLIENT, SELECT (and RELOAD for snapshot.locking.mode=minimal)",
	"topic.prefix":      "a unique name for this server; topics are <topic.prefix>.<database>.<table>",
}

// topicPrefixRE is what the schema history topic may hold (history.go), as
// topic.prefix (configdef.Parser.TopicPrefix).
var topicPrefixRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// systemDatabase reports whether db is one of the server's own databases,
// which are never captured.
func systemDatabase(db string) bool {
	switch strings.ToLower(db) {
	case "mysql", "information_schema", "performance_schema", "sys":
		return true
	}
	return false
}

// CapturesDatabase reports whether tables of db may be captured.
func (c *Config) CapturesDatabase(db string) bool {
	if systemDatabase(db) {
		return false
	}
	if len(c.DatabaseInclude) > 0 && !filter.Any(c.DatabaseInclude, db) {
		return false
	}
	return !filter.Any(c.DatabaseExclude, db)
}

// Captures reports whether the table db.table is captured under the
// include/exclude lists.
func (c *Config) Captures(db, table string) bool {
	if !c.CapturesDatabase(db) {
		return false
	}
	full := db + "." + table
	if len(c.TableInclude) > 0 && !filter.Any(c.TableInclude, full) {
		return false
	}
	return !filter.Any(c.TableExclude, full)
}

// RecordsSchemaOf reports whether the DDL of table db.table ("" for a
// statement on the database itself) becomes a schema-change record, as
// Debezium's schema history filters it: every table of every database but
// the server's own, unless the store.only.captured keys narrow it.
func (c *Config) RecordsSchemaOf(db, table string) bool {
	if systemDatabase(db) {
		return false
	}
	if c.SchemaOnlyCapturedDatabases && !c.CapturesDatabase(db) {
		return false
	}
	if c.SchemaOnlyCapturedTables {
		if table == "" {
			return c.CapturesDatabase(db)
		}
		return c.Captures(db, table)
	}
	return true
}

// Addr returns host:port.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }
