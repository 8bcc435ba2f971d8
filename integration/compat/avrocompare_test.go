package compat

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// The two normalizations compareAvroWithJSON applies to both sides before
// comparing them as compareSides does; they need no server, so their test
// runs with the unit tests.

// jsonPayload returns the payload of a JSON-with-schemas key or value, or
// b itself when it has no {"schema","payload"} wrapper (nil for nil or a
// null payload).
func jsonPayload(b []byte) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 2 || m["schema"] == nil || m["payload"] == nil {
		return b, nil //nolint:nilerr // not a wrapper: the payload itself
	}
	if string(m["payload"]) == "null" {
		// A null under an optional schema: the AvroConverter writes a
		// null record value for it.
		return nil, nil
	}
	return m["payload"], nil
}

// canonicalNumbers rewrites every number of a JSON text whose value is an
// integer in the int64 range as that integer: JsonConverter writes a
// float64 of 16777216 as 1.6777216E7, the decoded Avro double as 16777216.
// The number's type is the schema's, which the registry holds; here only
// values are compared.
func canonicalNumbers(b []byte) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	v, err := parseJSON(b)
	if err != nil {
		return nil, err
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case json.Number:
			if _, err := x.Int64(); err == nil {
				return x
			}
			if f, err := x.Float64(); err == nil && f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
				return json.Number(strconv.FormatInt(int64(f), 10))
			}
		}
		return v
	}
	return json.Marshal(walk(v))
}

func TestAvroCompareNormalizes(t *testing.T) {
	payloads := []struct{ in, want string }{
		{`{"schema":{"type":"int32"},"payload":5}`, `5`},
		{`{"schema":{"type":"struct","optional":true},"payload":null}`, ``}, // null value
		{`{"id":1}`, `{"id":1}`},                                            // schemaless: itself
		{`{"schema":null,"payload":{"a":1},"x":2}`, `{"schema":null,"payload":{"a":1},"x":2}`},
	}
	for _, c := range payloads {
		got, err := jsonPayload([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("jsonPayload(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	numbers := []struct{ in, want string }{
		{`{"f":1.6777216E7,"g":1000.0,"h":[9.36E10]}`, `{"f":16777216,"g":1000,"h":[93600000000]}`},
		{`{"f":1.5,"i":-9223372036854775808,"s":"1.0E1"}`, `{"f":1.5,"i":-9223372036854775808,"s":"1.0E1"}`},
		{`{"big":9.3E18,"nan":"NaN"}`, `{"big":9.3E18,"nan":"NaN"}`}, // beyond int64: as written
		{`-9.223372E18`, `-9223372000000000000`},
	}
	for _, c := range numbers {
		got, err := canonicalNumbers([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("canonicalNumbers(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}
