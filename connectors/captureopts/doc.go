// Package captureopts parses the Debezium keys that both capture sources
// (Postgres, MySQL/MariaDB) honour the same way: when a start snapshots
// (snapshot.mode and its snapshot.mode.configuration.based.* keys), which
// tables and rows a snapshot reads (snapshot.include.collection.list,
// snapshot.select.statement.overrides), when it begins (snapshot.delay.ms),
// and what becomes of a change event that cannot be decoded
// (event.processing.failure.handling.mode). It owns the meaning of the keys,
// not the capture: each source applies them in its open plan and snapshot.
package captureopts
