package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func rawHeaders(kv ...string) []change.RecordHeader {
	var hs []change.RecordHeader
	for i := 0; i < len(kv); i += 2 {
		hs = append(hs, change.RecordHeader{Key: kv[i], Raw: []byte(kv[i+1])})
	}
	return hs
}

func TestFilterDropsEveryRecord(t *testing.T) {
	f := mustTransform(t, kafkaTransforms+"Filter", nil)
	for _, r := range []*change.Record{{Topic: "a", Value: "x"}, {Topic: "a"}} {
		if out, err := f.Apply(r); out != nil || err != nil {
			t.Errorf("Filter(%+v) = %+v, %v; want nil, nil", r, out, err)
		}
	}
	// With a negated predicate: only tombstones pass.
	ch, err := Parse(map[string]string{
		"transforms": "f", "transforms.f.type": kafkaTransforms + "Filter",
		"transforms.f.predicate": "tomb", "transforms.f.negate": "true",
		"predicates": "tomb", "predicates.tomb.type": kafkaPredicates + "RecordIsTombstone",
	})
	if err != nil {
		t.Fatal(err)
	}
	tomb := &change.Record{Topic: "a", Key: int32(1)}
	if out, _ := ch.Apply(tomb); out != tomb {
		t.Errorf("tombstone dropped: %+v", out)
	}
	if out, _ := ch.Apply(&change.Record{Topic: "a", Value: int32(1)}); out != nil {
		t.Errorf("data record kept: %+v", out)
	}
}

func TestDropHeaders(t *testing.T) {
	d := mustTransform(t, kafkaTransforms+"DropHeaders", map[string]string{"headers": "a, c"})
	in := &change.Record{Topic: "t", Value: "v", Headers: rawHeaders("a", "1", "b", "2", "a", "3", "c", "4", "d", "5")}
	orig := append([]change.RecordHeader(nil), in.Headers...)
	out, err := d.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := rawHeaders("b", "2", "d", "5"); !reflect.DeepEqual(out.Headers, want) {
		t.Errorf("headers = %v, want %v", out.Headers, want)
	}
	if !reflect.DeepEqual(in.Headers, orig) {
		t.Errorf("the input's headers changed: %v", in.Headers)
	}
	none := &change.Record{Topic: "t", Headers: rawHeaders("b", "1")}
	if out, _ := d.Apply(none); out != none {
		t.Errorf("no header to drop: got a new record")
	}
}

func TestInsertHeader(t *testing.T) {
	in := &change.Record{Topic: "t", Value: "v", Headers: rawHeaders("a", "1")[:1:1]}
	tr := mustTransform(t, kafkaTransforms+"InsertHeader", map[string]string{"header": "h", "value.literal": "300"})
	out, err := tr.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []change.RecordHeader{{Key: "a", Raw: []byte("1")}, {Key: "h", Schema: &change.Field{Type: change.Int16}, Value: int16(300)}}
	if !reflect.DeepEqual(out.Headers, want) {
		t.Errorf("headers = %+v, want %+v", out.Headers, want)
	}
	if len(in.Headers) != 1 || out.Value != "v" || out.Topic != "t" {
		t.Errorf("input changed or record altered: in %+v out %+v", in, out)
	}
}

// TestParseConnectLiteral holds what Kafka Connect 4.3.0's
// Values.parseString returned for each literal (schema type and value, read
// with jshell against connect-api-4.3.0.jar).
func TestParseConnectLiteral(t *testing.T) {
	f := func(typ change.Type) *change.Field { return &change.Field{Type: typ} }
	for _, c := range []struct {
		in     string
		schema *change.Field
		value  any
	}{
		{"", f(change.String), ""},
		{" ", f(change.String), " "},
		{"null", nil, nil},
		{" null ", nil, nil},
		{"true", f(change.Boolean), true},
		{"TRUE", f(change.String), "TRUE"},
		{" false ", f(change.Boolean), false},
		{"42", f(change.Int8), int8(42)},
		{"007", f(change.Int8), int8(7)},
		{"-5", f(change.Int8), int8(-5)},
		{"+5", f(change.Int8), int8(5)},
		{"300", f(change.Int16), int16(300)},
		{"70000", f(change.Int32), int32(70000)},
		{"3000000000", f(change.Int64), int64(3000000000)},
		{"99999999999999999999", &change.Field{Type: change.Bytes, Logical: connectDecimalName, Version: 1, Params: []change.Param{{Key: "scale", Value: "0"}}},
			change.Decimal{Digits: "99999999999999999999"}.UnscaledBytes()},
		{"1.50", f(change.Float32), float32(1.5)},
		{"0.1", f(change.Float32), float32(0.1)},
		{"1e3", f(change.Int16), int16(1000)},
		{"1.5e300", f(change.Float64), 1.5e300},
		{"12:30", f(change.Int8), int8(12)},
		{"a,b", f(change.String), "a,b"},
		{"hello world", f(change.String), "hello world"},
		{"{a:1}", f(change.String), "{a:1}"},
		{"2024-01-02", &change.Field{Type: change.Int32, Logical: connectDateName, Version: 1}, int32(19724)},
		{"10:11:12.123Z", &change.Field{Type: change.Int32, Logical: connectTimeName, Version: 1}, int32(36672123)},
		{"2024-01-02T10:11:12.123Z", &change.Field{Type: change.Int64, Logical: connectTimestampName, Version: 1}, int64(1704190272123)},
		{`"x"`, f(change.String), `"x"`},
		{"1 2", f(change.String), "1 2"},
		{"x:y", f(change.String), "x:y"},
		{"abc]", f(change.String), "abc]"},
		{"-", f(change.String), "-"},
		{"1.", f(change.Int8), int8(1)},
		{".5", f(change.String), ".5"},
		{"NaN", f(change.String), "NaN"},
	} {
		s, v := parseConnectLiteral(c.in)
		if !reflect.DeepEqual(s, c.schema) || !reflect.DeepEqual(v, c.value) {
			t.Errorf("parseConnectLiteral(%q) = %+v %#v, want %+v %#v", c.in, s, v, c.schema, c.value)
		}
	}
}

func TestHeaderTransformsBadConfig(t *testing.T) {
	for _, c := range []struct {
		class string
		opts  map[string]string
		want  string
	}{
		{"DropHeaders", nil, `Missing required configuration "transforms.t.headers" which has no default value.`},
		{"DropHeaders", map[string]string{"headers": ""}, "Invalid value  for configuration transforms.t.headers: Empty list"},
		{"InsertHeader", map[string]string{"value.literal": "x"}, `Missing required configuration "transforms.t.header" which has no default value.`},
		{"InsertHeader", map[string]string{"header": "h"}, `Missing required configuration "transforms.t.value.literal" which has no default value.`},
	} {
		_, err := transform(t, kafkaTransforms+c.class, c.opts)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s %v: err = %v, want it to start with %q", c.class, c.opts, err, c.want)
		}
	}
	if _, err := transform(t, kafkaTransforms+"InsertHeader", map[string]string{"header": "", "value.literal": ""}); err != nil {
		t.Errorf("empty header name and literal are allowed (NonNullValidator): %v", err)
	}
}
