//go:build integration

package compat

import (
	"strings"
	"testing"
)

// The connector configs and the pair start-up the transforms tests share:
// each test lays its own tables, transforms and predicates over these.

// withOptions is base with every map of extra laid over it in order; base
// itself is left as it was.
func withOptions(base map[string]string, extra ...map[string]string) map[string]string {
	cfg := make(map[string]string, len(base))
	for k, v := range base {
		cfg[k] = v
	}
	for _, e := range extra {
		for k, v := range e {
			cfg[k] = v
		}
	}
	return cfg
}

// jsonConverters is JSON with schemas on keys and values.
var jsonConverters = map[string]string{
	"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
	"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
	"key.converter.schemas.enable":   "true",
	"value.converter.schemas.enable": "true",
}

// tfPostgres is a Debezium Postgres connector on database db through
// pgoutput, with a filtered publication of the tables in include and JSON
// with schemas, extra laid over it.
func tfPostgres(t *testing.T, db, include string, extra ...map[string]string) map[string]string {
	return withOptions(withOptions(map[string]string{
		"connector.class":             "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname":           "127.0.0.1",
		"database.port":               pgPort(t),
		"database.user":               "postgres",
		"database.password":           "postgres",
		"database.dbname":             db,
		"plugin.name":                 "pgoutput",
		"publication.autocreate.mode": "filtered",
		"table.include.list":          include,
	}, jsonConverters), extra...)
}

// tfMariaDB is a Debezium MariaDB connector on database db's tables in
// include, its schema history on the test broker, JSON with schemas, extra
// laid over it. Each side still names its own history topic and server id.
func tfMariaDB(db, include string, extra ...map[string]string) map[string]string {
	return withOptions(withOptions(map[string]string{
		"connector.class":       "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":     myAddr[:strings.LastIndex(myAddr, ":")],
		"database.port":         myAddr[strings.LastIndex(myAddr, ":")+1:],
		"database.user":         "sluice",
		"database.password":     "sluice",
		"database.include.list": db,
		"table.include.list":    include,
		"schema.history.internal.kafka.bootstrap.servers": strings.Join(brokers, ","),
	}, jsonConverters), extra...)
}

// pgOwn is what one side's Postgres connector owns: topic prefix, and a
// replication slot and publication of the same name; extra laid over it.
func pgOwn(prefix string, extra ...map[string]string) map[string]string {
	return withOptions(map[string]string{"topic.prefix": prefix, "slot.name": prefix, "publication.name": prefix}, extra...)
}

// startPGPair reads the topics under prefixes dp (Debezium) and sp
// (sluice), then creates Postgres connector name with cfg on both sides,
// each owning its prefix, slot and publication. The pair compares JSON
// with schemas.
func startPGPair(t *testing.T, dbz, slc restClient, name, dp, sp string, cfg map[string]string) pair {
	t.Helper()
	p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: true}
	createBoth(t, dbz, slc, name, cfg, pgOwn(dp), pgOwn(sp), nil)
	return p
}

// myOwn is what one side's MariaDB connector owns: topic prefix and a
// server id of its own; extra laid over it.
func myOwn(prefix string, extra ...map[string]string) map[string]string {
	return withOptions(map[string]string{"topic.prefix": prefix, "database.server.id": serverID()}, extra...)
}
