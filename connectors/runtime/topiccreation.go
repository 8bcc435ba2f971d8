package runtime

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TopicCreation holds Kafka Connect's topic.creation.* settings of a
// connector: with what partitions, replication factor and topic configs
// each topic sluice creates is made.
//
// As in Kafka Connect (TopicCreationGroup): topic.creation.groups names
// groups in order; a topic belongs to the first group one of whose
// topic.creation.<group>.include regexps matches the whole topic name and
// none of whose .exclude ones does, else to the default group. A group's
// partitions and replication factor default to the default group's
// (topic.creation.default.partitions / .replication.factor, -1 meaning the
// broker's default); every other topic.creation.<group>.<config> is a topic
// config of that group's topics (cleanup.policy, retention.ms, …), not
// inherited from the default group.
type TopicCreation struct {
	groups []topicGroup // in order, the default group last
}

type topicGroup struct {
	name              string
	include, exclude  []*regexp.Regexp
	partitions        int32
	replicationFactor int16
	configs           map[string]string
}

// TopicSpec is how one topic is created.
type TopicSpec struct {
	// Partitions and ReplicationFactor are -1 for the broker's defaults.
	Partitions        int32
	ReplicationFactor int16
	// Configs are the topic's configs; nil for none.
	Configs map[string]*string
}

// Spec returns how topic is created.
func (tc TopicCreation) Spec(topic string) TopicSpec {
	for _, g := range tc.groups {
		if g.matches(topic) {
			s := TopicSpec{Partitions: g.partitions, ReplicationFactor: g.replicationFactor}
			for k, v := range g.configs {
				if s.Configs == nil {
					s.Configs = map[string]*string{}
				}
				s.Configs[k] = &v
			}
			return s
		}
	}
	return TopicSpec{Partitions: -1, ReplicationFactor: -1}
}

// Default returns how a topic of the default group is created.
func (tc TopicCreation) Default() TopicSpec {
	if len(tc.groups) == 0 {
		return TopicSpec{Partitions: -1, ReplicationFactor: -1}
	}
	d := tc.groups[len(tc.groups)-1]
	return TopicSpec{Partitions: d.partitions, ReplicationFactor: d.replicationFactor}
}

func (g topicGroup) matches(topic string) bool {
	if g.name == "default" {
		return true
	}
	in := false
	for _, re := range g.include {
		if re.MatchString(topic) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, re := range g.exclude {
		if re.MatchString(topic) {
			return false
		}
	}
	return true
}

const topicCreationPrefix = "topic.creation."

// topicGroupKeys are the keys of a group that are not topic configs.
var topicGroupKeys = []string{"include", "exclude", "partitions", "replication.factor"}

// parseTopicCreation reads the topic.creation.* keys of cfg.
func parseTopicCreation(p problems, cfg map[string]string) TopicCreation {
	def := topicGroup{name: "default"}
	def.partitions = int32(parseInt(p, cfg, "topic.creation.default.partitions", -1, -1, 1<<20))
	def.replicationFactor = int16(parseInt(p, cfg, "topic.creation.default.replication.factor", -1, -1, 32767))
	for _, k := range []string{"topic.creation.default.partitions", "topic.creation.default.replication.factor"} {
		if strings.TrimSpace(cfg[k]) == "0" {
			p.add(k, "%s must be -1 (the broker's default) or at least 1, got 0", k)
		}
	}
	def.configs = groupConfigs(p, cfg, "default")
	for _, k := range []string{"include", "exclude"} {
		if _, ok := cfg["topic.creation.default."+k]; ok {
			p.add("topic.creation.default."+k, "the default group takes every topic no other group takes; remove topic.creation.default.%s", k)
		}
	}
	var tc TopicCreation
	seen := map[string]bool{}
	for _, name := range splitList(cfg["topic.creation.groups"]) {
		if name == "default" || seen[name] || strings.Contains(name, ".") {
			p.add("topic.creation.groups", "topic.creation.groups: %q is named twice, is the default group (which always exists) or holds a '.'", name)
			continue
		}
		seen[name] = true
		pre := topicCreationPrefix + name + "."
		g := topicGroup{name: name, configs: groupConfigs(p, cfg, name)}
		g.include = parseRegexps(p, cfg, pre+"include")
		g.exclude = parseRegexps(p, cfg, pre+"exclude")
		if len(g.include) == 0 {
			p.add(pre+"include", "%sinclude is required: the regular expressions of the topics group %q takes", pre, name)
		}
		g.partitions = int32(parseInt(p, cfg, pre+"partitions", int(def.partitions), -1, 1<<20))
		g.replicationFactor = int16(parseInt(p, cfg, pre+"replication.factor", int(def.replicationFactor), -1, 32767))
		tc.groups = append(tc.groups, g)
	}
	tc.groups = append(tc.groups, def)
	return tc
}

// groupConfigs returns the topic configs of group: its keys other than
// include, exclude, partitions and replication.factor.
func groupConfigs(p problems, cfg map[string]string, group string) map[string]string {
	pre := topicCreationPrefix + group + "."
	out := map[string]string{}
	for k, v := range cfg {
		name, ok := strings.CutPrefix(k, pre)
		if !ok || name == "" {
			continue
		}
		isGroupKey := false
		for _, gk := range topicGroupKeys {
			if name == gk {
				isGroupKey = true
			}
		}
		if isGroupKey {
			continue
		}
		out[name] = v
	}
	return out
}

// parseRegexps reads a comma-separated list of regular expressions that
// must match a whole topic name, as Kafka Connect's do.
func parseRegexps(p problems, cfg map[string]string, key string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, s := range splitList(cfg[key]) {
		re, err := regexp.Compile("^(?:" + s + ")$")
		if err != nil {
			p.add(key, "%s: %q is not a valid regular expression: %v", key, s, err)
			continue
		}
		out = append(out, re)
	}
	return out
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ProducerOverrides are the producer.override.* keys sluice's Kafka
// producer honours (Kafka Connect's per-connector producer settings). Zero
// fields keep sluice's defaults.
type ProducerOverrides struct {
	// Compression is compression.type: none, gzip, snappy, lz4 or zstd.
	Compression string
	// Linger is linger.ms.
	Linger time.Duration
	// BatchBytes is batch.size, the largest record batch.
	BatchBytes int32
	// MaxRequestBytes is max.request.size.
	MaxRequestBytes int32
	// BufferBytes is buffer.memory, the most bytes buffered.
	BufferBytes int64
	// ClientID is client.id.
	ClientID string
	// RequestTimeout is request.timeout.ms; DeliveryTimeout is
	// delivery.timeout.ms.
	RequestTimeout, DeliveryTimeout time.Duration
}

// producerOverrideKeys are the producer.override.* keys sluice honours;
// the other producer.override.* keys are accepted and not used, with a
// reason (FrameworkUnused), or refused (acks other than all, idempotence
// off, a transactional.id).
var producerOverrideKeys = []string{
	"producer.override.compression.type", "producer.override.linger.ms", "producer.override.batch.size",
	"producer.override.max.request.size", "producer.override.buffer.memory", "producer.override.client.id",
	"producer.override.request.timeout.ms", "producer.override.delivery.timeout.ms",
	"producer.override.acks", "producer.override.enable.idempotence", "producer.override.transactional.id",
}

// sinkBatchBytes is the Kafka sink's default largest record batch.
const sinkBatchBytes = 256 << 10

// parseProducerOverrides reads the producer.override.* keys sluice honours.
func parseProducerOverrides(p problems, cfg map[string]string) ProducerOverrides {
	const pre = "producer.override."
	var o ProducerOverrides
	if v, ok := cfg[pre+"compression.type"]; ok {
		switch c := strings.ToLower(strings.TrimSpace(v)); c {
		case "none", "gzip", "snappy", "lz4", "zstd":
			o.Compression = c
		default:
			p.add(pre+"compression.type", "%scompression.type %q is not one of none, gzip, snappy, lz4, zstd", pre, v)
		}
	}
	o.Linger = time.Duration(parseInt(p, cfg, pre+"linger.ms", 0, 0, 60_000)) * time.Millisecond
	o.BatchBytes = int32(parseInt(p, cfg, pre+"batch.size", 0, 1, 1<<30))
	o.MaxRequestBytes = int32(parseInt(p, cfg, pre+"max.request.size", 0, 1024, 1<<30))
	batch := o.BatchBytes
	if batch == 0 {
		batch = sinkBatchBytes
	}
	if o.MaxRequestBytes > 0 && o.MaxRequestBytes < batch {
		p.add(pre+"max.request.size", "%smax.request.size (%d) must be at least the batch size (%d, %sbatch.size or sluice's default)", pre, o.MaxRequestBytes, batch, pre)
	}
	o.BufferBytes = int64(parseInt(p, cfg, pre+"buffer.memory", 0, 1<<20, 1<<40))
	o.ClientID = strings.TrimSpace(cfg[pre+"client.id"])
	o.RequestTimeout = time.Duration(parseInt(p, cfg, pre+"request.timeout.ms", 0, 1, 3_600_000)) * time.Millisecond
	o.DeliveryTimeout = time.Duration(parseInt(p, cfg, pre+"delivery.timeout.ms", 0, 1, 3_600_000)) * time.Millisecond
	if v, ok := cfg[pre+"acks"]; ok {
		if a := strings.ToLower(strings.TrimSpace(v)); a != "all" && a != "-1" {
			p.add(pre+"acks", "%sacks=%s is refused: sluice writes records and offsets in Kafka transactions, which need acks=all; remove the key or set it to all", pre, v)
		}
	}
	if v, ok := cfg[pre+"enable.idempotence"]; ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err != nil || !b {
			p.add(pre+"enable.idempotence", "%senable.idempotence=%s is refused: Kafka transactions need an idempotent producer; remove the key or set it to true", pre, v)
		}
	}
	if _, ok := cfg[pre+"transactional.id"]; ok {
		p.add(pre+"transactional.id", "%stransactional.id is refused: each connector's transactional.id is sluice-<connector name>, which fences a second instance of it; remove the key", pre)
	}
	return o
}
