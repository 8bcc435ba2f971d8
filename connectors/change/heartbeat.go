package change

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Debezium's heartbeat records (heartbeat.interval.ms): key
// io.debezium.connector.common.ServerNameKey {serverName}, value
// io.debezium.connector.common.Heartbeat {ts_ms}, both version 1, as its
// SchemaFactory builds them.
var (
	heartbeatKeySchema = &Field{
		Type: Struct, Logical: "io.debezium.connector.common.ServerNameKey", Version: 1,
		Fields: []Field{{Name: "serverName", Type: String}},
	}
	heartbeatValueSchema = &Field{
		Type: Struct, Logical: "io.debezium.connector.common.Heartbeat", Version: 1,
		Fields: []Field{{Name: "ts_ms", Type: Int64}},
	}
)

// DefaultHeartbeatPrefix is Debezium's default topic.heartbeat.prefix.
const DefaultHeartbeatPrefix = "__debezium-heartbeat"

// HeartbeatTopic returns the heartbeat topic of a connector: name when set
// (topic.heartbeat.name), else <prefix>.<topicPrefix> (topic.heartbeat.prefix
// and topic.prefix), as Debezium's topic naming strategy names it.
func HeartbeatTopic(name, prefix, topicPrefix string) string {
	if name != "" {
		return name
	}
	return prefix + "." + topicPrefix
}

// NewHeartbeat returns a heartbeat event for topic (see HeartbeatTopic):
// key {serverName: topic.prefix}, value {ts_ms: now}, at pos. Like
// Debezium's, the record carries no context headers and its ts_ms is the
// time it is made, not a database time.
func NewHeartbeat(topic, serverName string, now time.Time, pos Position) *Event {
	return &Event{
		Commit: now,
		Pos:    pos,
		Message: &Message{
			Topic:            topic,
			FullTopic:        true,
			KeySchema:        heartbeatKeySchema,
			ValueSchema:      heartbeatValueSchema,
			Key:              StructValue{serverName},
			Value:            StructValue{now.UnixMilli()},
			NoContextHeaders: true,
		},
	}
}

// HeartbeatKeys are the connector configuration keys of heartbeats, the
// same for every source.
// (heartbeat.topics.prefix, Debezium's older key, is not one: Debezium 3.x
// accepts and ignores it, topic.heartbeat.prefix naming the topic, and so
// should the sources' Unused maps.)
var HeartbeatKeys = []string{"heartbeat.interval.ms", "heartbeat.action.query", "topic.heartbeat.prefix", "topic.heartbeat.name"}

// HeartbeatConfig is what a connector's configuration says about heartbeats.
type HeartbeatConfig struct {
	// Interval is heartbeat.interval.ms; 0 (the default) turns heartbeats off.
	Interval time.Duration
	// ActionQuery is heartbeat.action.query: a statement the source runs on
	// the database at each heartbeat ("" for none).
	ActionQuery string
	// Topic is the heartbeat topic (HeartbeatTopic of topic.heartbeat.name,
	// topic.heartbeat.prefix and topic.prefix).
	Topic string
}

// ParseHeartbeatConfig reads the heartbeat keys of a connector's
// configuration m with topic.prefix topicPrefix, returning every problem,
// each naming its key and the fix.
func ParseHeartbeatConfig(m map[string]string, topicPrefix string) (HeartbeatConfig, []error) {
	var c HeartbeatConfig
	var errs []error
	get := func(k string) string { return strings.TrimSpace(m[k]) }
	if s := get("heartbeat.interval.ms"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("heartbeat.interval.ms: %q is not a whole number of milliseconds from 0 (no heartbeats) to %d", s, math.MaxInt32))
		} else {
			c.Interval = time.Duration(n) * time.Millisecond
		}
	}
	c.ActionQuery = get("heartbeat.action.query")
	prefix := get("topic.heartbeat.prefix")
	if prefix == "" {
		prefix = DefaultHeartbeatPrefix
	}
	name := get("topic.heartbeat.name")
	for _, kv := range [][2]string{{"topic.heartbeat.prefix", prefix}, {"topic.heartbeat.name", name}} {
		if !validTopicChars(kv[1]) {
			errs = append(errs, fmt.Errorf("%s: %q has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)", kv[0], kv[1]))
		}
	}
	c.Topic = HeartbeatTopic(name, prefix, topicPrefix)
	return c, errs
}

// validTopicChars reports whether s holds only the characters Debezium
// allows in a topic name (letters, digits, '.', '_', '-').
func validTopicChars(s string) bool {
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
