package configdef

// Definitions of the keys every source defines word for word alike. Where
// Kafka Connect places one differently for each Debezium connector, the
// caller gives the place.

// TombstonesOnDelete describes tombstones.on.delete as Kafka Connect 4.3.0
// lists it for Debezium's connectors.
func TombstonesOnDelete() Key {
	return Key{Name: "tombstones.on.delete", Type: Boolean, Default: Def("true"), Importance: Medium, Group: "Events", Order: 3, Width: WidthShort, Display: "Change the behaviour of Debezium with regards to delete operations",
		Doc: "Whether a delete event is followed by a tombstone (a record with a null value) for log compaction."}
}

// SkippedOperations describes skipped.operations (Parser.Skipped), at order
// in group.
func SkippedOperations(group string, order int) Key {
	return Key{Name: "skipped.operations", Type: List, Default: Def("t"), Importance: Low, Group: group, Order: order, Width: WidthShort, Display: "Skipped Operations",
		Doc: "Operations not to emit while streaming: c (insert), u (update), d (delete), t (truncate), or none."}
}

// HeartbeatTopics describe topic.heartbeat.prefix (whose default is
// change.DefaultHeartbeatPrefix) and topic.heartbeat.name: topic naming
// strategy keys Kafka Connect does not list for Debezium, placed in the
// Events group beside heartbeat.interval.ms (whose wording each source
// keeps).
func HeartbeatTopics() []Key {
	return []Key{
		{Name: "topic.heartbeat.prefix", Type: String, Default: Def("__debezium-heartbeat"), Importance: Low, Group: "Events", Order: 6, Width: WidthMedium, Display: "Prefix name of heartbeat topic",
			Doc: "The heartbeat topic is <topic.heartbeat.prefix>.<topic.prefix>."},
		{Name: "topic.heartbeat.name", Type: String, Importance: Low, Group: "Events", Order: 7, Width: WidthMedium, Display: "Full name of heartbeat topic",
			Doc: "The whole name of the heartbeat topic, instead of <topic.heartbeat.prefix>.<topic.prefix>."},
	}
}
