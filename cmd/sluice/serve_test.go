package main

import (
	"io"
	"testing"
)

// TestConverterSchemasEnableFlag: the worker's schemas.enable default is
// false unless --converter-schemas-enable or SLUICE_CONVERTER_SCHEMAS_ENABLE
// sets it; a value that is not a boolean is refused.
func TestConverterSchemasEnableFlag(t *testing.T) {
	t.Setenv("SLUICE_CONVERTER_SCHEMAS_ENABLE", "")
	for _, c := range []struct {
		env  string
		args []string
		want bool
		bad  bool
	}{
		{"false", nil, false, false},
		{"false", []string{"--converter-schemas-enable=true"}, true, false},
		{"true", nil, true, false},
		{"true", []string{"--converter-schemas-enable=false"}, false, false},
		{"false", []string{"--converter-schemas-enable=maybe"}, false, true},
	} {
		t.Setenv("SLUICE_CONVERTER_SCHEMAS_ENABLE", c.env)
		got, err := parseServe(c.args, io.Discard)
		if c.bad {
			if err == nil {
				t.Errorf("%v: accepted", c.args)
			}
			continue
		}
		if err != nil || got.schemasEnable != c.want {
			t.Errorf("env %s, %v: schemasEnable %v (%v), want %v", c.env, c.args, got.schemasEnable, err, c.want)
		}
	}
}
