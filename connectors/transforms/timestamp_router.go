package transforms

import (
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// TimestampRouter is org.apache.kafka.connect.transforms.TimestampRouter:
// the topic becomes topic.format with ${topic} replaced by the topic, then
// ${timestamp} by the record's timestamp written with timestamp.format (a
// SimpleDateFormat pattern, in UTC). A record without a timestamp fails, as
// in Kafka Connect (Debezium's records carry none: the producer stamps
// them after the transforms).
type TimestampRouter struct {
	topicFormat string
	format      *javaDateFormat
}

// Apply reroutes r.
func (t *TimestampRouter) Apply(r *change.Record) (*change.Record, error) {
	if r.Timestamp.IsZero() {
		return nil, dataErrorf("Timestamp missing on record: ConnectRecord{topic='%s', kafkaPartition=%s, timestamp=null}", r.Topic, javaPartition(r.Partition))
	}
	topic := strings.ReplaceAll(t.topicFormat, "${topic}", r.Topic)
	topic = strings.ReplaceAll(topic, "${timestamp}", t.format.format(r.Timestamp.UnixMilli()))
	out := *r
	out.Topic = topic
	return &out, nil
}

// javaPartition is a record's partition as Java prints the Integer.
func javaPartition(p int32) string {
	if p == change.NoPartition {
		return "null"
	}
	return javaInt(int64(p))
}

func newTimestampRouter(c *Config) (Transform, error) {
	t := &TimestampRouter{topicFormat: kafkaString(c, "topic.format", "${topic}-${timestamp}")}
	// Kafka builds the SimpleDateFormat at the first record; a bad pattern
	// is reported here instead, before any record.
	f, err := compileJavaDateFormat(kafkaString(c, "timestamp.format", "yyyyMMdd"))
	if err != nil {
		c.Fail("timestamp.format", "%v", err)
	}
	t.format = f
	return t, nil
}

func init() {
	Register(Plugin{Class: "org.apache.kafka.connect.transforms.TimestampRouter", Kind: KindTransformation,
		Version: KafkaVersion, New: newTimestampRouter, Keys: []configdef.Key{
			kafkaSMTKey("topic.format", configdef.String, configdef.Def("${topic}-${timestamp}"), configdef.High,
				"Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively."),
			kafkaSMTKey("timestamp.format", configdef.String, configdef.Def("yyyyMMdd"), configdef.High,
				"Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."),
		}})
}
