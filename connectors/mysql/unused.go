package mysql

// UnusedDebeziumKeys are the Debezium keys of the MySQL and MariaDB
// connectors, besides the schema history keys of UnusedKeys, that the
// source accepts without using them, each with the one-line reason logged
// when the connector starts (see runtime.Plugin.Unused; a key may name a
// family: "column.mask.with.<N>.chars", "openlineage.").
//
// A key listed here is not honoured. When sluice comes to honour one, add
// it to ConfigKeys and delete it here: a test fails while a key is in both.
var UnusedDebeziumKeys = map[string]string{
	"binlog.buffer.size":                          "sluice bounds the binlog events read ahead with max.queue.size and max.queue.size.in.bytes",
	"binlog.net.read.timeout":                     "a dead binlog connection is noticed by its heartbeat (connect.keep.alive.interval.ms)",
	"binlog.net.write.timeout":                    "a dead binlog connection is noticed by its heartbeat (connect.keep.alive.interval.ms)",
	"connect.keep.alive":                          "a dropped binlog connection is always reconnected by the connector's retry policy, as Debezium's default (true)",
	"converters":                                  "Debezium custom converters are Java classes, which sluice cannot load; column types map as docs/types.md says",
	"custom.metric.tags":                          "sluice's Prometheus metrics are labelled by connector name; custom tags are not added",
	"custom.sanitize.pattern":                     "sluice never logs a connector config; stored passwords (*.password) and resolved config provider values are scrubbed from logs and status traces",
	"database.initial.statements":                 "sluice runs no user SQL when it connects",
	"database.jdbc.driver":                        "a JDBC driver class; sluice connects with its own Go driver",
	"database.protocol":                           "a JDBC protocol; sluice connects with its own Go driver",
	"database.query.timeout.ms":                   "sluice's queries end with the connector (stop, delete); there is no per-query timeout",
	"database.server.id.offset":                   "sluice opens one binlog connection per connector, with database.server.id",
	"ddl.parser.type":                             "sluice parses DDL with its own parser",
	"driver.":                                     "JDBC driver settings; sluice uses its own Go driver",
	"enable.time.adjuster":                        "two-digit years are taken as the server stores them",
	"event.converting.failure.handling.mode":      "a value sluice cannot convert fails the connector (Debezium's default is warn)",
	"event.deserialization.failure.handling.mode": "a binlog event sluice cannot read fails the connector, as Debezium's default (fail)",
	"executor.shutdown.timeout.ms":                "a Java executor setting; a sluice connector stops as soon as its batch in hand is committed",
	"gtid.ignore.on.recovery":                     "not applied yet: every GTID of the server's set is kept",
	"guardrail.collections.limit.action":          "sluice sets no limit on the number of captured tables",
	"guardrail.collections.max":                   "sluice sets no limit on the number of captured tables",
	"heartbeat.topics.prefix":                     "Debezium 3.x ignores it too: topic.heartbeat.prefix (or topic.heartbeat.name) names the heartbeat topic",
	"include.schema.comments":                     "column comments are not added to the schemas (Debezium's default, false)",
	"inconsistent.schema.handling.mode":           "sluice reads a table's definition from the server when it first meets the table, so no event is of an unknown table",
	"internal.advanced.metrics.enable":            "a Debezium internal setting",
	"internal.log.position.check.enable":          "a Debezium internal setting",
	"internal.snapshot.scan.all.columns.force":    "a Debezium internal setting",
	"min.row.count.to.stream.results":             "snapshot chunks are always streamed row by row",
	"notification.enabled.channels":               "sluice sends no Debezium notifications; snapshot progress is in its logs and metrics",
	"notification.sink.topic.name":                "sluice sends no Debezium notifications; snapshot progress is in its logs and metrics",
	"openlineage.":                                "sluice emits no OpenLineage events",
	"post.processors":                             "Debezium post processors are Java classes, which sluice cannot load",
	"query.fetch.size":                            "sluice streams query results row by row; snapshot chunks are bounded by snapshot.fetch.size",
	"schema.history.internal.memory.optimization": "a setting of Debezium's in-memory history; sluice rebuilds the table definitions it needs from the history topic at start",
	"signal.poll.interval.ms":                     "sluice takes each signal as it arrives, between two transactions of the stream; there is no poll interval",
	"skip.messages.without.change":                "every change is emitted, as Debezium's default (false)",
	"snapshot.lock.timeout.ms":                    "not applied: the server's lock_wait_timeout bounds the snapshot's lock",
	"snapshot.locking.mode.custom.name":           "a custom Java snapshot lock, which sluice cannot load",
	"snapshot.query.mode":                         "sluice snapshots every column of each table in primary-key chunks, as Debezium's default (select_all) reads them",
	"snapshot.query.mode.custom.name":             "a custom Java snapshot query, which sluice cannot load",
	"snapshot.tables.order.by.row.count":          "tables are snapshotted in table.include.list order, as Debezium's default (disabled)",
	"source.struct.version":                       "removed in Debezium 2.0: the source block is always Debezium's v2",
	"sourceinfo.struct.maker":                     "a Java class, which sluice cannot load; the source block is Debezium's default",
	"statistics.metrics.enabled":                  "sluice's metrics are always served at /metrics",
	"streaming.delay.ms":                          "streaming starts as soon as the snapshot ends, as Debezium's default (0)",
	"table.ignore.builtin":                        "the server's own schemas or databases are never captured, as Debezium's default (true)",
	"topic.cache.size":                            "sluice keeps every topic name it uses; there is no cache to size",
	"topic.delimiter":                             "topic names join their parts with '.', Debezium's default",
	"topic.naming.strategy":                       "topics are named as Debezium's default strategy names them; a Java class cannot be loaded",
	"transaction.metadata.factory":                "a Java class, which sluice cannot load; no transaction metadata is written yet",
	"use.nongraceful.disconnect":                  "a binlog connection is closed gracefully",
}
