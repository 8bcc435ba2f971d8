package runtime

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// TestKeyFamilies checks that a plugin key ending in "." accepts every key
// it begins (Debezium's column.mask.with.<N>.chars and the like), that the
// source's problems with such a key sit on it, and that other keys are
// still refused.
func TestKeyFamilyProblemsAndListing(t *testing.T) {
	p := testPlugin(nil)
	p.Keys = append(p.Keys, "column.mask.with.")
	p.Build = func(_ string, cfg map[string]string, _ *slog.Logger) (Source, error) {
		if _, ok := cfg["column.mask.with.x.chars"]; ok {
			return nil, errors.New("column.mask.with.x.chars: not a key Debezium knows")
		}
		return nil, errors.New("built")
	}
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), Plugins: []Plugin{p}})
	probs, err := s.Validate("test", map[string]string{"connector.class": "test", "column.mask.with.5.chars": "a", "column.mask.wit.5.chars": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := probs["column.mask.with.5.chars"]; ok {
		t.Errorf("a key of the family is refused: %q", probs)
	}
	if got := probs["column.mask.wit.5.chars"]; len(got) != 1 || !strings.Contains(got[0], "unknown configuration key") {
		t.Errorf("a key outside the family: %q", probs)
	}
	probs, _ = s.Validate("test", map[string]string{"connector.class": "test", "column.mask.with.x.chars": "a"})
	if got := probs["column.mask.with.x.chars"]; !slices.Equal(got, []string{"column.mask.with.x.chars: not a key Debezium knows"}) {
		t.Errorf("the source's problem is not on its key: %q", probs)
	}
	defs, err := s.PluginConfig("test")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if strings.HasSuffix(d.Name, ".") {
			t.Errorf("a family prefix is listed as a key: %+v", d)
		}
	}
}
