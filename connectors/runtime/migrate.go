package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// The keys of a migration from Debezium on Kafka Connect.
const (
	// MigrateTopicKey names Kafka Connect's offsets topic (its worker's
	// offset.storage.topic). A connector that has no checkpoint of its own
	// starts from the last offset Debezium committed there for it, without
	// a snapshot.
	MigrateTopicKey = "sluice.migrate.from.connect.offsets.topic"
	// MigrateNameKey is the name the connector had on Kafka Connect, when
	// it is not the same as on sluice.
	MigrateNameKey = "sluice.migrate.from.connect.name"
)

// migrateDefs define the migration keys (GET /connector-plugins/{class}/config).
var migrateDefs = configdef.Grouped("sluice migration",
	configdef.Key{Name: MigrateTopicKey, Type: configdef.String, Importance: configdef.Medium, Width: configdef.WidthLong, Display: "Kafka Connect offsets topic",
		Doc: "Migrate from Debezium: the offset.storage.topic of the Kafka Connect worker that ran this connector. With no checkpoint of its own, " +
			"the connector starts exactly after the last offset Debezium committed there, without a snapshot (docs/configuration.md, Migrating from Debezium)."},
	configdef.Key{Name: MigrateNameKey, Type: configdef.String, Importance: configdef.Low, Width: configdef.WidthMedium, Display: "Kafka Connect connector name",
		Doc: "The name the connector had on Kafka Connect, when it differs from its name on sluice."},
)

// ConnectOffsetsReader reads the value of the last record whose key match
// accepts from a Kafka topic (read_committed), nil when there is none or
// the last is a tombstone.
type ConnectOffsetsReader func(ctx context.Context, topic string, match func(key []byte) bool) ([]byte, error)

// checkMigrate checks the migration keys of a connector config.
func checkMigrate(p problems, plugin *Plugin, cfg map[string]string) {
	topic, ok := cfg[MigrateTopicKey]
	if !ok {
		if _, ok := cfg[MigrateNameKey]; ok {
			p.add(MigrateNameKey, "%s is only used with %s: set that too, or remove it", MigrateNameKey, MigrateTopicKey)
		}
		return
	}
	if strings.TrimSpace(topic) == "" {
		p.add(MigrateTopicKey, "%s is empty: set it to the offset.storage.topic of the Kafka Connect worker that ran the Debezium connector, or remove it", MigrateTopicKey)
	}
	if plugin.FromOffset == nil {
		p.add(MigrateTopicKey, "%s: sluice cannot start a %s connector from a Debezium offset; remove the key", MigrateTopicKey, plugin.Class)
	}
	if strings.TrimSpace(cfg["topic.prefix"]) == "" {
		p.add(MigrateTopicKey, "%s needs topic.prefix: Debezium's offsets are kept under the partition {\"server\": topic.prefix}", MigrateTopicKey)
	}
}

// connectOffsetKey reports whether key is Kafka Connect's offsets-topic key
// of connector name's partition {"server": prefix}:
// ["<name>",{"server":"<prefix>"}].
func connectOffsetKey(key []byte, name, prefix string) bool {
	if !bytes.Contains(key, []byte(prefix)) {
		return false // most keys: no need to parse
	}
	var k []json.RawMessage
	if json.Unmarshal(key, &k) != nil || len(k) != 2 {
		return false
	}
	var n string
	var part map[string]any
	if json.Unmarshal(k[0], &n) != nil || n != name || json.Unmarshal(k[1], &part) != nil || len(part) != 1 {
		return false
	}
	s, ok := part["server"].(string)
	return ok && s == prefix
}

// migrateFrom returns the first checkpoint of a connector migrating from
// Debezium: the position after the last offset Debezium committed for it
// on Kafka Connect's offsets topic. It fails, for good, when there is none:
// starting afresh instead would snapshot or skip what the user meant to
// keep.
func migrateFrom(ctx context.Context, read ConnectOffsetsReader, plugin *Plugin, name string, cfg map[string]string) (*change.Position, error) {
	topic := cfg[MigrateTopicKey]
	from := name
	if n := cfg[MigrateNameKey]; n != "" {
		from = n
	}
	prefix := cfg["topic.prefix"]
	if read == nil {
		return nil, fmt.Errorf("%s: this sluice cannot read Kafka Connect's offsets topic (no Kafka)", MigrateTopicKey)
	}
	raw, err := read(ctx, topic, func(key []byte) bool { return connectOffsetKey(key, from, prefix) })
	if err != nil {
		return nil, Retryable(fmt.Errorf("read Debezium's offset from Kafka Connect's offsets topic %q: %w", topic, err))
	}
	if raw == nil {
		return nil, fmt.Errorf("Kafka Connect's offsets topic %q has no offset for connector %q, partition {\"server\":%q}: "+
			"check %s (the worker's offset.storage.topic), the connector name (set %s when it differed on Kafka Connect) and topic.prefix, "+
			"and that Debezium committed an offset before it was stopped; or remove %s to start afresh", topic, from, prefix, MigrateTopicKey, MigrateNameKey, MigrateTopicKey)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var off map[string]any
	if err := dec.Decode(&off); err != nil {
		return nil, fmt.Errorf("Debezium's offset for connector %q on %q is not a JSON object (%s): %w", from, topic, clip(string(raw), 200), err)
	}
	pos, err := plugin.FromOffset(off, nil)
	if err != nil {
		return nil, fmt.Errorf("Debezium's offset for connector %q on %q (%s): %w", from, topic, clip(string(raw), 500), err)
	}
	return &pos, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
