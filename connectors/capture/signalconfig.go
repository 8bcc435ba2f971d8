package capture

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// SignalKeys are the connector configuration keys of signals, the same for
// every source, with Debezium's names. "signal.consumer." stands for every
// key it begins: Kafka consumer settings of the signal channel's client.
var SignalKeys = []string{
	"signal.enabled.channels",
	"signal.data.collection",
	"signal.kafka.topic",
	"signal.kafka.bootstrap.servers",
	"signal.kafka.groupId",
	"signal.kafka.poll.timeout.ms",
	"signal.consumer.",
}

// SignalDefs describe SignalKeys for GET /connector-plugins/{class}/config:
// the first two as Kafka Connect lists them for Debezium's connectors
// (Events 6 and 8), the Kafka channel's keys after the sources' own Events
// keys (from order on), with Debezium's KafkaSignalChannel's texts.
func SignalDefs(order int) []cd.Key {
	return []cd.Key{
		{Name: "signal.data.collection", Type: cd.List, Importance: cd.Medium, Group: "Events", Order: 6, Width: cd.WidthMedium, Display: "Signaling data collection",
			Doc: "The name of the data collection that is used to send signals/commands to Debezium. For multi-partition mode connectors, multiple signal data collections can be specified as a comma-separated list. Signaling is disabled when not set."},
		{Name: "signal.enabled.channels", Type: cd.List, Default: cd.Def("source"), Importance: cd.Medium, Group: "Events", Order: 8, Width: cd.WidthLong, Display: "Enabled channels names",
			Doc: "List of channels names that are enabled. Source channel is enabled by default"},
		{Name: "signal.kafka.topic", Type: cd.String, Importance: cd.High, Group: "Events", Order: order, Width: cd.WidthLong, Display: "Signal topic name",
			Doc: "The name of the topic for the signals to the connector (default <topic.prefix>-signal)"},
		{Name: "signal.kafka.bootstrap.servers", Type: cd.List, Importance: cd.High, Group: "Events", Order: order + 1, Width: cd.WidthLong, Display: "Kafka broker addresses",
			Doc: "A list of host/port pairs that the connector will use for establishing the initial connection to the Kafka cluster for retrieving signals to the connector. sluice uses its own Kafka (--kafka-brokers) when it is not set."},
		{Name: "signal.kafka.groupId", Type: cd.String, Default: cd.Def("kafka-signal"), Importance: cd.Low, Group: "Events", Order: order + 2, Width: cd.WidthMedium, Display: "Consumer group id for the signal topic",
			Doc: "Consumer group id for the signal topic. sluice keeps the signal topic's offset in its checkpoint and commits none for the group."},
		{Name: "signal.kafka.poll.timeout.ms", Type: cd.Int, Default: cd.Def("0"), Importance: cd.Low, Group: "Events", Order: order + 3, Width: cd.WidthShort, Display: "Poll timeout for kafka signals (ms)",
			Doc: "The number of milliseconds to wait while polling signals."},
	}
}

// The signal channels sluice has. The REST route needs none: it is always
// on and writes to the signal topic.
const (
	SignalChannelSource = "source"
	SignalChannelKafka  = "kafka"
)

// SignalConfig is what a connector's configuration says about signals.
type SignalConfig struct {
	// Source and Kafka say which channels signal.enabled.channels enables.
	Source, Kafka bool
	// Table is signal.data.collection as <schema>.<table> (Postgres) or
	// <database>.<table> (MySQL/MariaDB); zero when not set, which turns the
	// source channel off.
	Table TableName
	// Topic is the topic the signal consumer reads and the REST route
	// writes: signal.kafka.topic (default <topic.prefix>-signal) with the
	// Kafka channel on, else <topic.prefix>-signals, the REST route's own.
	Topic string
	// Key is the record key a signal on Topic must have: topic.prefix.
	Key string
	// Brokers is signal.kafka.bootstrap.servers; nil: sluice's own Kafka.
	Brokers []string
	// GroupID is signal.kafka.groupId (no group offsets are committed).
	GroupID string
	// PollTimeout is signal.kafka.poll.timeout.ms: the longest a fetch
	// waits for a signal (0: the client's default).
	PollTimeout time.Duration
	// ConsumerProps are the signal.consumer.* settings, prefix removed.
	ConsumerProps map[string]string
}

// TableName is a table named by namespace (schema or database) and name.
type TableName struct{ Namespace, Name string }

// String returns "namespace.name", or "" for the zero TableName.
func (t TableName) String() string {
	if t == (TableName{}) {
		return ""
	}
	return t.Namespace + "." + t.Name
}

// ParseSignalConfig reads the signal keys of a connector's configuration m
// whose topic.prefix is topicPrefix. namespace names the first part of
// signal.data.collection in errors ("schema", "database"). Every problem is
// returned, each naming its key and the fix.
func ParseSignalConfig(m map[string]string, topicPrefix, namespace string) (SignalConfig, []error) {
	c := SignalConfig{Key: topicPrefix, GroupID: "kafka-signal"}
	var errs []error
	get := func(k string) string { return strings.TrimSpace(m[k]) }
	bad := func(k, format string, a ...any) { errs = append(errs, fmt.Errorf(k+": "+format, a...)) }

	channels := get("signal.enabled.channels")
	if _, set := m["signal.enabled.channels"]; !set {
		channels = SignalChannelSource
	}
	for _, ch := range strings.Split(channels, ",") {
		switch ch = strings.TrimSpace(ch); ch {
		case "":
		case SignalChannelSource:
			c.Source = true
		case SignalChannelKafka:
			c.Kafka = true
		case "jmx", "file", "in-process":
			bad("signal.enabled.channels", "sluice has no %q channel; use source and kafka, or POST /connectors/{name}/signals", ch)
		default:
			bad("signal.enabled.channels", "%q is not a signal channel; use source, kafka or both (comma-separated)", ch)
		}
	}

	if s := get("signal.data.collection"); s != "" {
		ns, name, ok := strings.Cut(s, ".")
		if !ok || ns == "" || name == "" || strings.ContainsAny(name, ".,") {
			bad("signal.data.collection", "%q is not <%s>.<table>; name the one signal table, for example %s.debezium_signal", s, namespace, map[bool]string{true: "public", false: "inventory"}[namespace == "schema"])
		} else {
			c.Table = TableName{ns, name}
		}
	}

	if c.Kafka {
		c.Topic = get("signal.kafka.topic")
		if c.Topic == "" {
			c.Topic = topicPrefix + "-signal"
		}
	} else {
		c.Topic = topicPrefix + "-signals"
	}
	if !validTopic(c.Topic) {
		bad("signal.kafka.topic", "%q is not a valid topic name (letters, digits, '.', '_' and '-', at most 249)", c.Topic)
	}
	for _, b := range strings.Split(get("signal.kafka.bootstrap.servers"), ",") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		if _, port, ok := strings.Cut(b, ":"); !ok || port == "" {
			bad("signal.kafka.bootstrap.servers", "%q is not host:port; list the Kafka brokers as host:port,host:port", b)
			continue
		}
		c.Brokers = append(c.Brokers, b)
	}
	if g := get("signal.kafka.groupId"); g != "" {
		c.GroupID = g
	}
	if s := get("signal.kafka.poll.timeout.ms"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			bad("signal.kafka.poll.timeout.ms", "%q is not a whole number of milliseconds from 0", s)
		} else {
			c.PollTimeout = time.Duration(n) * time.Millisecond
		}
	}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, "signal.consumer."); ok && rest != "" {
			if c.ConsumerProps == nil {
				c.ConsumerProps = map[string]string{}
			}
			c.ConsumerProps[rest] = v
		}
	}
	return c, errs
}

// validTopic reports whether s is a Kafka topic name.
func validTopic(s string) bool {
	if s == "" || len(s) > 249 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// SignalOffset returns the next offset of the signal topic to read, from a
// checkpoint's State (its "sig" member; 0 when it has none).
func SignalOffset(state json.RawMessage) int64 {
	if len(state) == 0 {
		return 0
	}
	var v struct {
		Sig int64 `json:"sig"`
	}
	if json.Unmarshal(state, &v) != nil {
		return 0
	}
	return v.Sig
}

// Parse sets c from m (see ParseSignalConfig) and returns the problems.
func (c *SignalConfig) Parse(m map[string]string, topicPrefix, namespace string) []error {
	var errs []error
	*c, errs = ParseSignalConfig(m, topicPrefix, namespace)
	return errs
}

// SignalFrom is the signal topic's next offset to read that checkpoint cp
// holds (0 for none).
func SignalFrom(cp *change.Position) int64 {
	if cp == nil {
		return 0
	}
	return SignalOffset(cp.State)
}

// SourceTable is the signal table the source channel reads: Table when
// the source channel is on, else zero.
func (c SignalConfig) SourceTable() TableName {
	if !c.Source {
		return TableName{}
	}
	return c.Table
}
