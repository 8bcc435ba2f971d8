package capture

import (
	"encoding/json"
	"slices"
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

// TestChunkKeys: each row's cursor is KeyJSON's, and the last row's key
// comes back byte for byte, escaped keys (invalid UTF-8 among them, which
// json.Marshal does not keep) included.
func TestChunkKeys(t *testing.T) {
	rows := [][][]byte{
		{[]byte("x"), []byte("1"), []byte("a")},
		{[]byte("y"), []byte("2"), []byte("say \"hi\"")},
		{[]byte("z"), []byte("3"), []byte("\xff\xfe")},
		{[]byte("w"), []byte("10"), []byte("plain <tag>")},
		{[]byte("v"), []byte("11"), []byte("b")},
	}
	idx := []int{1, 2} // the key's columns
	for _, withKey := range []bool{false, true} {
		var c ChunkKeys
		if last, err := c.Last(); err != nil || last != nil {
			t.Fatalf("Last before any row = %q, %v; want nil", last, err)
		}
		for i, cols := range rows {
			key := []string{string(cols[1]), string(cols[2])}
			got, gotKey := c.Row(cols, idx, withKey)
			if want := KeyJSON(key); string(got) != string(want) {
				t.Errorf("row %d: cursor %s, want %s", i, got, want)
			}
			if withKey && !slices.Equal(gotKey, key) {
				t.Errorf("row %d: key %q, want %q", i, gotKey, key)
			}
			// The cursor must not alias the row's buffers, which the
			// driver reuses.
			for _, b := range cols {
				for j := range b {
					b[j] = '#'
				}
			}
			if want := KeyJSON(key); string(got) != string(want) {
				t.Errorf("row %d: cursor changed with the row's buffer: %s", i, got)
			}
			last, err := c.Last()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(last, key) {
				t.Errorf("row %d (withKey %v): Last = %q, want %q", i, withKey, last, key)
			}
		}
	}
}
