package transforms

import (
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestExtractChangedRecordState(t *testing.T) {
	list := func(name string) *change.Field {
		return &change.Field{Type: change.Array, Optional: true, Logical: name, Elem: &dbzOptString}
	}
	both := map[string]string{"header.changed.name": "changed", "header.unchanged.name": "unchanged"}
	headers := func(changed, unchanged []any) []change.RecordHeader {
		return []change.RecordHeader{{Key: "src", Raw: []byte("x")},
			{Key: "changed", Schema: list("changed"), Value: changed}, {Key: "unchanged", Schema: list("unchanged"), Value: unchanged}}
	}
	for _, c := range []struct {
		name    string
		opts    map[string]string
		in      *change.Record
		headers []change.RecordHeader // nil: the input record itself comes back
	}{
		// Bytes compare by content (Debezium wraps binary columns in a
		// ByteBuffer).
		{"update", both, fxEvent("u", fxRow1, change.StructValue{int32(1), "apple", int32(4), []byte{1, 2}}, nil),
			headers([]any{"qty"}, []any{"id", "name", "data"})},
		{"update of bytes and a null", both, fxEvent("u", fxRow1, change.StructValue{int32(1), nil, int32(3), []byte{1, 3}}, nil),
			headers([]any{"name", "data"}, []any{"id", "qty"})},
		// Inserts and deletes get empty lists.
		{"insert", both, fxEvent("c", nil, fxRow1, nil), headers([]any{}, []any{})},
		{"delete", both, fxEvent("d", fxRow1, nil, nil), headers([]any{}, []any{})},
		{"only changed", map[string]string{"header.changed.name": "changed"}, fxEvent("u", fxRow1, fxRow1b, nil),
			[]change.RecordHeader{{Key: "src", Raw: []byte("x")}, {Key: "changed", Schema: list("changed"), Value: []any{"qty"}}}},
		{"blank names", map[string]string{"header.changed.name": " "}, fxEvent("u", fxRow1, fxRow1b, nil), nil},
		{"tombstone", both, fxTombstone(), nil},
		{"heartbeat", both, fxOther("io.debezium.connector.common.Heartbeat"), nil},
	} {
		tr, err := configureTransform(ChangedClass, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dbzApplyUnchangedInput(t, tr, c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.headers == nil {
			if got != c.in {
				t.Errorf("%s: got %+v, want the input", c.name, got)
			}
			continue
		}
		want := *c.in
		want.Headers = c.headers
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got.Headers, want.Headers)
		}
	}
}

func TestDbzEquals(t *testing.T) {
	dec := &change.Field{Type: change.Bytes, Logical: "org.apache.kafka.connect.data.Decimal"}
	bits := &change.Field{Type: change.Bytes, Logical: "io.debezium.data.Bits", Version: 1}
	withBits := &change.Field{Type: change.Struct, Fields: []change.Field{*bits}}
	for _, c := range []struct {
		s    *change.Field
		a, b any
		want bool
	}{
		{dec, []byte{0xff}, []byte{0xff, 0xff}, true}, // -1 either way
		{dec, []byte{0x01}, []byte{0x00, 0x01}, true},
		{dec, []byte{0xff}, []byte{0x00, 0xff}, false}, // -1 and 255
		{nil, 0.0, dbzNegZero(), false},                // Double.equals tells 0.0 from -0.0
		{nil, dbzNaN(), dbzNaN(), true},
		{nil, change.StructValue{int32(1), []byte{1}}, change.StructValue{int32(1), []byte{1}}, true},
		{nil, []any{"a"}, []any{"b"}, false},
		{nil, nil, "x", false},
		{&change.Field{Type: change.Bytes}, []byte{1}, []byte{1}, true},                // bytea: a ByteBuffer
		{bits, []byte{1}, []byte{1}, false},                                            // bit(n): a byte[]
		{withBits, change.StructValue{[]byte{1}}, change.StructValue{[]byte{1}}, true}, // deepEquals in a Struct
		{nil, int64(1), int32(1), false},
	} {
		if got := dbzEquals(c.s, c.a, c.b); got != c.want {
			t.Errorf("dbzEquals(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
