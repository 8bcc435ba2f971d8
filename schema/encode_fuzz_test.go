package schema

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/sluicecdc/sluice/connectors/change"
)

// fuzzTable has a column of each kind the encoders write differently:
// integers of every width, floats, booleans, bytes, strings, Connect's
// Decimal, Date and Timestamp, Debezium's VariableScaleDecimal and
// ZonedTimestamp, an array and an optional struct.
func fuzzTable() *change.TableSchema {
	vsd := change.Field{Type: change.Struct, Optional: true, Logical: "io.debezium.data.VariableScaleDecimal", Version: 1,
		Doc: "Variable scaled decimal", Fields: []change.Field{{Name: "scale", Type: change.Int32}, {Name: "value", Type: change.Bytes}}}
	cols := []change.Field{
		{Name: "k", Type: change.Int64},
		{Name: "s", Type: change.String},
		{Name: "i8", Type: change.Int8, Optional: true},
		{Name: "i16", Type: change.Int16, Default: int16(7)},
		{Name: "i32", Type: change.Int32, Optional: true},
		{Name: "f", Type: change.Float32, Optional: true},
		{Name: "d", Type: change.Float64},
		{Name: "b", Type: change.Boolean, Default: true},
		{Name: "raw", Type: change.Bytes, Optional: true},
		{Name: "dec", Type: change.Bytes, Optional: true, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
			Params: []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}},
		{Name: "day", Type: change.Int32, Optional: true, Logical: "io.debezium.time.Date", Version: 1},
		{Name: "cday", Type: change.Int32, Optional: true, Logical: connectDate, Version: 1},
		{Name: "ts", Type: change.Int64, Optional: true, Logical: "io.debezium.time.MicroTimestamp", Version: 1},
		{Name: "zts", Type: change.String, Optional: true, Logical: "io.debezium.time.ZonedTimestamp", Version: 1},
		{Name: "tags", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String, Optional: true}},
		{Name: "num", Type: vsd.Type, Optional: true, Logical: vsd.Logical, Version: 1, Doc: vsd.Doc, Fields: vsd.Fields},
		{Name: "one", Type: change.Struct, Optional: true, Logical: "io.example.One",
			Fields: []change.Field{{Name: "null", Type: change.String, Optional: true}, {Name: "n", Type: change.Int64}}},
	}
	return &change.TableSchema{ID: change.TableID{Namespace: "public", Name: "fz"}, Version: 1, Columns: cols, Key: []int{0, 1}}
}

// fuzzBytes hands out a fuzz input's bytes; past the end it gives zeros.
type fuzzBytes []byte

func (b *fuzzBytes) take(n int) []byte {
	out := make([]byte, n)
	copy(out, *b)
	*b = (*b)[min(n, len(*b)):]
	return out
}

func (b *fuzzBytes) byte() byte { return b.take(1)[0] }

// bytesOf takes a length byte, then that many bytes.
func (b *fuzzBytes) bytesOf() []byte { return b.take(int(b.byte() % 40)) }

// fuzzValue returns a value of field fd, read from b: null for an optional
// field when the first byte says so, else a value of the field's type.
func fuzzValue(fd *change.Field, b *fuzzBytes) any {
	if fd.Optional && b.byte()%5 == 0 {
		return nil
	}
	switch fd.Type {
	case change.Int8:
		return int8(b.byte())
	case change.Int16:
		return int16(binary.LittleEndian.Uint16(b.take(2)))
	case change.Int32:
		return int32(binary.LittleEndian.Uint32(b.take(4)))
	case change.Int64:
		return int64(binary.LittleEndian.Uint64(b.take(8)))
	case change.Float32:
		return math.Float32frombits(binary.LittleEndian.Uint32(b.take(4)))
	case change.Float64:
		return math.Float64frombits(binary.LittleEndian.Uint64(b.take(8)))
	case change.Boolean:
		return b.byte()&1 == 1
	case change.Bytes:
		return b.bytesOf()
	case change.String:
		return string(b.bytesOf())
	case change.Array:
		n := int(b.byte() % 4)
		arr := make([]any, n)
		for i := range arr {
			arr[i] = fuzzValue(fd.Elem, b)
		}
		return arr
	case change.Struct:
		sv := make(change.StructValue, len(fd.Fields))
		for i := range fd.Fields {
			sv[i] = fuzzValue(&fd.Fields[i], b)
		}
		return sv
	}
	panic("fuzzValue: no case for " + fd.Type.String())
}

// fuzzRow reads a row of t from b.
func fuzzRow(t *change.TableSchema, b *fuzzBytes) change.Row {
	row := make(change.Row, len(t.Columns))
	for i := range t.Columns {
		row[i] = fuzzValue(&t.Columns[i], b)
	}
	return row
}

// fuzzOps are the ops a fuzz input picks from.
var fuzzOps = []change.Op{change.OpCreate, change.OpUpdate, change.OpDelete, change.OpRead}

// FuzzEncoders encodes change events of fuzzed values with the JSON
// encoder and the Avro encoder (an in-memory registry, srfake). Neither may
// panic or fail on values of the columns' types; every JSON key and value
// is valid JSON, and every Avro key and value decodes with the schema the
// registry holds for its id, leaving no bytes, with the key (k, s) as given.
func FuzzEncoders(f *testing.F) {
	tbl := fuzzTable()
	// Seeds: zeros (nulls), ones, REFERENCE §2-like bytes, NaN and the
	// infinities, and invalid UTF-8 in the strings.
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte(strings.Repeat("\x01", 200)))
	f.Add(uint8(2), []byte(strings.Repeat("\xff", 200)))
	f.Add(uint8(3), []byte("\x07\x00\x00\x00\x00\x00\x00\x00\x04Anne\x01\x05\x01\x2c\x01\x01\x00\x00\x7f\x01\x00\x00\xc0\x7f\x00\x00\x00\x00\x00\x00\xf0\x7f\x01\x01\x03\x00\x01\xff\x01\x02\x30\x39"))
	f.Add(uint8(1), []byte("\x01\x00\x00\x00\x00\x00\x00\x00\x03a\xffb\x01\x80\x01\x00\x01\xe0\x01\x00\x00\x80\xff\x00\x00\x00\x00\x00\x00\xf8\xff\x01\x01\x05\"<\\\n\x00"))

	j := NewJSON(JSONOptions{TopicPrefix: "fz", KeySchemas: true, ValueSchemas: true, Tombstones: true, Now: fixedNow})
	reg := srfake.New()
	f.Cleanup(reg.Close)
	r, err := NewRegistry(RegistryOptions{URLs: []string{reg.URL()}, RetryFor: time.Second,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	a, err := NewAvro(AvroOptions{TopicPrefix: "fz", Tombstones: true, Now: fixedNow, KeyRegistry: r, ValueRegistry: r})
	if err != nil {
		f.Fatal(err)
	}
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		f.Fatal(err)
	}
	schemas := map[int]*avro.Schema{}
	decode := func(t *testing.T, what string, b []byte) any {
		t.Helper()
		var h sr.ConfluentHeader
		id, rest, err := h.DecodeID(b)
		if err != nil {
			t.Fatalf("%s: wire header of %x: %v", what, b, err)
		}
		s := schemas[id]
		if s == nil {
			ss, err := cl.SchemaByID(context.Background(), id)
			if err != nil {
				t.Fatalf("%s: schema %d from the registry: %v", what, id, err)
			}
			if s, err = avro.Parse(ss.Schema); err != nil {
				t.Fatalf("%s: parse schema %d: %v", what, id, err)
			}
			schemas[id] = s
		}
		var v any
		rest, err = s.Decode(rest, &v)
		if err != nil {
			t.Fatalf("%s: decode with schema %d: %v", what, id, err)
		}
		if len(rest) != 0 {
			t.Fatalf("%s: %d bytes left after the datum", what, len(rest))
		}
		return v
	}

	f.Fuzz(func(t *testing.T, op uint8, data []byte) {
		b := fuzzBytes(data)
		ev := event(tbl, fuzzOps[int(op)%len(fuzzOps)], nil, nil)
		switch ev.Op {
		case change.OpDelete:
			ev.Before = fuzzRow(tbl, &b)
		case change.OpUpdate:
			ev.Before = fuzzRow(tbl, &b)
			ev.After = fuzzRow(tbl, &b)
		default:
			ev.After = fuzzRow(tbl, &b)
		}
		img := ev.After
		if img == nil {
			img = ev.Before
		}

		msgs, err := j.Encode(nil, ev)
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		for i, m := range msgs {
			for _, part := range [][]byte{m.Key, m.Value} {
				if part != nil && !json.Valid(part) {
					t.Fatalf("JSON message %d: not valid JSON: %q", i, part)
				}
			}
		}
		j.Recycle()

		msgs, err = a.Encode(nil, ev)
		if err != nil {
			t.Fatalf("Avro: %v", err)
		}
		for i, m := range msgs {
			key, ok := decode(t, "key", m.Key).(map[string]any)
			if !ok || key["k"] != img[0] || key["s"] != img[1] {
				t.Fatalf("Avro message %d: key %#v, want k %d, s %q", i, key, img[0], img[1])
			}
			if m.Value != nil {
				if _, ok := decode(t, "value", m.Value).(map[string]any); !ok {
					t.Fatalf("Avro message %d: value is not a record", i)
				}
			}
		}
		a.Recycle()
	})
}
