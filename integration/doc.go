// Package integration holds sluice's end-to-end tests against the real
// servers that integration/env starts (PostgreSQL 15, MariaDB 10.11, Kafka 4,
// the schema registry). They carry the `integration` build tag; `make test`
// runs them. integration/compat runs sluice side by side with real Debezium on
// a Kafka Connect worker (`integration/env/up connect`, `make test-compat`).
package integration
