// Package configdef describes connector configuration keys the way Kafka
// Connect's ConfigDef does (type, default, importance, documentation, group,
// order in the group, width, display name), so GET
// /connector-plugins/{class}/config can list a plugin's keys as Kafka Connect
// lists Debezium's. Each source package keeps the definitions of its own keys
// beside the code that parses them; the runtime adds the keys every connector
// has. It owns no behaviour: parsing and validation stay with the sources.
package configdef
