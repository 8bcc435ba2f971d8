package postgres

import (
	"errors"
	"fmt"
	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
	"github.com/sluicecdc/sluice/connectors/filter"
	"github.com/sluicecdc/sluice/connectors/txmeta"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
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
	"slot.drop.on.stop",

	// Transaction metadata (docs/configuration.md, "Transaction metadata").
	"provide.transaction.metadata",
	"topic.transaction",

	// Heartbeats (heartbeat.go; change.HeartbeatKeys).
	"heartbeat.interval.ms",
	"heartbeat.action.query",
	"topic.heartbeat.prefix",
	"topic.heartbeat.name",
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
	// TxMetadata is provide.transaction.metadata: BEGIN/END records on
	// <topic.prefix>.<TxTopic> and a transaction block in each streamed event.
	TxMetadata bool
	TxTopic    string // topic.transaction
	// Heartbeat is heartbeat.interval.ms and the keys that go with it
	// (heartbeat.go).
	Heartbeat change.HeartbeatConfig
	// Signals is signal.* (signals.go).
	Signals capture.SignalConfig
}

// ParseConfig parses the connector configuration m, applying Debezium's
// defaults, and returns every problem at once. Keys it does not know are left
// for the caller (see ConfigKeys). name is the connector's name.
func ParseConfig(name string, m map[string]string) (Config, error) {
	c := Config{Name: name}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	get := func(key, def string) string {
		if v, ok := m[key]; ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	required := func(key string) string {
		v := get(key, "")
		if v == "" {
			bad(key, "is required; set it to %s", requiredHint[key])
		}
		return v
	}
	oneOf := func(key, def string, allowed ...string) string {
		v := strings.ToLower(get(key, def))
		if !slices.Contains(allowed, v) {
			bad(key, "unknown value %q; use one of %s", v, strings.Join(allowed, ", "))
			return def
		}
		return v
	}
	intIn := func(key string, def, lo, hi int) int {
		s := get(key, "")
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			bad(key, "%q is not a whole number between %d and %d", s, lo, hi)
			return def
		}
		return n
	}

	c.Host = required("database.hostname")
	c.Port = intIn("database.port", 5432, 1, 65535)
	c.User = required("database.user")
	c.Password = m["database.password"] // may legitimately be empty (trust, .pgpass)
	c.DBName = required("database.dbname")
	c.SSLMode = oneOf("database.sslmode", "prefer", "disable", "allow", "prefer", "require", "verify-ca", "verify-full")
	c.SSLRootCert = get("database.sslrootcert", "")
	c.SSLCert = get("database.sslcert", "")
	c.SSLKey = get("database.sslkey", "")
	c.SSLPassword = m["database.sslpassword"] // may hold spaces
	if (c.SSLCert == "") != (c.SSLKey == "") {
		bad("database.sslcert", "database.sslcert and database.sslkey go together: set both (a client certificate and its private key) or neither")
	}
	if f, err := parseSSLFactory(get("database.sslfactory", ""), c.SSLMode, c.SSLRootCert); err != nil {
		bad("database.sslfactory", "%v", err)
	} else {
		c.SSLFactory = f
	}

	c.TopicPrefix = required("topic.prefix")
	if c.TopicPrefix != "" && !topicPrefixRE.MatchString(c.TopicPrefix) {
		bad("topic.prefix", "%q may hold only letters, digits, '.', '_' and '-'", c.TopicPrefix)
	}

	var lit []string
	c.SchemaInclude, _ = parseRegexList("schema.include.list", get("schema.include.list", ""), &errs)
	c.SchemaExclude, _ = parseRegexList("schema.exclude.list", get("schema.exclude.list", ""), &errs)
	c.TableInclude, lit = parseRegexList("table.include.list", get("table.include.list", ""), &errs)
	c.TableExclude, _ = parseRegexList("table.exclude.list", get("table.exclude.list", ""), &errs)
	for _, l := range lit {
		if literalTableRE.MatchString(l) {
			c.TableIncludeLiterals = append(c.TableIncludeLiterals, l)
		}
	}
	if len(c.SchemaInclude) > 0 && len(c.SchemaExclude) > 0 {
		bad("schema.exclude.list", "cannot be set together with schema.include.list; keep one of them")
	}
	if len(c.TableInclude) > 0 && len(c.TableExclude) > 0 {
		bad("table.exclude.list", "cannot be set together with table.include.list; keep one of them")
	}

	c.SlotName = get("slot.name", "debezium")
	if !identRE.MatchString(c.SlotName) {
		bad("slot.name", "%q is not a valid replication slot name; use lower-case letters, digits and '_' (at most 63)", c.SlotName)
	}
	c.PublicationName = get("publication.name", "dbz_publication")
	if len(c.PublicationName) > 63 || strings.ContainsRune(c.PublicationName, 0) {
		bad("publication.name", "%q is not a valid publication name; use at most 63 characters", c.PublicationName)
	}
	c.PublicationMode = oneOf("publication.autocreate.mode", PublicationAllTables, PublicationAllTables, PublicationFiltered, PublicationDisabled)
	if p := strings.ToLower(get("plugin.name", "pgoutput")); p != "pgoutput" {
		bad("plugin.name", "%q is not supported; sluice decodes only pgoutput, set plugin.name=pgoutput", p)
	}
	c.SnapshotMode = strings.ToLower(get("snapshot.mode", SnapshotInitial))
	parseCapture(&c, m, get, &errs)
	c.SnapshotFetchSize = intIn("snapshot.fetch.size", 10240, 1, 10_000_000)

	c.TombstonesOnDelete = true
	switch v := strings.ToLower(get("tombstones.on.delete", "true")); v {
	case "true":
	case "false":
		c.TombstonesOnDelete = false
	default:
		bad("tombstones.on.delete", "%q is not a boolean; use true or false", v)
	}

	switch v := strings.ToLower(get("provide.transaction.metadata", "false")); v {
	case "true", "false":
		c.TxMetadata = v == "true"
	default:
		bad("provide.transaction.metadata", "%q is not a boolean; use true or false", v)
	}
	c.TxTopic = get("topic.transaction", txmeta.DefaultTopic)
	if strings.TrimSpace(c.TxTopic) == "" {
		bad("topic.transaction", "must not be empty; leave it out for the default %q", txmeta.DefaultTopic)
	}

	c.Skipped = map[byte]bool{}
	skipped := strings.ToLower(get("skipped.operations", "t"))
	if skipped != "none" {
		for _, op := range strings.Split(skipped, ",") {
			op = strings.TrimSpace(op)
			switch op {
			case "c", "u", "d", "t":
				c.Skipped[op[0]] = true
			case "":
			default:
				bad("skipped.operations", "unknown operation %q; use a comma-separated list of c, u, d, t, or none", op)
			}
		}
	}

	c.Types = TypeOptions{
		DecimalMode:      strings.ToLower(get("decimal.handling.mode", DecimalPrecise)),
		TimeMode:         strings.ToLower(get("time.precision.mode", TimeAdaptive)),
		BinaryMode:       strings.ToLower(get("binary.handling.mode", BinaryBytes)),
		IntervalMode:     strings.ToLower(get("interval.handling.mode", IntervalNumeric)),
		HstoreMode:       strings.ToLower(get("hstore.handling.mode", HstoreJSON)),
		UnavailableValue: get("unavailable.value.placeholder", DefaultUnavailableValue),
	}
	switch v := strings.ToLower(get("include.unknown.datatypes", "false")); v {
	case "true":
		c.Types.IncludeUnknown = true
	case "false":
	default:
		bad("include.unknown.datatypes", "%q is not a boolean; use true or false", v)
	}
	if err := c.Types.Validate(); err != nil {
		errs = append(errs, err)
	}
	if rules, err := columns.Parse(m); err != nil {
		errs = append(errs, err)
	} else {
		c.Types.Columns = rules
	}
	c.StatusInterval = time.Duration(intIn("status.update.interval.ms", 10000, 1, 3_600_000)) * time.Millisecond
	parseMessageFilters(&c, get, &errs)
	var hbErrs []error
	c.Heartbeat, hbErrs = change.ParseHeartbeatConfig(m, c.TopicPrefix)
	errs = append(errs, hbErrs...)
	errs = append(errs, c.Signals.Parse(m, c.TopicPrefix, "schema")...)

	if err := errors.Join(errs...); err != nil {
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

var (
	topicPrefixRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	identRE       = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)
	// literalTableRE matches a table.include.list entry that names exactly one
	// table: "schema.table" with no regular-expression metacharacter other
	// than the separating dot.
	literalTableRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$`)
)

// parseRegexList parses an include or exclude list, adding its problems to
// errs.
func parseRegexList(key, v string, errs *[]error) ([]*regexp.Regexp, []string) {
	res, raw, err := filter.Parse(key, v)
	if err != nil {
		*errs = append(*errs, err)
	}
	return res, raw
}

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
