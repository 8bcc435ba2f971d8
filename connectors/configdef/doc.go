// Package configdef describes connector configuration keys the way Kafka
// Connect's ConfigDef does (type, default, importance, documentation, group,
// order in the group, width, display name), so GET
// /connector-plugins/{class}/config can list a plugin's keys as Kafka Connect
// lists Debezium's. Each source package keeps the definitions of its own keys
// beside the code that parses them; the runtime adds the keys every connector
// has.
//
// Parser reads a flat configuration map the way every source reads it
// (trimmed values, defaults for blank ones, every problem collected with its
// key), with the readers of the keys whose meaning is the same everywhere
// (topic.prefix, skipped.operations). What a key means to a source, and the
// checks across keys, stay with the source.
package configdef
