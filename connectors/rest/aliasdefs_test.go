package rest

import "testing"

// TestAliasValue checks the values validate shows for alias keys: parsed
// and printed as Kafka Connect's ConfigDef does, null when they do not
// parse, the default when unset.
func TestAliasValue(t *testing.T) {
	for _, tc := range []struct {
		typ, given string
		set        bool
		def        *string
		want       *string
	}{
		{"BOOLEAN", "TRUE", true, nil, ptr("true")},
		{"BOOLEAN", "maybe", true, nil, nil},
		{"BOOLEAN", "", false, ptr("false"), ptr("false")},
		{"INT", " 12 ", true, nil, ptr("12")},
		{"INT", "3000000000", true, nil, nil},
		{"LONG", "3000000000", true, nil, ptr("3000000000")},
		{"DOUBLE", "x", true, nil, nil},
		{"LIST", " a , b,c ", true, nil, ptr("a,b,c")},
		{"LIST", "", false, ptr(""), ptr("")},
		{"STRING", " x ", true, nil, ptr("x")},
		{"STRING", "", false, nil, nil},
		{"PASSWORD", "secret", true, nil, ptr(hiddenValue)},
	} {
		k := aliasKey{def: ConfigKeyInfo{Name: "transforms.a.k", Type: tc.typ, DefaultValue: tc.def}}
		cfg := map[string]string{}
		if tc.set {
			cfg["transforms.a.k"] = tc.given
		}
		got := aliasValue(k, cfg)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s %q: got %v, want %v", tc.typ, tc.given, showPtr(got), showPtr(tc.want))
		}
	}
	if got := aliasValue(aliasKey{def: ConfigKeyInfo{Name: "transforms.a.type", Type: "CLASS"}, noValue: true}, map[string]string{"transforms.a.type": "x.Y"}); got != nil {
		t.Errorf("type of an unknown class: got %q, want null", *got)
	}
}

func showPtr(p *string) string {
	if p == nil {
		return "null"
	}
	return "\"" + *p + "\""
}
