package runtime

import (
	"strings"
	"testing"
	"time"
)

func TestTopicCreationGroups(t *testing.T) {
	p := problems{}
	tc := parseTopicCreation(p, map[string]string{
		"topic.creation.default.partitions":         "3",
		"topic.creation.default.replication.factor": "1",
		"topic.creation.default.cleanup.policy":     "delete",
		"topic.creation.default.compression.type":   "lz4",
		"topic.creation.groups":                     "compacted, big",
		"topic.creation.compacted.include":          `app\.public\.(users|accounts)`,
		"topic.creation.compacted.cleanup.policy":   "compact",
		"topic.creation.big.include":                `app\.public\..*`,
		"topic.creation.big.exclude":                `app\.public\.small.*`,
		"topic.creation.big.partitions":             "12",
		"topic.creation.big.retention.ms":           "604800000",
	})
	if len(p) != 0 {
		t.Fatal(p)
	}
	type want struct {
		partitions int32
		configs    string
	}
	for topic, w := range map[string]want{
		"app.public.users":   {3, "cleanup.policy=compact"},                     // first group wins; partitions inherited
		"app.public.orders":  {12, "retention.ms=604800000"},                    // second group
		"app.public.small_t": {3, "cleanup.policy=delete,compression.type=lz4"}, // excluded from big: default
		"app.public.usersx":  {12, "retention.ms=604800000"},                    // include matches the whole name only
		"app.other.anything": {3, "cleanup.policy=delete,compression.type=lz4"},
	} {
		s := tc.Spec(topic)
		var cs []string
		for _, k := range []string{"cleanup.policy", "compression.type", "retention.ms"} {
			if v, ok := s.Configs[k]; ok {
				cs = append(cs, k+"="+*v)
			}
		}
		if s.Partitions != w.partitions || s.ReplicationFactor != 1 || strings.Join(cs, ",") != w.configs {
			t.Errorf("%s: %d partitions, rf %d, configs %v; want %d, 1, %s", topic, s.Partitions, s.ReplicationFactor, cs, w.partitions, w.configs)
		}
	}
	if d := tc.Default(); d.Partitions != 3 || d.ReplicationFactor != 1 {
		t.Errorf("Default = %+v", d)
	}
	// Nothing set: the broker's defaults, no configs.
	if s := parseTopicCreation(problems{}, map[string]string{}).Spec("x"); s.Partitions != -1 || s.ReplicationFactor != -1 || s.Configs != nil {
		t.Errorf("no keys: %+v", s)
	}
	for _, c := range []struct{ key, value, want string }{
		{"topic.creation.default.partitions", "0", "-1 (the broker's default) or at least 1"},
		{"topic.creation.groups", "default", "default group"},
		{"topic.creation.g.include", "(", "not a valid regular expression"},
	} {
		p := problems{}
		cfg := map[string]string{c.key: c.value}
		if c.key == "topic.creation.g.include" {
			cfg["topic.creation.groups"] = "g"
		}
		parseTopicCreation(p, cfg)
		if got := strings.Join(p[c.key], ""); !strings.Contains(got, c.want) {
			t.Errorf("%s=%s: %q, want %q", c.key, c.value, got, c.want)
		}
	}
	p = problems{}
	parseTopicCreation(p, map[string]string{"topic.creation.groups": "g"})
	if !strings.Contains(strings.Join(p["topic.creation.g.include"], ""), "is required") {
		t.Errorf("group without include: %v", p)
	}
}

func TestProducerOverrides(t *testing.T) {
	p := problems{}
	o := parseProducerOverrides(p, map[string]string{
		"producer.override.compression.type":    "ZSTD",
		"producer.override.linger.ms":           "50",
		"producer.override.batch.size":          "1048576",
		"producer.override.max.request.size":    "2097152",
		"producer.override.client.id":           "orders",
		"producer.override.delivery.timeout.ms": "20000",
		"producer.override.acks":                "all",
		"producer.override.enable.idempotence":  "true",
	})
	if len(p) != 0 {
		t.Fatal(p)
	}
	if o != (ProducerOverrides{Compression: "zstd", Linger: 50 * time.Millisecond, BatchBytes: 1 << 20, MaxRequestBytes: 2 << 20, ClientID: "orders", DeliveryTimeout: 20 * time.Second}) {
		t.Errorf("%+v", o)
	}
	for key, value := range map[string]string{
		"producer.override.acks":               "1",
		"producer.override.enable.idempotence": "false",
		"producer.override.transactional.id":   "x",
		"producer.override.compression.type":   "brotli",
		"producer.override.max.request.size":   "100000",
	} {
		p := problems{}
		parseProducerOverrides(p, map[string]string{key: value})
		if len(p[key]) != 1 {
			t.Errorf("%s=%s: problems %v, want one on the key", key, value, p)
		}
	}
}

// TestUnlistedTopicGroupIsNamed: settings of a group that
// topic.creation.groups does not name do nothing (as in Kafka Connect), and
// the connector's unused keys say so.
func TestUnlistedTopicGroupIsNamed(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	cfg := map[string]string{"topic.creation.groups": "a", "topic.creation.a.include": "x", "topic.creation.b.include": "y",
		"topic.creation.default.partitions": "3", "topic.creation.groups.extra": "z"}
	got := p.UnusedKeys(cfg)
	if len(got) != 2 || got[0][0] != "topic.creation.b.include" || !strings.Contains(got[0][1], `does not name the group "b"`) {
		t.Errorf("UnusedKeys = %q", got)
	}
}
