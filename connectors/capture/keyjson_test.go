package capture

import (
	"encoding/json"
	"testing"
)

// TestKeyJSON compares KeyJSON with json.Marshal on keys that take the
// direct path and keys that must be escaped.
func TestKeyJSON(t *testing.T) {
	keys := [][]string{
		nil,
		{},
		{""},
		{"42"},
		{"42", "-7", "2026-12-02 22:05:00+00"},
		{"a b", "x.y/z", "~!@#$%^*()_+{}|:?"},
		{`say "hi"`},
		{`back\\slash`},
		{"<tag>", "a&b"},
		{"tab\there", "nl\n", "\x00", "\x1f", "\x7f"},
		{"héllo", "日本", "\u2028", "\xff\xfe"},
		{"plain", "then <escaped>"},
	}
	for _, k := range keys {
		want, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if got := KeyJSON(k); string(got) != string(want) {
			t.Errorf("KeyJSON(%q) = %s, want %s", k, got, want)
		}
	}
}

// FuzzKeyJSON checks KeyJSON against json.Marshal on any two-part key.
func FuzzKeyJSON(f *testing.F) {
	f.Add("1", "a")
	f.Add("<", "\x00")
	f.Fuzz(func(t *testing.T, a, b string) {
		k := []string{a, b}
		want, _ := json.Marshal(k)
		if got := KeyJSON(k); string(got) != string(want) {
			t.Errorf("KeyJSON(%q) = %s, want %s", k, got, want)
		}
	})
}
