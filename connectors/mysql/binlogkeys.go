package mysql

import (
	"encoding/binary"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/filter"
)

// The binlog keys of Debezium's MySQL and MariaDB connectors that issue 11
// added: include.query, gtid.source.includes/excludes (with
// gtid.source.filter.dml.events), database.ssl.* (tls.go) and the values
// of snapshot.locking.mode.

// binlogConfigKeys are the keys of the schema history (history.go) and of
// this file, added to ConfigKeys (kept apart so that the list's other
// blocks change independently).
var binlogConfigKeys = []string{
	"schema.history.internal.kafka.bootstrap.servers",
	"schema.history.internal.kafka.topic",
	"schema.history.internal.skip.unparseable.ddl",
	"include.query",
	"gtid.source.includes",
	"gtid.source.excludes",
	"gtid.source.filter.dml.events",
	"database.ssl.mode",
	"database.ssl.truststore",
	"database.ssl.truststore.password",
	"database.ssl.keystore",
	"database.ssl.keystore.password",
}

func init() { ConfigKeys = append(ConfigKeys, binlogConfigKeys...) }

// binlogKeys reads those keys into c, recording problems in p.
func binlogKeys(c *Config, p *cd.Parser) {
	c.IncludeQuery = p.Bool("include.query", false)

	// Matched against the whole source, case-insensitive, as Debezium's
	// Predicates.includes matches them.
	c.GTIDSourceIncludes, _ = p.Regexes("gtid.source.includes")
	c.GTIDSourceExcludes, _ = p.Regexes("gtid.source.excludes")
	if len(c.GTIDSourceIncludes) > 0 && len(c.GTIDSourceExcludes) > 0 {
		p.Bad("gtid.source.excludes", "cannot be set together with gtid.source.includes; keep one of them")
	}
	c.GTIDFilterDML = p.Bool("gtid.source.filter.dml.events", true)

	tlsConfig(c, func(k string) string { return p.Get(k, "") }, p.Bad)
}

// gtidSource is the part of a GTID that gtid.source.includes/excludes
// match, as Debezium takes it: the server UUID of a MySQL GTID
// (uuid:number), "domain-server" of a MariaDB one (domain-server-sequence).
func gtidSource(gtid string, mariaDB bool) string {
	if mariaDB {
		if i := strings.LastIndexByte(gtid, '-'); i > 0 {
			return gtid[:i]
		}
		return gtid
	}
	if i := strings.IndexByte(gtid, ':'); i > 0 {
		return gtid[:i]
	}
	return gtid
}

// ignoresGTID reports whether the row events of the transaction with this
// GTID are left out: gtid.source.filter.dml.events is on and the GTID's
// source is not included (or is excluded). Statements (DDL) of such a
// transaction are still applied, as in Debezium.
func (c *Config) ignoresGTID(gtid string) bool {
	if !c.GTIDFilterDML || gtid == "" || len(c.GTIDSourceIncludes) == 0 && len(c.GTIDSourceExcludes) == 0 {
		return false
	}
	src := gtidSource(gtid, c.MariaDB)
	if len(c.GTIDSourceIncludes) > 0 {
		return !filter.Any(c.GTIDSourceIncludes, src)
	}
	return filter.Any(c.GTIDSourceExcludes, src)
}

// Snapshot locking modes beyond minimal and none (snapshot.locking.mode).
const (
	// LockingExtended holds FLUSH TABLES WITH READ LOCK for the whole
	// snapshot: no write reaches the server while it is read.
	LockingExtended = "extended"
	// LockingMinimalPercona is MySQL's minimal with Percona Server's
	// backup locks (LOCK TABLES FOR BACKUP).
	LockingMinimalPercona = "minimal_percona"
	// LockingMinimalPerconaNoTableLocks is minimal_percona without table
	// locks.
	LockingMinimalPerconaNoTableLocks = "minimal_percona_no_table_locks"
	// LockingCustom names a custom locking class (snapshot.locking.mode.custom.name).
	LockingCustom = "custom"
)

// lockingModes returns the snapshot.locking.mode values of the connector
// class (Debezium's MySqlConnectorConfig and MariaDbConnectorConfig).
func lockingModes(mariaDB bool) []string {
	if mariaDB {
		return []string{LockingMinimal, LockingExtended, LockingNone, LockingCustom}
	}
	return []string{LockingMinimal, LockingMinimalPercona, LockingMinimalPerconaNoTableLocks, LockingExtended, LockingNone, LockingCustom}
}

// parseLocking reads snapshot.locking.mode: a value of the connector's
// set, refused with the reason when sluice cannot honour it.
func parseLocking(c *Config, v string, bad func(key, format string, args ...any)) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return LockingMinimal
	}
	modes := lockingModes(c.MariaDB)
	known := false
	for _, m := range modes {
		known = known || m == v
	}
	switch {
	case !known:
		bad("snapshot.locking.mode", "unknown value %q for the %s connector; use one of %s", v, c.Flavor(), strings.Join(modes, ", "))
	case v == LockingMinimalPercona || v == LockingMinimalPerconaNoTableLocks:
		bad("snapshot.locking.mode", "%s needs Percona Server's backup locks, which sluice does not take; use minimal (the same global read lock while the position is read) or none", v)
	case v == LockingCustom:
		bad("snapshot.locking.mode", "custom names a Java class (snapshot.locking.mode.custom.name), which sluice cannot load; use minimal, extended or none")
	default:
		return v
	}
	return LockingMinimal
}

// snapshotLocks reports whether the snapshot takes FLUSH TABLES WITH READ
// LOCK: around reading its position (minimal), or until it ends (extended).
func (c *Config) snapshotLocks() bool {
	return c.SnapshotLocking == LockingMinimal || c.SnapshotLocking == LockingExtended
}

// mariadbGTIDOf returns the GTID of a MariaDB GTID event, read from the
// event's bytes. go-mysql's binlog syncer keeps a pointer to the GTID of
// the first event of each new (domain, server) in its own GTID set and
// moves it forward in place when the next GTID of that pair arrives, while
// the event may still be queued for the decoder: e.GTID can then already
// hold a later transaction's sequence number (a data race, seen with
// gtid.source.* tests that write under a second server id). The raw bytes
// are never changed: sequence number (8 bytes), domain id (4), then flags;
// the server id is the event header's.
func mariadbGTIDOf(ev *replication.BinlogEvent, e *replication.MariadbGTIDEvent) gomysql.MariadbGTID {
	if b := ev.RawData; len(b) >= replication.EventHeaderSize+12 {
		body := b[replication.EventHeaderSize:]
		return gomysql.MariadbGTID{
			SequenceNumber: binary.LittleEndian.Uint64(body),
			DomainID:       binary.LittleEndian.Uint32(body[8:]),
			ServerID:       ev.Header.ServerID,
		}
	}
	return e.GTID // a scripted event without bytes (tests)
}
