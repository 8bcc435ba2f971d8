package captureopts

import cd "github.com/sluicecdc/sluice/connectors/configdef"

// Defs describe Keys for GET /connector-plugins/{class}/config: type,
// importance, group, order, width and display name as Kafka Connect 4.3.0
// answers them for Debezium 3.6.1's PostgresConnector (Postgres) and
// 3.5.0's MariaDbConnector (Binlog); documentation as sluice applies them.
func Defs(f Flavor) []cd.Key {
	// The binlog connectors number their Connector group one further on.
	o := 0
	ov := 22
	if f == Binlog {
		o, ov = 1, 19
	}
	cb := func(name, display, doc string, order int) cd.Key {
		return cd.Key{Name: name, Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Medium, Group: "Connector", Order: order + o, Width: cd.WidthMedium,
			Display: display, Doc: "With snapshot.mode=configuration_based: " + doc}
	}
	return []cd.Key{
		{Name: keyFailure, Type: cd.String, Default: cd.Def("fail"), Importance: cd.Medium, Group: "Connector", Order: 1, Width: cd.WidthShort, Display: "Event deserialization failure handling",
			Doc: "What to do with a change event that cannot be decoded: fail (the connector fails, naming the event's position), warn (the event is skipped and logged with its position) or skip (skipped, logged at debug; ignore is a synonym)."},
		{Name: keyDelay, Type: cd.Long, Default: cd.Def("0"), Importance: cd.Low, Group: "Connector", Order: 7 + o, Width: cd.WidthMedium, Display: "Snapshot Delay (milliseconds)",
			Doc: "How long to wait, in milliseconds, before a snapshot begins reading the tables."},
		{Name: keyInclude, Type: cd.List, Importance: cd.Medium, Group: "Connector", Order: 9 + o, Width: cd.WidthLong, Display: "Snapshot mode include data collection",
			Doc: "Regular expressions matching the captured tables a snapshot reads; the others are streamed only. All captured tables by default."},
		{Name: keyCustomName, Type: cd.String, Importance: cd.Medium, Group: "Connector", Order: 14 + o, Width: cd.WidthMedium, Display: "Snapshot Mode Custom Name",
			Doc: "Debezium's custom Snapshotter class name for snapshot.mode=custom, which sluice refuses (it cannot load Java classes): use configuration_based."},
		cb(keyCBData, "Snapshot mode property based snapshot data", "whether every start reads the tables.", 15),
		cb(keyCBSchema, "Snapshot mode property based snapshot schema", "whether a start writes the snapshot's schema-change records (MySQL/MariaDB).", 16),
		cb(keyCBStream, "Snapshot mode property based start stream", "whether changes are streamed after the snapshot.", 17),
		cb(keyCBSchemaError, "Snapshot mode property based snapshot on schema error", "accepted, no effect: where the schema history is missing, sluice reads the table definitions from the server at start.", 18),
		cb(keyCBDataError, "Snapshot mode property based snapshot on data error", "whether a start reads the tables again when the checkpoint's position is gone from the server.", 19),
		{Name: keyOverrides, Type: cd.String, Importance: cd.Medium, Group: "Events", Order: ov, Width: cd.WidthLong, Display: "List of tables where the default select statement used during snapshotting should be overridden.",
			Doc: "Comma-separated tables (" + qualified(f) + ") whose snapshot reads the SELECT in snapshot.select.statement.overrides.<table> instead of the whole table."},
	}
}

// ThreadsDefs describe snapshot.max.threads and the keys that shape its
// split, for a source that honours them (capture.Parallel).
func ThreadsDefs(f Flavor) []cd.Key {
	o := 0
	if f == Binlog {
		o = 1
	}
	return []cd.Key{
		{Name: keyThreads, Type: cd.Int, Default: cd.Def("1"), Importance: cd.Medium, Group: "Connector", Order: 11 + o, Width: cd.WidthShort, Display: "Snapshot maximum threads",
			Doc: "The connections a snapshot reads on, all sharing one database snapshot: tables are read side by side, and a large table is split into key ranges read at the same time. 1 reads one table after the other."},
		{Name: keyMultiplier, Type: cd.Int, Default: cd.Def("1"), Importance: cd.Medium, Group: "Connector", Order: 12 + o, Width: cd.WidthShort, Display: "Snapshot maximum thread multiplier",
			Doc: "With snapshot.max.threads > 1, a large table is split into snapshot.max.threads × this many key ranges."},
		{Name: keyLegacyThreads, Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: "Connector", Order: 13 + o, Width: cd.WidthShort, Display: "Enforces using a single thread per table regardless of table size",
			Doc: "With snapshot.max.threads > 1: true reads whole tables side by side and splits none."},
		{Name: keyLegacyAlias, Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: "Connector", Order: 13 + o, Width: cd.WidthShort, Display: "Enforces using a single thread per table regardless of table size",
			Doc: "The older name of legacy.snapshot.max.threads."},
	}
}
