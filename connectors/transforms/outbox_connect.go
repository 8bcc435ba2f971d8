package transforms

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// This file holds the pieces of Kafka Connect's data API that EventRouter
// leans on (Struct's getters and put validation, Schema equality and
// toString), with the exception texts Kafka Connect writes.

// obLookup is Struct.lookupField: the index of member name of struct schema s.
func obLookup(s *change.Field, name string) (int, error) {
	if i := s.Member(name); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("%s is not a valid field name", name)
}

// obGet is Struct.get(name): the member's value, or its schema's default
// when the value is null.
func obGet(s *change.Field, v change.StructValue, name string) (any, error) {
	i, err := obLookup(s, name)
	if err != nil {
		return nil, err
	}
	var val any
	if i < len(v) {
		val = v[i]
	}
	if val == nil {
		val = s.Fields[i].Default
	}
	return val, nil
}

// obGetTyped is Struct.getString/getInt32/getInt64: the member's value as
// stored (no default), after checking the member's type.
func obGetTyped(s *change.Field, v change.StructValue, name string, t change.Type) (any, error) {
	i, err := obLookup(s, name)
	if err != nil {
		return nil, err
	}
	if s.Fields[i].Type != t {
		return nil, fmt.Errorf("Field '%s' is not of type %s", name, javaTypeName(t))
	}
	if i < len(v) {
		return v[i], nil
	}
	return nil, nil
}

// obInt64 reads an integer of any width.
func obInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// obSchemaString is ConnectSchema.toString.
func obSchemaString(s *change.Field) string {
	if s.Logical != "" {
		return "Schema{" + s.Logical + ":" + javaTypeName(s.Type) + "}"
	}
	return "Schema{" + javaTypeName(s.Type) + "}"
}

// obClassName is javaClassName, with EventRouter's own representations:
// a Go int (a JSON number it parsed) is the java.lang.Long Jackson makes of
// it, and an obJSONBigDecimal a java.math.BigDecimal.
func obClassName(v any) string {
	switch v.(type) {
	case int:
		return "java.lang.Long"
	case obJSONBigDecimal:
		return "java.math.BigDecimal"
	}
	return javaClassName(v)
}

// obValidate is ConnectSchema.validateValue: location is
// `field: "name"` or "value". Unlike Struct.put's check (checkPut), it
// descends into arrays, as validateValue does for a whole value.
func obValidate(s *change.Field, v any, location string) error {
	if msg := invalidValue(s, v, location, obClassName); msg != "" {
		return errors.New(msg)
	}
	if s.Type == change.Array && s.Elem != nil {
		for _, e := range v.([]any) {
			if err := obValidate(s.Elem, e, "element of array "+location); err != nil {
				return err
			}
		}
	}
	return nil
}

// obSchemaKey is a canonical text of a Connect schema: two schemas have the
// same key exactly when ConnectSchema.equals holds between them (type,
// optionality, default, name, version, doc, parameters, members, key and
// value schemas).
func obSchemaKey(s *change.Field) string {
	var b strings.Builder
	obWriteSchemaKey(&b, s)
	return b.String()
}

func obWriteSchemaKey(b *strings.Builder, s *change.Field) {
	if s == nil {
		b.WriteString("nil")
		return
	}
	fmt.Fprintf(b, "{%d,%t,%q,%d,%q,%#v,[", s.Type, s.Optional, s.Logical, s.Version, s.Doc, s.Default)
	for _, p := range s.Params {
		fmt.Fprintf(b, "%q=%q,", p.Key, p.Value)
	}
	b.WriteString("],[")
	for i := range s.Fields {
		fmt.Fprintf(b, "%q:", s.Fields[i].Name)
		obWriteSchemaKey(b, &s.Fields[i])
		b.WriteByte(',')
	}
	b.WriteString("],")
	obWriteSchemaKey(b, s.KeyElem)
	b.WriteByte(',')
	obWriteSchemaKey(b, s.Elem)
	b.WriteByte('}')
}

// obJavaString is String.valueOf(v) as Java prints Connect values (a Struct
// as Struct{a=1,b=x}, skipping null members), for messages.
func obJavaString(s *change.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return obJavaDouble(float64(x))
	case float64:
		return obJavaDouble(x)
	case change.StructValue:
		var b strings.Builder
		b.WriteString("Struct{")
		first := true
		for i, m := range x {
			if m == nil || s == nil || i >= len(s.Fields) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(s.Fields[i].Name + "=" + obJavaString(&s.Fields[i], m))
		}
		return b.String() + "}"
	}
	if n, ok := obInt64(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprint(v)
}

// obJavaDouble is Double.toString for the common cases.
func obJavaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	m, e, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	if !strings.Contains(m, ".") {
		m += ".0"
	}
	exp, _ := strconv.Atoi(e)
	return m + "E" + strconv.Itoa(exp)
}
