package filter

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	res, raw, err := Parse("table.include.list", `public\.a.*, inv\.x\,y ,,`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || raw[1] != `inv\.x,y` {
		t.Fatalf("entries %q", raw)
	}
	for s, want := range map[string]bool{"public.abc": true, "PUBLIC.A": true, "xpublic.a": false, "inv.x,y": true, "inv.x": false} {
		if Any(res, s) != want {
			t.Errorf("Any(%q) = %v, want %v", s, !want, want)
		}
	}
	_, _, err = Parse("database.exclude.list", "ok,(bad,[also")
	if err == nil || !strings.Contains(err.Error(), `database.exclude.list: entry "(bad"`) || !strings.Contains(err.Error(), `"[also"`) {
		t.Fatalf("error %v; want both bad entries named with the key", err)
	}
	if res, _, err := Parse("k", ""); res != nil || err != nil {
		t.Fatal("an empty list is no filter")
	}
}

func TestLiterals(t *testing.T) {
	for _, tc := range []struct {
		raw  []string
		want []string
	}{
		{nil, nil},
		{[]string{"public.customers", "public.ord.*", `inventory\.items`, "inventory.items", "_a$1.b_2"}, []string{"public.customers", "inventory.items", "_a$1.b_2"}},
		{[]string{"customers", "a.b.c", "1a.b", "a.b+", "a.[bc]"}, nil},
	} {
		if got := Literals(tc.raw); !slices.Equal(got, tc.want) {
			t.Errorf("Literals(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
