package schema

import (
	"fmt"
	"math"

	"github.com/sluicecdc/sluice/connectors/change"
)

// avroValue converts v, a value of f in its Connect representation
// (change.Row), to what twmb/avro encodes under f's Avro schema: int32 for
// int8..int32, int64, float32, float64, bool, string, []byte, []any for
// arrays and map[string]any for structs. A struct in an optional field is
// wrapped as a tagged union branch, map[string]any{<record full name>: m},
// so the union never mistakes a one-member record for a tag.
//
// Like Connect's Struct.get, a nil value takes f's default when it has one,
// unless keepNulls (the AvroConverter's ignore.default.for.nullables, which
// reads members with Struct.getWithoutDefault) is set; a nil in a required
// field that is not replaced is an error, as Connect's validation makes it.
func avroValue(f *change.Field, v any, names map[*change.Field]string, keepNulls bool) (any, error) {
	if v == nil {
		switch {
		case f.Default != nil && !keepNulls:
			v = f.Default
		case f.Optional:
			return nil, nil
		default:
			return nil, fmt.Errorf("%w: null in a required %s field without a default", ErrValue, f.Type)
		}
	}
	switch f.Type {
	case change.Boolean:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case change.Int8, change.Int16, change.Int32:
		if x, ok := toInt64(v); ok {
			if x < math.MinInt32 || x > math.MaxInt32 {
				return nil, fmt.Errorf("%w: %d out of range for a %s field", ErrValue, x, f.Type)
			}
			return int32(x), nil
		}
	case change.Int64:
		if x, ok := toInt64(v); ok {
			return x, nil
		}
		if x, ok := v.(uint64); ok {
			return nil, fmt.Errorf("%w: %d out of range for an int64 field", ErrValue, x)
		}
		if x, ok := v.(uint); ok {
			return nil, fmt.Errorf("%w: %d out of range for an int64 field", ErrValue, x)
		}
	case change.Float32:
		switch x := v.(type) {
		case float32:
			return x, nil
		case float64:
			return float32(x), nil
		}
	case change.Float64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
	case change.String:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case change.Bytes:
		if x, ok := v.([]byte); ok {
			return x, nil
		}
	case change.Array:
		if x, ok := v.([]any); ok {
			if f.Elem == nil {
				return nil, fmt.Errorf("%w: array field without an element schema", ErrValue)
			}
			out := make([]any, len(x))
			for i, e := range x {
				var err error
				if out[i], err = avroValue(f.Elem, e, names, keepNulls); err != nil {
					return nil, fmt.Errorf("[%d]: %w", i, err)
				}
			}
			return out, nil
		}
	case change.Struct:
		if x, ok := v.(change.StructValue); ok {
			m, err := avroRecord(f.Fields, x, names, keepNulls)
			if err != nil {
				return nil, err
			}
			if f.Optional {
				name, ok := names[f]
				if !ok {
					return nil, fmt.Errorf("%w: struct schema missing from the Avro schema", ErrValue)
				}
				return map[string]any{name: m}, nil
			}
			return m, nil
		}
	case change.Map:
		entries, ok := mapEntries(v)
		if !ok {
			break
		}
		if f.KeyElem == nil || f.Elem == nil {
			return nil, fmt.Errorf("%w: map schema without a key or value schema", ErrValue)
		}
		if stringKeys(f) {
			m := make(map[string]any, len(entries))
			for _, e := range entries {
				k, ok := e.Key.(string)
				if !ok {
					return nil, fmt.Errorf("%w: %T key in a map with string keys", ErrValue, e.Key)
				}
				x, err := avroValue(f.Elem, e.Value, names, keepNulls)
				if err != nil {
					return nil, fmt.Errorf("[%s]: %w", k, err)
				}
				m[k] = x
			}
			if f.Optional {
				// Tagged, so that a map whose one key names a union
				// branch is not taken for a tag.
				return map[string]any{"map": m}, nil
			}
			return m, nil
		}
		out := make([]any, len(entries))
		for i, e := range entries {
			k, err := avroValue(f.KeyElem, e.Key, names, keepNulls)
			if err != nil {
				return nil, fmt.Errorf("key %v: %w", e.Key, err)
			}
			x, err := avroValue(f.Elem, e.Value, names, keepNulls)
			if err != nil {
				return nil, fmt.Errorf("[%v]: %w", e.Key, err)
			}
			out[i] = map[string]any{"key": k, "value": x}
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%w: unknown schema type %d", ErrValue, f.Type)
	}
	return nil, fmt.Errorf("%w: %T in a %s field", ErrValue, v, f.Type)
}

// avroRecord converts vs, laid out by fields, to a record's map.
func avroRecord(fields []change.Field, vs []any, names map[*change.Field]string, keepNulls bool) (map[string]any, error) {
	if len(vs) != len(fields) {
		return nil, fmt.Errorf("%w: struct value has %d members, its schema %d", ErrValue, len(vs), len(fields))
	}
	m := make(map[string]any, len(fields))
	for i := range fields {
		f := &fields[i]
		x, err := avroValue(f, vs[i], names, keepNulls)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		m[f.Name] = x
	}
	return m, nil
}

// toInt64 returns any Go integer that fits as an int64.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}
