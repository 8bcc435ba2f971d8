package runtime

import (
	"log/slog"
	"strings"
	"testing"
)

// TestConverterNullDefaultsConfig checks the converter keys that decide
// whether a null where the field has a default is written as the default:
// the JsonConverter's replace.null.with.default (true unless set false) and
// the AvroConverter's ignore.default.for.nullables (false unless set true),
// each refused on the other converter.
func TestConverterNullDefaultsConfig(t *testing.T) {
	plugins := []Plugin{testPlugin(&scriptedSource{})}
	const confluent = "io.confluent.connect.avro.AvroConverter"
	avroValue := []string{"value.converter", confluent, "value.converter.schema.registry.url", "http://127.0.0.1:8081"}
	for _, c := range []struct {
		name              string
		kv                []string
		keyKeep, valKeep  bool
		problemKey, probl string
	}{
		{name: "defaults replace nulls", kv: nil},
		{name: "JSON value keeps nulls", kv: []string{"value.converter.replace.null.with.default", "false"}, valKeep: true},
		{name: "JSON key keeps nulls", kv: []string{"key.converter.replace.null.with.default", "FALSE"}, keyKeep: true},
		{name: "explicit true", kv: []string{"value.converter.replace.null.with.default", "true"}},
		{name: "Avro value ignores defaults", kv: append([]string{"value.converter.ignore.default.for.nullables", "true"}, avroValue...), valKeep: true},
		{name: "Avro value default", kv: avroValue},
		{name: "not a boolean", kv: []string{"value.converter.replace.null.with.default", "maybe"},
			problemKey: "value.converter.replace.null.with.default", probl: "must be true or false"},
		{name: "Avro key on JSON", kv: []string{"value.converter.ignore.default.for.nullables", "true"},
			problemKey: "value.converter.ignore.default.for.nullables", probl: "use value.converter.replace.null.with.default=false"},
		{name: "JSON key on Avro", kv: append([]string{"value.converter.replace.null.with.default", "false"}, avroValue...),
			problemKey: "value.converter.replace.null.with.default", probl: "use value.converter.ignore.default.for.nullables"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := map[string]string{"connector.class": "test", "topic.prefix": "p"}
			for i := 0; i < len(c.kv); i += 2 {
				cfg[c.kv[i]] = c.kv[i+1]
			}
			cc, _, probs := parseConfig(plugins, "c", cfg, slog.New(slog.DiscardHandler))
			if c.problemKey != "" {
				if msgs := strings.Join(probs[c.problemKey], "\n"); !strings.Contains(msgs, c.probl) {
					t.Fatalf("problems of %s = %q, want one containing %q (all: %v)", c.problemKey, msgs, c.probl, probs)
				}
				return
			}
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			if cc.json.KeyKeepNulls != c.keyKeep || cc.json.ValueKeepNulls != c.valKeep {
				t.Errorf("keep nulls key %v value %v, want %v %v", cc.json.KeyKeepNulls, cc.json.ValueKeepNulls, c.keyKeep, c.valKeep)
			}
		})
	}
}
