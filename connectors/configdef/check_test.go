package configdef

import (
	"slices"
	"testing"
)

// TestCheckCatchesFaults gives Check one fault at a time and wants exactly
// that fault reported.
func TestCheckCatchesFaults(t *testing.T) {
	key := func(name string) Key {
		return Key{Name: name, Type: String, Importance: Low, Group: "G", Order: 1, Width: WidthShort, Display: "D", Doc: "doc"}
	}
	keys := []string{"a", "b", "column.mask.with."}
	good := []Key{key("a"), key("b"), key("column.mask.with.n.chars")}
	incomplete := key("b")
	incomplete.Doc = ""
	for _, tc := range []struct {
		name    string
		defs    []Key
		pending []string
		want    []string
	}{
		{"all well", good, nil, nil},
		{"pending key", append(slices.Clone(good), key("p")), []string{"p"}, nil},
		{"unknown key", append(slices.Clone(good), key("x")), nil, []string{"definition of x, which is not in ConfigKeys"}},
		{"twice", append(slices.Clone(good), key("a")), nil, []string{"a defined twice"}},
		{"incomplete", []Key{key("a"), incomplete}, nil, []string{"definition of b is incomplete"}},
		{"order 0", []Key{key("a"), {Name: "b", Type: String, Importance: Low, Group: "G", Width: WidthShort, Display: "D", Doc: "d"}}, nil,
			[]string{"definition of b is incomplete"}},
		{"undefined", []Key{key("a")}, nil, []string{"b has no definition in ConfigDefs"}},
	} {
		if got := Check(keys, tc.defs, tc.pending); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Check = %q, want %q", tc.name, got, tc.want)
		}
	}
}
