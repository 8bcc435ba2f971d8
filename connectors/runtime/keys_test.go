package runtime

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestKeyMatches(t *testing.T) {
	for _, c := range []struct {
		entry, key string
		want       bool
	}{
		{"slot.name", "slot.name", true},
		{"slot.name", "slot.names", false},
		{"producer.override.", "producer.override.linger.ms", true},
		{"producer.override.", "producer.override.", false},
		{"column.mask.with.<N>.chars", "column.mask.with.12.chars", true},
		{"column.mask.with.<N>.chars", "column.mask.with.x.chars", false},
		{"column.mask.hash.<algorithm>.with.salt.<salt>", "column.mask.hash.SHA-256.with.salt.a.b", true},
		{"topic.creation.<group>.partitions", "topic.creation.compacted.partitions", true},
		{"topic.creation.<group>.partitions", "topic.creation.partitions", false},
		{"a.<x>", "a.(.*)", true}, // the key is text, not a pattern
		{"a.b", "a-b", false},
	} {
		if got := keyMatches(c.entry, c.key); got != c.want {
			t.Errorf("keyMatches(%q, %q) = %v, want %v", c.entry, c.key, got, c.want)
		}
	}
}

// TestUnknownKeySuggestsTheClosest: a typo of a known key is refused with
// "did you mean" naming the key; a key far from every known key is refused
// without a suggestion.
func TestUnknownKeySuggestsTheClosest(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	p.Keys = append(p.Keys, "database.hostname", "database.dbname")
	p.Unused = map[string]string{"heartbeat.interval.ms": "no heartbeats"}
	for _, c := range []struct {
		key, want string
	}{
		{"database.hostnme", `did you mean "database.hostname"?`},
		{"Database.dbname", `did you mean "database.dbname"?`},
		{"heartbeat.interval", `did you mean "heartbeat.interval.ms"?`},
		{"tombstone.on.delete", `did you mean "tombstones.on.delete"?`},
		{"value.converter.schema.enable", `did you mean "value.converter.schemas.enable"?`},
		{"max.batch.sizes", `did you mean "max.batch.size"?`},
		{"frobnicate", "neither Debezium nor Kafka Connect knows it"},
	} {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", c.key: "x"}
		_, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
		got := strings.Join(probs[c.key], "; ")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: problem %q, want it to contain %q", c.key, got, c.want)
		}
		if c.want == "neither Debezium nor Kafka Connect knows it" && strings.Contains(got, "did you mean") {
			t.Errorf("%s: suggested a key for a word far from every key: %q", c.key, got)
		}
	}
}

// TestRemovedAndFrameworkKeysAreAccepted: keys Debezium 2.0 removed and
// Kafka Connect's own keys register, each with a reason naming the
// replacement or why it does nothing.
func TestRemovedAndFrameworkKeysAreAccepted(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p",
		"database.server.name": "dbserver1", "table.whitelist": "public.a", "database.history.kafka.topic": "h",
		"exactly.once.support": "required", "admin.override.request.timeout.ms": "1000", "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter"}
	if _, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler)); len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	reasons := map[string]string{}
	for _, kr := range p.UnusedKeys(cfg) {
		reasons[kr[0]] = kr[1]
	}
	for k, want := range map[string]string{
		"database.server.name":              "use topic.prefix",
		"table.whitelist":                   "use table.include.list",
		"database.history.kafka.topic":      "schema.history.internal",
		"exactly.once.support":              "one Kafka transaction",
		"admin.override.request.timeout.ms": "admin client",
	} {
		if !strings.Contains(reasons[k], want) {
			t.Errorf("%s: reason %q, want it to contain %q", k, reasons[k], want)
		}
	}
}

// TestConverterSchemasDefault: schemas.enable defaults to true for a side
// that names the JsonConverter, to the worker's default for a side that
// names none.
func TestConverterSchemasDefault(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	for _, c := range []struct {
		worker     bool
		kv         []string
		key, value bool
	}{
		{false, nil, false, false},
		{true, nil, true, true},
		{false, []string{"value.converter", jsonConverter}, false, true},
		{false, []string{"key.converter", jsonConverter, "value.converter", jsonConverter}, true, true},
		{true, []string{"key.converter", jsonConverter, "key.converter.schemas.enable", "false"}, false, true},
		{false, []string{"value.converter", jsonConverter, "value.converter.schemas.enable", "false"}, false, false},
	} {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "p"}
		for i := 0; i < len(c.kv); i += 2 {
			cfg[c.kv[i]] = c.kv[i+1]
		}
		cc, _, probs := parseConfigWith(WorkerDefaults{ConverterSchemasEnable: c.worker}, []Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
		if len(probs) != 0 {
			t.Fatalf("%v: %v", cfg, probs)
		}
		if cc.json.KeySchemas != c.key || cc.json.ValueSchemas != c.value {
			t.Errorf("worker %v, %v: key/value schemas %v/%v, want %v/%v", c.worker, c.kv, cc.json.KeySchemas, cc.json.ValueSchemas, c.key, c.value)
		}
	}
}

// TestDebeziumTuningKeys: max.batch.size and poll.interval.ms size the
// batch unless sluice's own keys are set; max.queue.size and
// max.queue.size.in.bytes reach the source's queue; a name adjustment other
// than none is refused.
func TestDebeziumTuningKeys(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	parse := func(kv ...string) (connectorConfig, problems) {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "p"}
		for i := 0; i < len(kv); i += 2 {
			cfg[kv[i]] = kv[i+1]
		}
		cc, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
		return cc, probs
	}
	cc, probs := parse("max.batch.size", "2048", "poll.interval.ms", "500", "max.queue.size", "8192", "max.queue.size.in.bytes", "1048576")
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	if cc.batching.MaxEvents != 2048 || cc.batching.Linger != 500*time.Millisecond || cc.tuning != (Tuning{QueueEvents: 8192, QueueBytes: 1 << 20}) {
		t.Errorf("batching %+v, tuning %+v", cc.batching, cc.tuning)
	}
	if got := ParseTuning(map[string]string{"max.queue.size": "8192", "max.queue.size.in.bytes": "1048576"}); got != cc.tuning {
		t.Errorf("ParseTuning = %+v, want %+v", got, cc.tuning)
	}
	cc, _ = parse("max.batch.size", "2048", "sluice.batch.max.events", "500", "poll.interval.ms", "500", "sluice.batch.linger.ms", "5")
	if cc.batching.MaxEvents != 500 || cc.batching.Linger != 5*time.Millisecond {
		t.Errorf("sluice's keys do not win: %+v", cc.batching)
	}
	cc, _ = parse()
	if cc.batching.MaxEvents != DefaultBatching.MaxEvents || cc.batching.Linger != DefaultBatching.Linger || cc.tuning != (Tuning{}) {
		t.Errorf("defaults changed: %+v %+v", cc.batching, cc.tuning)
	}
	if _, probs := parse("max.queue.size", "0"); len(probs["max.queue.size"]) != 1 {
		t.Errorf("max.queue.size=0 accepted: %v", probs)
	}
	if _, probs := parse("schema.name.adjustment.mode", "none", "field.name.adjustment.mode", "NONE"); len(probs) != 0 {
		t.Errorf("none refused: %v", probs)
	}
	if cc, probs := parse("errors.tolerance", "ALL", "errors.log.include.messages", "true", "errors.log.enable", "true"); len(probs) != 0 || cc.tolerance != (Tolerance{All: true, LogMessages: true}) {
		t.Errorf("errors.tolerance=all: %+v %v", cc.tolerance, probs)
	}
	if _, probs := parse("errors.tolerance", "some"); len(probs["errors.tolerance"]) != 1 {
		t.Errorf("errors.tolerance=some accepted: %v", probs)
	}
	if _, probs := parse("value.converter.decimal.format", "base64", "value.converter.schemas.cache.size", "100"); len(probs) != 0 {
		t.Errorf("decimal.format=BASE64: %v", probs)
	}
	if _, probs := parse("value.converter.decimal.format", "NUMERIC"); !strings.Contains(strings.Join(probs["value.converter.decimal.format"], ""), "not supported yet") {
		t.Errorf("decimal.format=NUMERIC: %v", probs)
	}
	if _, probs := parse("schema.name.adjustment.mode", "avro2"); !strings.Contains(strings.Join(probs["schema.name.adjustment.mode"], ""), "none, avro or avro_unicode") {
		t.Errorf("bad adjustment: %v", probs)
	}
}

// TestNameAdjustmentModes: schema.name.adjustment.mode adjusts the Key,
// Value and Envelope schema names (the topic keeps its name) and
// field.name.adjustment.mode the column names, in schemas and payloads, as
// Debezium's adjusters do; none leaves them alone.
func TestNameAdjustmentModes(t *testing.T) {
	table := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "t"}, Version: 1, Key: []int{0},
		Columns: []change.Field{{Name: "id", Type: change.Int32}, {Name: "first-name", Type: change.String, Optional: true}, {Name: "_x", Type: change.Int32, Optional: true}},
	}
	ev := &change.Event{Op: change.OpCreate, Table: table, After: change.Row{int32(1), "Anne", int32(2)},
		Source: change.StructValue{"x"}, SourceSchema: testSourceSchema}
	p := testPlugin(&scriptedSource{})
	for _, c := range []struct {
		schemaMode, fieldMode string
		want, notWant         []string
	}{
		{"", "", []string{`"name":"my-db.public.t.Value"`, `"first-name":"Anne"`, `"field":"first-name"`}, nil},
		{"avro", "", []string{`"name":"my_db.public.t.Value"`, `"name":"my_db.public.t.Envelope"`, `"name":"my_db.public.t.Key"`, `"first-name":"Anne"`}, []string{`my-db.public.t.Value`}},
		{"", "avro", []string{`"name":"my-db.public.t.Value"`, `"first_name":"Anne"`, `"field":"first_name"`, `"_x":2`}, []string{`first-name`}},
		{"avro_unicode", "avro_unicode", []string{`"name":"my_u002ddb.public.t.Value"`, `"first_u002dname":"Anne"`, `"_u005fx":2`}, nil},
	} {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "my-db",
			"key.converter.schemas.enable": "true", "value.converter.schemas.enable": "true", "extended.headers.enabled": "false"}
		if c.schemaMode != "" {
			cfg["schema.name.adjustment.mode"] = c.schemaMode
		}
		if c.fieldMode != "" {
			cfg["field.name.adjustment.mode"] = c.fieldMode
		}
		cc, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
		if len(probs) != 0 {
			t.Fatal(probs)
		}
		enc, err := cc.newEncoder(nil, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second time from the encoder's caches
			msgs, err := enc.Encode(nil, ev)
			if err != nil {
				t.Fatal(err)
			}
			if msgs[0].Topic != "my-db.public.t" {
				t.Errorf("%s/%s: topic %q", c.schemaMode, c.fieldMode, msgs[0].Topic)
			}
			all := string(msgs[0].Key) + string(msgs[0].Value)
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s/%s: no %s in %s", c.schemaMode, c.fieldMode, w, all)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(all, w) {
					t.Errorf("%s/%s: %s in %s", c.schemaMode, c.fieldMode, w, all)
				}
			}
		}
	}
	if table.Columns[1].Name != "first-name" {
		t.Errorf("the source's table schema was changed: %+v", table.Columns)
	}
}
