package transforms

import (
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// literalType names a parsed literal's schema as the jshell script prints
// it: the type, with the element (and key) types of arrays and maps.
func literalType(f *change.Field) string {
	if f == nil {
		return "null"
	}
	t := javaTypeName(f.Type)
	switch f.Type {
	case change.Array:
		t += "<" + literalType(f.Elem) + ">"
	case change.Map:
		t += "<" + literalType(f.KeyElem) + "," + literalType(f.Elem) + ">"
	}
	return t
}

// TestInsertHeaderLiteralBytes holds, for each value.literal, the schema
// type Kafka Connect 4.3.0's Values.parseString infers and the header
// bytes its SimpleHeaderConverter then writes
// (testdata/jshell/values_parse_string_arrays.jsh); sluice's literal parser
// and header converter must give the same.
func TestInsertHeaderLiteralBytes(t *testing.T) {
	const absent = "\x00nil"
	for _, c := range []struct{ in, typ, bytes string }{
		{`[1,2]`, `ARRAY<INT8>`, `[1,2]`},
		{`[1, 2]`, `ARRAY<INT8>`, `[1,2]`},
		{`[1,2.5]`, `ARRAY<FLOAT32>`, `[1.0,2.5]`},
		{`[1,null]`, `STRING`, `[1,null]`},
		{`[null]`, `ARRAY<null>`, `[null]`},
		{`[]`, `ARRAY<null>`, `[]`},
		{`["a","b"]`, `ARRAY<STRING>`, `["a","b"]`},
		{`["a", 1]`, `ARRAY<null>`, `["a",1]`},
		{`[true,false]`, `ARRAY<BOOLEAN>`, `[true,false]`},
		{`[a]`, `STRING`, `[a]`},
		{`[1,]`, `ARRAY<INT8>`, `[1]`},
		{`[,1]`, `STRING`, `[,1]`},
		{`[1 2]`, `STRING`, `[1 2]`},
		{`{"a":1}`, `MAP<STRING,INT8>`, `{"a":1}`},
		{`{"a":1,"b":"x"}`, `MAP<STRING,null>`, `{"a":1,"b":"x"}`},
		{`{1:2}`, `MAP<INT8,INT8>`, `{1:2}`},
		{`{"a":null}`, `MAP<STRING,null>`, `{"a":null}`},
		{`{}`, `MAP<null,null>`, `{}`},
		{`[1]x`, `ARRAY<INT8>`, `[1]`},
		{` [1]`, `ARRAY<INT8>`, `[1]`},
		{`[300,1]`, `ARRAY<INT16>`, `[300,1]`},
		{`[1,3000000000]`, `ARRAY<INT64>`, `[1,3000000000]`},
		{`["a,b"]`, `ARRAY<STRING>`, `["a,b"]`},
		{`["a\"b"]`, `ARRAY<STRING>`, `["a\\\"b"]`},
		{`{"a":1,"a":2}`, `MAP<STRING,INT8>`, `{"a":2}`},
		{`[[1],[2]]`, `ARRAY<ARRAY<INT8>>`, `[[1],[2]]`},
		{`["2024-01-02"]`, `ARRAY<INT32>`, `[2024-01-02]`},
		{`[1.5,2.5]`, `ARRAY<FLOAT32>`, `[1.5,2.5]`},
		{`[true,1]`, `ARRAY<null>`, `[true,1]`},
		{`[ null , 1 ]`, `STRING`, `[ null , 1 ]`},
		{`{"a":1,}`, `MAP<STRING,INT8>`, `{"a":1}`},
		{`[1`, `STRING`, `[1`},
		{` ,x`, `STRING`, ` ,x`},
		{`["a"]`, `ARRAY<STRING>`, `["a"]`},
		{`[1e3]`, `ARRAY<INT16>`, `[1000]`},
		{`[-1]`, `ARRAY<INT8>`, `[-1]`},
		// Scalars (testdata/jshell/values_parse_string.jsh).
		{`null`, `null`, absent},
		{` false `, `BOOLEAN`, `false`},
		{`007`, `INT8`, `7`},
		{`99999999999999999999`, `BYTES`, `99999999999999999999`},
		{`1.50`, `FLOAT32`, `1.5`},
		{`1.5e300`, `FLOAT64`, `1.5E300`},
		{`12:30`, `INT8`, `12`},
		{`2024-01-02`, `INT32`, `2024-01-02`},
		{`10:11:12.123Z`, `INT32`, `10:11:12.123Z`},
		{`2024-01-02T10:11:12.123Z`, `INT64`, `2024-01-02T10:11:12.123Z`},
		{`hello world`, `STRING`, `hello world`},
	} {
		f, v := parseConnectLiteral(c.in)
		b, err := schema.HeaderBytes(f, v)
		got := string(b)
		if b == nil {
			got = absent
		}
		if err != nil || literalType(f) != c.typ || got != c.bytes {
			t.Errorf("%q: %s %q %v; Kafka: %s %q", c.in, literalType(f), got, err, c.typ, c.bytes)
		}
	}
}
