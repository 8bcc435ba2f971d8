package schema

import (
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/sluicecdc/sluice/connectors/change"
)

// appendMap appends v, a value of map schema f, as JsonConverter writes a
// map: a JSON object when the key schema is a string (each key's text as
// the member name), else an array of [key, value] pairs. v is a
// change.MapValue (entries in order) or a map[string]any (keys sorted).
func appendMap(b []byte, f *change.Field, v any, replace bool) ([]byte, error) {
	if f.KeyElem == nil || f.Elem == nil {
		return b, fmt.Errorf("%w: map schema without a key or value schema", ErrValue)
	}
	entries, ok := mapEntries(v)
	if !ok {
		return b, fmt.Errorf("%w: %T in a map field", ErrValue, v)
	}
	object := f.KeyElem.Type == change.String
	if object {
		b = append(b, '{')
	} else {
		b = append(b, '[')
	}
	var err error
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if object {
			k := e.Key
			if k == nil && replace && f.KeyElem.Default != nil {
				k = f.KeyElem.Default
			}
			switch s := k.(type) {
			case string:
				b = appendString(b, s)
			case nil:
				if !f.KeyElem.Optional {
					return b, fmt.Errorf("%w: null key in a map whose key schema is required", ErrValue)
				}
				b = append(b, `"null"`...) // Jackson's NullNode.asText()
			default:
				return b, fmt.Errorf("%w: %T key in a map with string keys", ErrValue, k)
			}
			b = append(b, ':')
			if b, err = appendValueNulls(b, f.Elem, e.Value, replace); err != nil {
				return b, fmt.Errorf("[%v]: %w", e.Key, err)
			}
			continue
		}
		b = append(b, '[')
		if b, err = appendValueNulls(b, f.KeyElem, e.Key, replace); err != nil {
			return b, fmt.Errorf("key %v: %w", e.Key, err)
		}
		b = append(b, ',')
		if b, err = appendValueNulls(b, f.Elem, e.Value, replace); err != nil {
			return b, fmt.Errorf("[%v]: %w", e.Key, err)
		}
		b = append(b, ']')
	}
	if object {
		return append(b, '}'), nil
	}
	return append(b, ']'), nil
}

// mapEntries returns the entries of a map value: a change.MapValue as it
// is, a map[string]any sorted by key.
func mapEntries(v any) (change.MapValue, bool) {
	switch m := v.(type) {
	case change.MapValue:
		return m, true
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make(change.MapValue, len(keys))
		for i, k := range keys {
			out[i] = change.MapEntry{Key: k, Value: m[k]}
		}
		return out, true
	}
	return nil, false
}

// appendSchemaless appends v, a value without a Connect schema, as
// JsonConverter writes one (convertToJson with a null schema): the type is
// the value's own; a map is an object when every key is a string, else an
// array of [key, value] pairs. A struct cannot be written without its
// schema (Kafka Connect fails it with "Mismatching schema.").
func appendSchemaless(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case float32:
		return appendJavaFloat(b, float64(x), 32), nil
	case float64:
		return appendJavaFloat(b, x, 64), nil
	case string:
		return appendString(b, x), nil
	case []byte:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendSchemaless(b, e); err != nil {
				return b, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return append(b, ']'), nil
	case map[string]any, change.MapValue:
		entries, _ := mapEntries(x)
		object := true
		for _, e := range entries {
			if _, ok := e.Key.(string); !ok {
				object = false
				break
			}
		}
		if object {
			b = append(b, '{')
		} else {
			b = append(b, '[')
		}
		for i, e := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if object {
				b = appendString(b, e.Key.(string))
				b = append(b, ':')
			} else {
				b = append(b, '[')
				if b, err = appendSchemaless(b, e.Key); err != nil {
					return b, err
				}
				b = append(b, ',')
			}
			if b, err = appendSchemaless(b, e.Value); err != nil {
				return b, fmt.Errorf("[%v]: %w", e.Key, err)
			}
			if !object {
				b = append(b, ']')
			}
		}
		if object {
			return append(b, '}'), nil
		}
		return append(b, ']'), nil
	case change.StructValue:
		return b, fmt.Errorf("%w: a struct value without its schema (Kafka Connect: Mismatching schema.)", ErrValue)
	}
	if b, ok := appendInt(b, v); ok {
		return b, nil
	}
	return b, fmt.Errorf("%w: %T has no Connect schema type", ErrValue, v)
}
