package runtime

import (
	"errors"
	"log/slog"
	"testing"
)

// TestKeyFamilies: a Keys entry ending in "." takes every key it begins
// (not the bare prefix, nor a key that only resembles it), a problem the
// source reports on such a key is attached to it, and the family is not
// listed as a key of its own.
func TestKeyFamilies(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	p.Keys = append(p.Keys, "over", "over.")
	build := p.Build
	p.Build = func(name string, cfg map[string]string, log *slog.Logger) (Source, error) {
		if cfg["over.a.b"] == "bad" {
			return nil, errors.New("over.a.b: must be a SELECT")
		}
		return build(name, cfg, log)
	}
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "over": "a.b", "over.a.b": "SELECT 1"}
	if _, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler)); len(probs) != 0 {
		t.Fatalf("family key refused: %v", probs)
	}
	cfg["over.a.b"] = "bad"
	if _, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler)); len(probs["over.a.b"]) != 1 {
		t.Errorf("problem not attached to its key: %v", probs)
	}
	cfg["over.a.b"] = "SELECT 1"
	cfg["overr.a.b"] = "typo"
	if _, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler)); len(probs["overr.a.b"]) != 1 {
		t.Errorf("a key that only resembles the family: problems %v, want one on it", probs)
	}
	s := newTestSupervisor(t, t.TempDir(), &scriptedSource{}, nil)
	s.opts.Plugins = []Plugin{p}
	keys, err := s.PluginConfig("test")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Name == "over." {
			t.Errorf("the family is listed as a key: %+v", k)
		}
	}
}
