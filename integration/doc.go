// Package integration holds sluice's end-to-end tests against the real
// servers that integration/env starts (PostgreSQL 15, Kafka 4). They carry
// the `integration` build tag; `make test` runs them.
package integration
