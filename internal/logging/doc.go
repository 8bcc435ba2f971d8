// Package logging gives the daemon named loggers whose levels change while it
// runs, as Kafka Connect's /admin/loggers changes log4j's.
//
// A Levels holds a tree of loggers named by dots: "root", one logger per
// sluice package ("sluice.connectors.postgres", the package's path in the
// module with dots, under "sluice") and one per connector ("connector.<name>").
// Its Logger(name) returns a *slog.Logger whose handler routes each record to
// one output handler by level: a record passes when the logger of its package
// allows its level, or when the logger of its connector does (the connector
// is the "connector" attribute, bound with Logger.With or given on the
// record). Setting a level on a name sets it on every logger under that name
// (on all of them for "root"), as Kafka Connect does; a logger created later
// takes the level of its nearest ancestor that has one, else the root's.
//
// Alias lets a foreign name (Debezium's "io.debezium.connector.postgresql")
// stand for sluice loggers, so a level set on it, or on a namespace above it,
// reaches them.
//
// Checking whether a level is enabled costs two or three atomic loads, so
// Debug calls on hot paths stay cheap while debug is off. While some
// connector's logger is more verbose than a package's, that package's
// records without a bound connector are built and then checked for a
// "connector" attribute, which costs more; binding the connector with With
// avoids it.
package logging
