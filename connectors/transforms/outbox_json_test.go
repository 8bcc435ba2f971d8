package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func optStruct(name string, fields ...change.Field) *change.Field {
	return &change.Field{Type: change.Struct, Optional: true, Logical: name, Fields: fields}
}

func obMember(name string, f change.Field) change.Field {
	f.Name = name
	return f
}

func optArray(elem *change.Field) change.Field {
	return change.Field{Type: change.Array, Optional: true, Elem: elem}
}

func TestOutboxJSONExpansion(t *testing.T) {
	for _, c := range []struct {
		name, text  string
		nullAsBytes bool
		schema      *change.Field
		value       any
		replaced    bool   // the schema was inferred
		err         string // the expansion's failure, if any
	}{
		{name: "scalars and number kinds",
			text: `{"s": "x", "b": true, "i": -2147483648, "l": 2147483648, "d": 1.5, "e": 1e2, "z": -0}`,
			schema: optStruct("payload", obMember("s", obOptString), obMember("b", obOptBoolean), obMember("i", obOptInt32),
				obMember("l", obOptInt64), obMember("d", obOptFloat64), obMember("e", obOptFloat64), obMember("z", obOptInt32)),
			value:    change.StructValue{"x", true, int32(-2147483648), int64(2147483648), 1.5, 100.0, int32(0)},
			replaced: true},
		{name: "nested objects are named by their path; a repeated key keeps its first place and last value",
			text: `{"a": {"b": {"c": 1}}, "k": 1, "k": "two"}`,
			schema: optStruct("payload",
				obMember("a", *optStruct("payload.a", obMember("b", *optStruct("payload.a.b", obMember("c", obOptInt32))))), obMember("k", obOptString)),
			value:    change.StructValue{change.StructValue{change.StructValue{int32(1)}}, "two"},
			replaced: true, err: ""},
		{name: "nulls and empty arrays are left out",
			text:     `{"n": null, "e": [], "x": 1}`,
			schema:   optStruct("payload", obMember("x", obOptInt32)),
			value:    change.StructValue{int32(1)},
			replaced: true},
		{name: "nulls as optional bytes", nullAsBytes: true,
			text:     `{"n": null, "a": [null, null]}`,
			schema:   optStruct("payload", obMember("n", obOptBytes), obMember("a", optArray(&obOptBytes))),
			value:    change.StructValue{nil, []any{nil, nil}},
			replaced: true},
		{name: "arrays of scalars and of arrays; nulls inside",
			text: `{"a": [null, 1, 2], "aa": [[true], [false, null]], "s": ["x"]}`,
			schema: optStruct("payload", obMember("a", optArray(&obOptInt32)),
				obMember("aa", optArray(&change.Field{Type: change.Array, Optional: true, Elem: &obOptBoolean})), obMember("s", optArray(&obOptString))),
			value:    change.StructValue{[]any{nil, int32(1), int32(2)}, []any{[]any{true}, []any{false, nil}}, []any{"x"}},
			replaced: true},
		{name: "an array of objects of one schema keeps it optional",
			text:     `{"l": [{"a": 1}, {"a": 2}]}`,
			schema:   optStruct("payload", obMember("l", optArray(optStruct("payload.l", obMember("a", obOptInt32))))),
			value:    change.StructValue{[]any{change.StructValue{int32(1)}, change.StructValue{int32(2)}}},
			replaced: true},
		{name: "an array of objects of several schemas gets the merge, not optional; bytes give way",
			text: `{"l": [{"a": null, "b": "x"}, {"a": 1, "c": true}]}`, nullAsBytes: true,
			schema: optStruct("payload", obMember("l", optArray(&change.Field{Type: change.Struct, Logical: "payload.l", Fields: []change.Field{
				obMember("a", obOptInt32), obMember("b", obOptString), obMember("c", obOptBoolean)}}))),
			value:    change.StructValue{[]any{change.StructValue{nil, "x", nil}, change.StructValue{int32(1), nil, true}}},
			replaced: true},
		{name: "a null element of a merged (required) struct array fails the value",
			text: `{"l": [{"a": 1}, {"b": 2}, null]}`,
			schema: optStruct("payload", obMember("l", optArray(&change.Field{Type: change.Struct, Logical: "payload.l", Fields: []change.Field{
				obMember("a", obOptInt32), obMember("b", obOptInt32)}}))),
			replaced: true, err: `Invalid value: null used for required element of array field: "l", schema type: STRUCT`},
		{name: "an array of objects inside an array: elements unnamed",
			text:     `{"m": [[{"x": 1}]]}`,
			schema:   optStruct("payload", obMember("m", optArray(&change.Field{Type: change.Array, Optional: true, Elem: optStruct("", obMember("x", obOptInt32))}))),
			value:    change.StructValue{[]any{[]any{change.StructValue{int32(1)}}}},
			replaced: true},
		{name: "mixed element types", text: `{"a": [1, "x"]}`, err: "Field is not a homogenous array (1 x STRING)."},
		{name: "mixed number types", text: `{"a": [1, 10000000000]}`,
			err: "Field is not a homogenous array (1 x 10000000000), different number types (Schema{INT32} x Schema{INT64})"},
		{name: "only nulls", text: `{"a": [null]}`, err: "Array '' has unrecognized member schema."},
		{name: "not JSON text", text: ` {"a": 1}`, err: "Unable to parse payload starting with ' '"},
		{name: "broken JSON", text: `{"a": }`, err: "invalid character '}' looking for beginning of value"},
		{name: "what follows the first value is ignored", text: `{"a": 1} trailing {`,
			schema: optStruct("payload", obMember("a", obOptInt32)), value: change.StructValue{int32(1)}, replaced: true},
		{name: "a top-level array gets a schema but no value", text: `[{"a": 1}]`,
			schema:   &change.Field{Type: change.Array, Optional: true, Elem: optStruct("payload", obMember("a", obOptInt32))},
			replaced: true, err: "Not a struct schema: Schema{ARRAY}"},
		{name: "an integer beyond int64 gets a float64 schema and no value", text: `{"n": 99999999999999999999}`,
			schema: optStruct("payload", obMember("n", obOptFloat64)), replaced: true,
			err: `Invalid Java object for schema with type FLOAT64: class java.math.BigDecimal for field: "n"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, v, replaced, err := obExpandJSON("payload", c.text, c.nullAsBytes)
			if replaced != c.replaced {
				t.Errorf("replaced = %t, want %t", replaced, c.replaced)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("err = %v, want %s", err, c.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, c.schema) {
				t.Errorf("schema\n got %s\nwant %s", obSchemaKey(s), obSchemaKey(c.schema))
			}
			if c.err == "" && !reflect.DeepEqual(v, c.value) {
				t.Errorf("value = %#v, want %#v", v, c.value)
			}
		})
	}
}

func TestOutboxSchemaKeyTellsSchemasApart(t *testing.T) {
	base := optStruct("p", obMember("a", obOptInt32))
	for name, other := range map[string]*change.Field{
		"name":     optStruct("q", obMember("a", obOptInt32)),
		"optional": {Type: change.Struct, Logical: "p", Fields: []change.Field{obMember("a", obOptInt32)}},
		"member":   optStruct("p", obMember("b", obOptInt32)),
		"type":     optStruct("p", obMember("a", obOptInt64)),
		"version":  {Type: change.Struct, Optional: true, Logical: "p", Version: 2, Fields: []change.Field{obMember("a", obOptInt32)}},
		"default":  optStruct("p", change.Field{Name: "a", Type: change.Int32, Optional: true, Default: int32(1)}),
	} {
		if obSchemaKey(base) == obSchemaKey(other) {
			t.Errorf("%s: the keys are equal", name)
		}
	}
	if obSchemaKey(base) != obSchemaKey(optStruct("p", obMember("a", obOptInt32))) {
		t.Error("equal schemas have different keys")
	}
}
