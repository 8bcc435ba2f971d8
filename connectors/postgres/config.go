package postgres

import (
	"fmt"
	"net"
	"net/url"
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

// Snapshot modes (snapshot.mode).
const (
	// SnapshotInitial snapshots the captured tables on a fresh start, then streams.
	SnapshotInitial = "initial"
	// SnapshotInitialOnly snapshots the captured tables and stops (Next returns io.EOF).
	SnapshotInitialOnly = "initial_only"
	// SnapshotNoData streams changes from the slot without a snapshot.
	SnapshotNoData = "no_data"
	// SnapshotNever is Debezium's legacy name for no_data, which Debezium
	// 3.6's Postgres connector refuses, and so does sluice (captureopts).
	SnapshotNever = "never"
)

// Publication auto-create modes (publication.autocreate.mode).
const (
	PublicationAllTables = "all_tables"
	PublicationFiltered  = "filtered"
	PublicationDisabled  = "disabled"
)

// ConfigKeys lists every connector configuration key the Postgres source
// honours. Generic Kafka Connect keys (name, connector.class, tasks.max,
// key.converter*, value.converter*) are the runtime's business and are not
// listed here.
var ConfigKeys = []string{
	"database.hostname",
	"database.port",
	"database.user",
	"database.password",
	"database.dbname",
	"database.sslmode",
	"database.sslrootcert",
	"database.sslcert",
	"database.sslkey",
	// TLS to the database beyond libpq's keys (docs/configuration.md,
	// "PostgreSQL TLS").
	"database.sslpassword",
	"database.sslfactory",
	"topic.prefix",
	"schema.include.list",
	"schema.exclude.list",
	"table.include.list",
	"table.exclude.list",
	"slot.name",
	"publication.name",
	"publication.autocreate.mode",
	"plugin.name",
	"snapshot.mode",
	"snapshot.fetch.size",
	"incremental.snapshot.chunk.size",
	"tombstones.on.delete",
	"skipped.operations",
	"decimal.handling.mode",
	"time.precision.mode",
	"binary.handling.mode",
	"interval.handling.mode",
	"hstore.handling.mode",
	"include.unknown.datatypes",
	"unavailable.value.placeholder",
	"status.update.interval.ms",
	"message.prefix.include.list",
	"message.prefix.exclude.list",
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
	// handling mode (captureopts.Keys; snapmodes.go), and slot.drop.on.stop.
	"snapshot.delay.ms",
	"snapshot.include.collection.list",
	"snapshot.select.statement.overrides",
	"snapshot.select.statement.overrides.", // .<schema>.<table>
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
	"slot.drop.on.stop",

	// Transaction metadata (docs/configuration.md, "Transaction metadata").
	"provide.transaction.metadata",
	"topic.transaction",

	// Heartbeats (heartbeat.go; change.HeartbeatKeys).
	"heartbeat.interval.ms",
	"heartbeat.action.query",
	"topic.heartbeat.prefix",
	"topic.heartbeat.name",

	// The slot guardrail (slotguard.go).
	slotWarnKey, slotMaxKey, slotDropKey, slotEveryKey,
}

// PasswordKeys lists the configuration keys whose values are secrets: they
// must never appear in logs, status or REST responses.
var PasswordKeys = []string{"database.password", "database.sslpassword"}

// Config is a Postgres connector's configuration, parsed from Debezium's
// flat string map by ParseConfig.
type Config struct {
	Name string // connector name, for logs

	Host        string
	Port        int
	User        string
	Password    string
	DBName      string
	SSLMode     string
	SSLRootCert string
	SSLCert     string
	SSLKey      string
	// SSLPassword decrypts SSLKey (database.sslpassword).
	SSLPassword string
	// SSLFactory is database.sslfactory: "" (libpq's checks) or one of the
	// JDBC driver's factories sluice understands (see parseSSLFactory).
	SSLFactory string

	TopicPrefix string

	SchemaInclude []*regexp.Regexp
	SchemaExclude []*regexp.Regexp
	TableInclude  []*regexp.Regexp
	TableExclude  []*regexp.Regexp
	// TableIncludeLiterals are the table.include.list entries that name one
	// table literally ("schema.table" without regex metacharacters); the
	// prerequisites check that each exists.
	TableIncludeLiterals []string

	SlotName        string
	PublicationName string
	PublicationMode string // all_tables, filtered, disabled

	SnapshotMode      string // initial, initial_only, no_data, when_needed, always, configuration_based
	SnapshotFetchSize int
	// IncChunkSize is incremental.snapshot.chunk.size: the rows an
	// incremental snapshot reads per chunk (incremental.go).
	IncChunkSize int

	TombstonesOnDelete bool
	// Skipped holds the operations not to emit (Debezium's skipped.operations).
	Skipped map[byte]bool

	Types TypeOptions

	StatusInterval time.Duration

	// MessagePrefixInclude and MessagePrefixExclude filter logical decoding
	// messages by prefix (message.prefix.include.list / exclude.list).
	MessagePrefixInclude []*regexp.Regexp
	MessagePrefixExclude []*regexp.Regexp

	// Capture holds the snapshot policy, the snapshot's table selection,
	// overrides and delay, and the failure handling mode (captureopts).
	Capture captureopts.Options
	// SlotDropOnStop drops the replication slot when the stream closes
	// (slot.drop.on.stop).
	SlotDropOnStop bool
	// Guard is the slot guardrail (slotguard.go).
	Guard SlotGuard
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

// ParseConfig parses the connector configuration m, applying Debezium's
// defaults, and returns every problem at once. Keys it does not know are left
// for the caller (see ConfigKeys). name is the connector's name.
func ParseConfig(name string, m map[string]string) (Config, error) {
	c := Config{Name: name}
	p := cd.NewParser(m, requiredHint)

	c.Host = p.Required("database.hostname")
	c.Port = int(p.IntIn("database.port", 5432, 1, 65535))
	c.User = p.Required("database.user")
	c.Password = m["database.password"] // may legitimately be empty (trust, .pgpass)
	c.DBName = p.Required("database.dbname")
	c.SSLMode = p.OneOf("database.sslmode", "prefer", "disable", "allow", "prefer", "require", "verify-ca", "verify-full")
	c.SSLRootCert = p.Get("database.sslrootcert", "")
	c.SSLCert = p.Get("database.sslcert", "")
	c.SSLKey = p.Get("database.sslkey", "")
	c.SSLPassword = m["database.sslpassword"] // may hold spaces
	if (c.SSLCert == "") != (c.SSLKey == "") {
		p.Bad("database.sslcert", "database.sslcert and database.sslkey go together: set both (a client certificate and its private key) or neither")
	}
	if f, err := parseSSLFactory(p.Get("database.sslfactory", ""), c.SSLMode, c.SSLRootCert); err != nil {
		p.Bad("database.sslfactory", "%v", err)
	} else {
		c.SSLFactory = f
	}

	c.TopicPrefix = p.TopicPrefix()

	var lit []string
	c.SchemaInclude, _ = p.Regexes("schema.include.list")
	c.SchemaExclude, _ = p.Regexes("schema.exclude.list")
	c.TableInclude, lit = p.Regexes("table.include.list")
	c.TableExclude, _ = p.Regexes("table.exclude.list")
	c.TableIncludeLiterals = filter.Literals(lit)
	if len(c.SchemaInclude) > 0 && len(c.SchemaExclude) > 0 {
		p.Bad("schema.exclude.list", "cannot be set together with schema.include.list; keep one of them")
	}
	if len(c.TableInclude) > 0 && len(c.TableExclude) > 0 {
		p.Bad("table.exclude.list", "cannot be set together with table.include.list; keep one of them")
	}

	c.SlotName = p.Get("slot.name", "debezium")
	if !identRE.MatchString(c.SlotName) {
		p.Bad("slot.name", "%q is not a valid replication slot name; use lower-case letters, digits and '_' (at most 63)", c.SlotName)
	}
	c.PublicationName = p.Get("publication.name", "dbz_publication")
	if len(c.PublicationName) > 63 || strings.ContainsRune(c.PublicationName, 0) {
		p.Bad("publication.name", "%q is not a valid publication name; use at most 63 characters", c.PublicationName)
	}
	c.PublicationMode = p.OneOf("publication.autocreate.mode", PublicationAllTables, PublicationAllTables, PublicationFiltered, PublicationDisabled)
	if v := strings.ToLower(p.Get("plugin.name", "pgoutput")); v != "pgoutput" {
		p.Bad("plugin.name", "%q is not supported; sluice decodes only pgoutput, set plugin.name=pgoutput", v)
	}
	c.SnapshotMode = strings.ToLower(p.Get("snapshot.mode", SnapshotInitial))
	parseCapture(&c, m, p.Get, p.Errs())
	c.Guard = parseSlotGuard(p, m)
	c.SnapshotFetchSize = int(p.IntIn("snapshot.fetch.size", 10240, 1, 10_000_000))
	c.IncChunkSize = int(p.IntIn("incremental.snapshot.chunk.size", capture.DefaultChunkSize, 1, 1_000_000))

	c.TombstonesOnDelete = p.Bool("tombstones.on.delete", true)
	c.TxMetadata, c.TxTopic = txmeta.ParseConfig(p)
	c.Skipped = p.Skipped()

	c.Types = TypeOptions{
		DecimalMode:      strings.ToLower(p.Get("decimal.handling.mode", DecimalPrecise)),
		TimeMode:         strings.ToLower(p.Get("time.precision.mode", TimeAdaptive)),
		BinaryMode:       strings.ToLower(p.Get("binary.handling.mode", BinaryBytes)),
		IntervalMode:     strings.ToLower(p.Get("interval.handling.mode", IntervalNumeric)),
		HstoreMode:       strings.ToLower(p.Get("hstore.handling.mode", HstoreJSON)),
		UnavailableValue: p.Get("unavailable.value.placeholder", DefaultUnavailableValue),
	}
	c.Types.IncludeUnknown = p.Bool("include.unknown.datatypes", false)
	errs := p.Errs()
	if err := c.Types.Validate(); err != nil {
		*errs = append(*errs, err)
	}
	if rules, err := columns.Parse(m); err != nil {
		*errs = append(*errs, err)
	} else {
		c.Types.Columns = rules
	}
	c.StatusInterval = time.Duration(p.IntIn("status.update.interval.ms", 10000, 1, 3_600_000)) * time.Millisecond
	parseMessageFilters(&c, p)
	var hbErrs []error
	c.Heartbeat, hbErrs = change.ParseHeartbeatConfig(m, c.TopicPrefix)
	*errs = append(*errs, hbErrs...)
	*errs = append(*errs, c.Signals.Parse(m, c.TopicPrefix, "schema")...)
	c.Inc.Parse(p)
	c.Capture.Warnings = append(c.Capture.Warnings, c.Inc.ReadOnlyWarnings(c.Heartbeat.ActionQuery)...)

	if err := p.Err(); err != nil {
		return Config{}, fmt.Errorf("postgres connector %q: invalid configuration: %w", name, err)
	}
	return c, nil
}

var requiredHint = map[string]string{
	"database.hostname": "the Postgres server's host name or IP address",
	"database.user":     "a role with the REPLICATION attribute",
	"database.dbname":   "the database to capture",
	"topic.prefix":      "a unique name for this server; topics are <topic.prefix>.<schema>.<table>",
}

// identRE is what a replication slot name may hold.
var identRE = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

// Captures reports whether the table schema.table is captured under the
// include/exclude lists. System schemas are never captured.
func (c *Config) Captures(schema, table string) bool {
	if systemSchema(schema) {
		return false
	}
	if len(c.SchemaInclude) > 0 && !filter.Any(c.SchemaInclude, schema) {
		return false
	}
	if filter.Any(c.SchemaExclude, schema) {
		return false
	}
	full := schema + "." + table
	if len(c.TableInclude) > 0 && !filter.Any(c.TableInclude, full) {
		return false
	}
	return !filter.Any(c.TableExclude, full)
}

func systemSchema(s string) bool {
	return s == "pg_catalog" || s == "information_schema" || s == "pg_toast" ||
		strings.HasPrefix(s, "pg_temp_") || strings.HasPrefix(s, "pg_toast_temp_")
}

// DSN returns the connection string for the configured database (a URL; the
// password is included, so never log it).
func (c *Config) DSN() string {
	u := url.URL{
		Scheme: "postgres",
		Host:   net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:   "/" + c.DBName,
	}
	if c.Password != "" {
		u.User = url.UserPassword(c.User, c.Password)
	} else {
		u.User = url.User(c.User)
	}
	q := url.Values{}
	q.Set("sslmode", c.SSLMode)
	// NonValidatingFactory checks no certificate: without a root
	// certificate, require does not verify (with one it means verify-ca).
	if c.SSLRootCert != "" && c.SSLFactory != sslFactoryNonValidating {
		q.Set("sslrootcert", c.SSLRootCert)
	}
	// The client certificate and key are loaded by applyClientCert, which
	// reads the key formats (PKCS#8, encrypted) pgx does not.
	q.Set("application_name", "sluice-"+c.Name)
	u.RawQuery = q.Encode()
	return u.String()
}
