// Package compat holds the side-by-side tests against the real thing: the
// same Debezium connector config registered on a real Kafka Connect worker
// with real Debezium (integration/env/up connect) and on a real `sluice
// serve`, the same tables and changes, and every record compared: keys,
// values, Connect schemas, headers, per-key order, snapshot then streaming.
// Only clock and position values are ignored (compare_test.go says which and
// why). `make test-compat` runs them; `-args -diffs-dir DIR` writes every
// difference and both sides' records to files.
package compat
