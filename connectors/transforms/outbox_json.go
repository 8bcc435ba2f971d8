package transforms

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// This file is EventRouter's table.expand.json.payload: a payload column
// holding JSON text becomes a Connect struct whose schema is inferred from
// the document, as Debezium's JsonSchemaData infers it (read from Debezium
// 3.6.1). The rules, which a consumer sees in the topic's schemas:
//
//   - only text starting with '{' or '[' is parsed (Jackson's readTree: the
//     first JSON value, anything after it ignored; a repeated object key
//     keeps its first position and its last value);
//   - string, boolean: optional string, optional boolean; a number without
//     '.', 'e' or 'E' is an optional int32 when it fits, else an optional
//     int64 when it fits, else an optional float64 (whose value then fails);
//     any other number is an optional float64;
//   - an object is an optional struct named by its path from the payload
//     column ("payload", "payload.address", …), members in document order;
//     a member whose schema is null (a null, or an empty array) is left out;
//   - null is left out (table.json.payload.null.behavior=ignore) or is an
//     optional bytes (optional_bytes);
//   - an array is an optional array of the schema of its first non-null
//     element; its non-null elements must all be of one JSON type (and
//     numbers of one Connect type); an array of objects gets the merge of
//     the distinct element schemas: the members of the first, then the new
//     members of the others, a bytes member replaced by a non-bytes one, and
//     the merged struct (when there were two or more) is not optional, as
//     Kafka's SchemaUtil.copySchemaBasics leaves it.
//
// Debezium merges the distinct element schemas in the iteration order of a
// Java HashSet, which depends on identity hash codes and so changes from one
// JVM to the next; sluice merges them in the order they first appear.

// obJSONNode is a parsed JSON value, keeping what Jackson's JsonNode keeps:
// the number kind (int, long, big integer, double) and object member order.
type obJSONNode struct {
	kind  obJSONKind
	b     bool
	s     string // string value; number literal for obJSONBig
	i     int64
	f     float64
	elems []*obJSONNode // array elements
	keys  []string      // object member names, in order
	vals  []*obJSONNode // object member values
}

type obJSONKind uint8

const (
	obJSONNull obJSONKind = iota
	obJSONBool
	obJSONString
	obJSONInt    // fits an int32: Jackson's IntNode
	obJSONLong   // fits an int64: LongNode
	obJSONBig    // larger integer: BigIntegerNode
	obJSONDouble // any number with a fraction or exponent: DoubleNode
	obJSONArray
	obJSONObject
)

// nodeType is Jackson's JsonNodeType of the kind, the unit of an array's
// homogeneity check.
func (k obJSONKind) nodeType() string {
	switch k {
	case obJSONBool:
		return "BOOLEAN"
	case obJSONString:
		return "STRING"
	case obJSONInt, obJSONLong, obJSONBig, obJSONDouble:
		return "NUMBER"
	case obJSONArray:
		return "ARRAY"
	case obJSONObject:
		return "OBJECT"
	}
	return "NULL"
}

// obParseJSON parses the payload text as Debezium's EventRouter does.
func obParseJSON(text string) (*obJSONNode, error) {
	if !strings.HasPrefix(text, "{") && !strings.HasPrefix(text, "[") {
		if text == "" {
			return nil, errors.New("the payload is empty")
		}
		return nil, fmt.Errorf("Unable to parse payload starting with '%c'", []rune(text)[0])
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	return obReadJSON(dec)
}

func obReadJSON(dec *json.Decoder) (*obJSONNode, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &obJSONNode{kind: obJSONNull}, nil
	case bool:
		return &obJSONNode{kind: obJSONBool, b: t}, nil
	case string:
		return &obJSONNode{kind: obJSONString, s: t}, nil
	case json.Number:
		return obJSONNumber(string(t)), nil
	case json.Delim:
		switch t {
		case '[':
			n := &obJSONNode{kind: obJSONArray}
			for dec.More() {
				e, err := obReadJSON(dec)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
			_, err := dec.Token() // ]
			return n, err
		case '{':
			n := &obJSONNode{kind: obJSONObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := obReadJSON(dec)
				if err != nil {
					return nil, err
				}
				if i := obIndex(n.keys, k); i >= 0 {
					n.vals[i] = v
					continue
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // }
			return n, err
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func obIndex(keys []string, k string) int {
	for i, s := range keys {
		if s == k {
			return i
		}
	}
	return -1
}

// obJSONNumber classifies a number literal as Jackson's parser does.
func obJSONNumber(lit string) *obJSONNode {
	if strings.ContainsAny(lit, ".eE") {
		f, _ := strconv.ParseFloat(lit, 64) // out of range: ±Inf or 0, as Double.parseDouble
		return &obJSONNode{kind: obJSONDouble, f: f, s: lit}
	}
	i, err := strconv.ParseInt(lit, 10, 64)
	switch {
	case err != nil:
		return &obJSONNode{kind: obJSONBig, s: lit}
	case i >= -1<<31 && i < 1<<31:
		return &obJSONNode{kind: obJSONInt, i: i, s: lit}
	default:
		return &obJSONNode{kind: obJSONLong, i: i, s: lit}
	}
}

// The schemas Kafka Connect shares as constants (Schema.OPTIONAL_*_SCHEMA).
var (
	obOptString  = change.Field{Type: change.String, Optional: true}
	obOptBoolean = change.Field{Type: change.Boolean, Optional: true}
	obOptInt32   = change.Field{Type: change.Int32, Optional: true}
	obOptInt64   = change.Field{Type: change.Int64, Optional: true}
	obOptFloat64 = change.Field{Type: change.Float64, Optional: true}
	obOptBytes   = change.Field{Type: change.Bytes, Optional: true}
)

// obJSONSchemaOf infers the Connect schema of n; key is the struct name (""
// is Java's null). A nil schema means the value has none and is left out.
func obJSONSchemaOf(key string, n *obJSONNode, nullAsBytes bool) (*change.Field, error) {
	var f change.Field
	switch n.kind {
	case obJSONString:
		f = obOptString
	case obJSONBool:
		f = obOptBoolean
	case obJSONInt:
		f = obOptInt32
	case obJSONLong:
		f = obOptInt64
	case obJSONBig, obJSONDouble:
		f = obOptFloat64
	case obJSONArray:
		if len(n.elems) == 0 {
			return nil, nil
		}
		elem, err := obJSONArrayElemSchema(key, n, nullAsBytes)
		if err != nil {
			return nil, err
		}
		f = change.Field{Type: change.Array, Optional: true, Elem: elem}
	case obJSONObject:
		f = change.Field{Type: change.Struct, Optional: true, Logical: key}
		prefix := ""
		if strings.TrimSpace(key) != "" {
			prefix = key + "."
		}
		for i, name := range n.keys {
			fs, err := obJSONSchemaOf(prefix+name, n.vals[i], nullAsBytes)
			if err != nil {
				return nil, err
			}
			if fs != nil && (&f).Member(name) < 0 {
				m := *fs
				m.Name = name
				f.Fields = append(f.Fields, m)
			}
		}
	case obJSONNull:
		if !nullAsBytes {
			return nil, nil
		}
		f = obOptBytes
	}
	return &f, nil
}

// obJSONArrayElemSchema is Debezium's toConnectSchemaWithCycles.
func obJSONArrayElemSchema(key string, n *obJSONNode, nullAsBytes bool) (*change.Field, error) {
	sample, err := obJSONFirstElement(n, nullAsBytes)
	if err != nil {
		return nil, err
	}
	if sample.kind != obJSONObject {
		s, err := obJSONSchemaOf("", sample, nullAsBytes)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, errors.New("Array '' has unrecognized member schema.")
		}
		return s, nil
	}
	var distinct []*change.Field
	var seen []string
	for _, e := range n.elems {
		if e.kind != obJSONObject {
			continue
		}
		s, err := obJSONSchemaOf(key, e, nullAsBytes)
		if err != nil {
			return nil, err
		}
		if k := obSchemaKey(s); obIndex(seen, k) < 0 {
			seen = append(seen, k)
			distinct = append(distinct, s)
		}
	}
	var merged *change.Field
	for _, s := range distinct {
		merged = obMergeSchemas(merged, s)
	}
	return merged, nil
}

// obJSONFirstElement returns the first non-null element of an array (a null
// node when there is none), checking that the others are of its type.
func obJSONFirstElement(n *obJSONNode, nullAsBytes bool) (*obJSONNode, error) {
	ref := &obJSONNode{kind: obJSONNull}
	var refSchema *change.Field
	for _, e := range n.elems {
		if e.kind == obJSONNull {
			continue
		}
		if ref.kind == obJSONNull {
			ref = e
		}
		if e.kind.nodeType() != ref.kind.nodeType() {
			return nil, fmt.Errorf("Field is not a homogenous array (%s x %s).", obJSONText(ref), e.kind.nodeType())
		}
		if ref.kind.nodeType() == "NUMBER" {
			if refSchema == nil {
				refSchema, _ = obJSONSchemaOf("", ref, nullAsBytes)
			}
			es, _ := obJSONSchemaOf("", e, nullAsBytes)
			if es.Type != refSchema.Type {
				return nil, fmt.Errorf("Field is not a homogenous array (%s x %s), different number types (Schema{%s} x Schema{%s})",
					obJSONText(ref), obJSONText(e), javaTypeName(refSchema.Type), javaTypeName(es.Type))
			}
		}
	}
	return ref, nil
}

// obJSONText is Jackson's JsonNode.asText, for messages.
func obJSONText(n *obJSONNode) string {
	switch n.kind {
	case obJSONString:
		return n.s
	case obJSONBool:
		return strconv.FormatBool(n.b)
	case obJSONInt, obJSONLong, obJSONBig, obJSONDouble:
		return n.s
	case obJSONNull:
		return "null"
	}
	return ""
}

// obMergeSchemas is Debezium's mergeSchema of two element struct schemas.
func obMergeSchemas(left, right *change.Field) *change.Field {
	if left == nil {
		return right
	}
	fields := append([]change.Field(nil), left.Fields...)
	for _, rf := range right.Fields {
		i := obFieldIndex(fields, rf.Name)
		switch {
		case i < 0:
			fields = append(fields, rf)
		case fields[i].Type == change.Bytes && rf.Type != change.Bytes && obSchemaKey(&fields[i]) != obSchemaKey(&rf):
			fields[i] = rf
		}
	}
	// SchemaUtil.copySchemaBasics: name, version, doc and parameters, not
	// optionality.
	return &change.Field{Type: left.Type, Logical: left.Logical, Version: left.Version, Doc: left.Doc, Params: left.Params, Fields: fields}
}

func obFieldIndex(fs []change.Field, name string) int {
	for i := range fs {
		if fs[i].Name == name {
			return i
		}
	}
	return -1
}

// obJSONBigDecimal is the value Jackson gives an integer too large for an
// int64 (java.math.BigDecimal): no Connect schema accepts it, so the value
// fails to validate against the float64 schema inferred for it, as in
// Debezium.
type obJSONBigDecimal string

// obJSONStructOf is Debezium's toConnectData: the document as a value of the
// struct schema s.
func obJSONStructOf(n *obJSONNode, s *change.Field) (change.StructValue, error) {
	if s == nil {
		return nil, errors.New("the inferred payload schema is null (an empty JSON array)")
	}
	if s.Type != change.Struct {
		return nil, fmt.Errorf("Not a struct schema: %s", obSchemaString(s))
	}
	out := make(change.StructValue, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		j := obIndex(n.keys, f.Name)
		if j < 0 {
			continue
		}
		v, err := obJSONValueOf(n.vals[j], f)
		if err != nil {
			return nil, err
		}
		if err := obValidate(f, v, `field: "`+f.Name+`"`); err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// obJSONValueOf is Debezium's getStructFieldValue.
func obJSONValueOf(n *obJSONNode, s *change.Field) (any, error) {
	switch n.kind {
	case obJSONString:
		return n.s, nil
	case obJSONBool:
		return n.b, nil
	case obJSONDouble:
		return n.f, nil
	case obJSONInt:
		return int32(n.i), nil
	case obJSONLong:
		return n.i, nil
	case obJSONBig:
		return obJSONBigDecimal(n.s), nil
	case obJSONArray:
		if s == nil || s.Type != change.Array || s.Elem == nil {
			return nil, errors.New("an array value where the inferred schema has no array")
		}
		out := make([]any, len(n.elems))
		for i, e := range n.elems {
			v, err := obJSONValueOf(e, s.Elem)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case obJSONObject:
		if s == nil {
			return nil, errors.New("an object value where the inferred schema has none")
		}
		return obJSONStructOf(n, s)
	}
	return nil, nil
}

// obExpandJSON infers the schema of the JSON text and converts it.
// When inference fails, schema is nil and replaced false: the payload stays
// as it is. When inference succeeds but conversion fails, Debezium has
// already replaced the payload's schema and keeps the text as the value:
// replaced is then true and err says why the value failed.
func obExpandJSON(field, text string, nullAsBytes bool) (schema *change.Field, value any, replaced bool, err error) {
	doc, err := obParseJSON(text)
	if err != nil {
		return nil, nil, false, err
	}
	schema, err = obJSONSchemaOf(field, doc, nullAsBytes)
	if err != nil {
		return nil, nil, false, err
	}
	v, err := obJSONStructOf(doc, schema)
	if err != nil {
		return schema, nil, true, err
	}
	return schema, v, true, nil
}
