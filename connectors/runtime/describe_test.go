package runtime

import (
	"log/slog"
	"maps"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// TestCatalogLearnsChannels checks that a connector's encoder notes each
// topic's schemas once, moves the catalog's generation when a table's
// schema changes (and only then), and does the same through a transforms
// chain, where the records' topics are the chain's.
func TestCatalogLearnsChannels(t *testing.T) {
	plugins := []Plugin{testPlugin(&scriptedSource{})}
	src := &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "x", Type: change.String, Optional: true}}}
	v1 := &change.TableSchema{ID: change.TableID{Namespace: "public", Name: "t"}, Version: 1,
		Columns: []change.Field{{Name: "id", Type: change.Int32}}, Key: []int{0}}
	v1again := &change.TableSchema{ID: v1.ID, Version: 1, Columns: slices.Clone(v1.Columns), Key: []int{0}}
	v2 := &change.TableSchema{ID: v1.ID, Version: 2, Key: []int{0},
		Columns: []change.Field{{Name: "id", Type: change.Int32}, {Name: "note", Type: change.String, Optional: true}}}
	ev := func(t *change.TableSchema, op change.Op) *change.Event {
		row := make(change.Row, len(t.Columns))
		row[0] = int32(1)
		e := &change.Event{Op: op, Table: t, Source: change.StructValue{nil}, SourceSchema: src}
		if op == change.OpDelete {
			e.Before = row
		} else {
			e.After = row
		}
		return e
	}
	run := func(cfg map[string]string, evs ...*change.Event) *catalog {
		t.Helper()
		cc, _, probs := parseConfig(plugins, "c", cfg, slog.New(slog.DiscardHandler))
		if len(probs) > 0 {
			t.Fatalf("problems: %v", probs)
		}
		cc.catalog = &catalog{}
		enc, err := cc.newEncoder(nil, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if _, err := enc.Encode(nil, e); err != nil {
				t.Fatal(err)
			}
		}
		return cc.catalog
	}

	cat := run(map[string]string{"connector.class": "test", "topic.prefix": "inv"}, ev(v1, change.OpCreate))
	gen, key, value, chs := cat.channels()
	if len(chs) != 1 || chs[0].Topic != "inv.public.t" || chs[0].Table != "public.t" || chs[0].Version != 1 {
		t.Fatalf("channels %+v", chs)
	}
	ch := chs[0]
	if ch.Key == nil || len(ch.Key.Fields) != 1 || ch.Value == nil || ch.Value.Logical != "inv.public.t.Envelope" || !ch.Tombstones {
		t.Errorf("channel %s: key %+v, value %s, tombstones %v", ch.Topic, ch.Key, ch.Value.Logical, ch.Tombstones)
	}
	if !slices.Contains(ch.Headers, schema.VersionHeader) {
		t.Errorf("headers %q, want %s among them", ch.Headers, schema.VersionHeader)
	}
	if key.Avro || value.Avro {
		t.Errorf("formats %+v %+v: want JSON", key, value)
	}

	// The same schema again (a new pointer, as after a restart) changes
	// nothing; a new version does.
	cat = run(map[string]string{"connector.class": "test", "topic.prefix": "inv"},
		ev(v1, change.OpCreate), ev(v1again, change.OpUpdate), ev(v1, change.OpDelete))
	g1, _, _, _ := cat.channels()
	if g1 != gen {
		t.Errorf("generation %d after the same schema again, want %d", g1, gen)
	}
	cc, _, _ := parseConfig(plugins, "c", map[string]string{"connector.class": "test", "topic.prefix": "inv"}, slog.New(slog.DiscardHandler))
	cc.catalog = cat
	enc, _ := cc.newEncoder(nil, slog.New(slog.DiscardHandler), nil)
	if _, err := enc.Encode(nil, ev(v2, change.OpCreate)); err != nil {
		t.Fatal(err)
	}
	g2, _, _, chs := cat.channels()
	if g2 <= g1 || len(chs) != 1 || chs[0].Version != 2 || len(chs[0].Value.Fields[0].Fields) != 2 {
		t.Errorf("after version 2: generation %d (was %d), channels %+v", g2, g1, chs)
	}

	// Through a chain that reroutes every record: the chain's topic.
	cat = run(map[string]string{"connector.class": "test", "topic.prefix": "inv",
		"transforms": "r", "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.r.regex": ".*", "transforms.r.replacement": "all-changes"},
		ev(v1, change.OpCreate), ev(v2, change.OpCreate))
	_, _, _, chs = cat.channels()
	if len(chs) != 1 || chs[0].Topic != "all-changes" || chs[0].Version != 2 || len(chs[0].Value.Fields[0].Fields) != 2 {
		t.Errorf("through RegexRouter: channels %+v", chs)
	}
}

// TestCatalogForConfig checks that a config change that may rename topics
// or change schemas forgets the channels, and one that cannot keeps them.
func TestCatalogForConfig(t *testing.T) {
	base := map[string]string{"connector.class": "test", "topic.prefix": "inv", "database.include.list": "a"}
	for _, tc := range []struct {
		key, value string
		forget     bool
	}{
		{"sluice.batch.max.events", "777", false},
		{"database.password", "other", false},
		{"snapshot.mode", "never", false},
		{"topic.prefix", "inv2", true},
		{"database.include.list", "b", true},
		{"transforms", "unwrap", true},
		{"value.converter.schemas.enable", "false", true},
	} {
		c := &catalog{}
		c.forConfig(base)
		c.learn([]change.Record{{Topic: "inv.a.t", ValueSchema: &change.Field{Type: change.String}, Value: "x"}}, nil, false)
		next := maps.Clone(base)
		next[tc.key] = tc.value
		c.forConfig(next)
		if _, _, _, chs := c.channels(); (len(chs) == 0) != tc.forget {
			t.Errorf("%s=%s: %d channels left, want forget=%v", tc.key, tc.value, len(chs), tc.forget)
		}
	}
}
