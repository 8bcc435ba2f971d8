package workerconfig

import (
	"strings"
	"testing"
)

// FuzzParseProperties: any text parses or fails without a panic, and a
// key=value line of plain characters reads back as written.
func FuzzParseProperties(f *testing.F) {
	for _, s := range []string{"a=b", "a\\\n  b=c\\\\", "# c\n!c\nk : v", `k=\u00e9\t`, "k=\\u12", "\\", "a b c\r\nd"} {
		f.Add(s, "key", "value")
	}
	f.Fuzz(func(t *testing.T, text, k, v string) {
		_, _ = ParseProperties(text)
		if k == "" || strings.ContainsAny(k+v, "=: \t\f\r\n\\#!") || strings.TrimSpace(v) != v {
			return
		}
		got, err := ParseProperties(k + "=" + v + "\n")
		if err != nil || got[k] != v {
			t.Fatalf("%q=%q read back as %q (%v)", k, v, got[k], err)
		}
	})
}

// FuzzParseJAAS: any text parses or fails without a panic.
func FuzzParseJAAS(f *testing.F) {
	f.Add(`org.x.M required a="b\"c" d=e;`)
	f.Add(`m r "`)
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseJAAS(s) })
}
