// Package connecttypes holds what the Postgres and MySQL sources share to
// write column values in Kafka Connect's and Debezium's encodings: the
// proleptic Gregorian calendar arithmetic behind Connect Date, Time and
// Timestamp and Debezium's io.debezium.time types, and the ISO-8601 text of
// Debezium's ZonedTimestamp.
//
// It is a leaf: it imports only the standard library, so both sources (and
// later the capture core) can use it without importing each other. What each
// database's text formats accept (PostgreSQL's BC and infinity, MySQL's
// zero dates) stays in the source that reads them.
package connecttypes
