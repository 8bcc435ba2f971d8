// Package connerr holds the errors of managing connectors: what the runtime
// returns when a connector is not found, already exists, has an invalid
// config, or cannot be served now, and what a request asked wrongly. The
// REST API (connectors/rest) decides the HTTP status of each; the runtime
// decides none.
//
// It is a leaf: it imports only the standard library, so that the runtime
// and the REST API both use it without importing each other for it.
package connerr
