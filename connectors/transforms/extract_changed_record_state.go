package transforms

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// ChangedClass is Debezium's ExtractChangedRecordState: on every change
// event it adds headers listing the row's changed and unchanged columns
// (comparing before and after; both lists are empty unless the event has
// both), for ExtractNewRecordState's drop.fields.header.name or
// HeaderToValue to use. Other records pass unchanged.
const ChangedClass = "io.debezium.transforms.ExtractChangedRecordState"

func init() {
	Register(Plugin{Class: ChangedClass, Kind: KindTransformation, Version: DebeziumVersion, Keys: changedStateKeys, New: newChangedState})
}

var changedStateKeys = []configdef.Key{
	{Name: "header.changed.name", Type: configdef.String, Importance: configdef.Low,
		Doc:   "Specify the header changed name, default is null which means not send changes to header.",
		Order: 1, Width: configdef.WidthLong, Display: "Header change name."},
	{Name: "header.unchanged.name", Type: configdef.String, Importance: configdef.Low,
		Doc:   "Specify the header unchanged name of schema, default is null which means not send changes to header.",
		Order: 1, Width: configdef.WidthLong, Display: "Header unchanged name."},
}

type changedState struct {
	changedName, unchangedName     string
	changedSchema, unchangedSchema *change.Field
	shared                         dbzSharedHeaders // headers of a delete, for its tombstone
}

func newChangedState(c *Config) (Transform, error) {
	t := &changedState{changedName: c.String("header.changed.name", ""), unchangedName: c.String("header.unchanged.name", "")}
	// Each header is an optional array of optional strings named after the
	// header.
	list := func(name string) *change.Field {
		return &change.Field{Type: change.Array, Optional: true, Logical: name, Elem: &change.Field{Type: change.String, Optional: true}}
	}
	t.changedSchema, t.unchangedSchema = list(t.changedName), list(t.unchangedName)
	return t, nil
}

func (t *changedState) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil {
		if hs := t.shared.forTombstone(r); len(hs) > 0 {
			out := *r
			out.Headers = append(slices.Clip(r.Headers), hs...)
			return &out, nil
		}
		return r, nil
	}
	if !dbzIsEnvelope(r) {
		t.shared.added(r, nil)
		return r, nil
	}
	ev, err := dbzRequireStruct(r.Value, "Record value should be struct.")
	if err != nil {
		return nil, err
	}
	env := r.ValueSchema
	ai, as := dbzMember(env, "after")
	bi, bs := dbzMember(env, "before")
	if as == nil {
		return nil, fmt.Errorf("after is not a valid field name")
	}
	if bs == nil {
		return nil, fmt.Errorf("before is not a valid field name")
	}
	changedNames, unchangedNames := []any{}, []any{}
	after, before := dbzGetDefault(env, ev, ai), dbzGetDefault(env, ev, bi)
	if after != nil && before != nil {
		av, err := dbzRequireStruct(after, "After value should be struct.")
		if err != nil {
			return nil, err
		}
		bv, err := dbzRequireStruct(before, "Before value should be struct.")
		if err != nil {
			return nil, err
		}
		for i := range as.Fields {
			m := &as.Fields[i]
			j := bs.Member(m.Name)
			if j < 0 {
				return nil, fmt.Errorf("%s is not a valid field name", m.Name)
			}
			if dbzEquals(m, dbzGet(av, i), dbzGet(bv, j)) {
				unchangedNames = append(unchangedNames, m.Name)
			} else {
				changedNames = append(changedNames, m.Name)
			}
		}
	}
	var hs []change.RecordHeader
	if strings.TrimSpace(t.changedName) != "" {
		hs = append(hs, change.RecordHeader{Key: t.changedName, Schema: t.changedSchema, Value: changedNames})
	}
	if strings.TrimSpace(t.unchangedName) != "" {
		hs = append(hs, change.RecordHeader{Key: t.unchangedName, Schema: t.unchangedSchema, Value: unchangedNames})
	}
	t.shared.added(r, hs)
	if len(hs) == 0 {
		return r, nil
	}
	out := *r
	out.Headers = append(slices.Clip(r.Headers), hs...)
	return &out, nil
}

// dbzEquals compares two values of schema s as Java's Objects.equals
// compares the objects Kafka Connect holds them in: a Decimal is a
// BigDecimal (equal when the numbers are), a float a Float or Double
// (equal bit for bit, all NaNs alike), bytes a ByteBuffer (equal by
// content; Debezium wraps binary columns so) but Debezium's Bits a byte[],
// equal only to itself (so a non-null bit(n) column always counts as
// changed, as the real Connect shows), a struct a Struct (member by member,
// with Arrays.deepEquals: byte arrays in it by content).
func dbzEquals(s *change.Field, a, b any) bool { return dbzEqualsIn(s, a, b, false) }

// dbzEqualsIn is dbzEquals; deep is set inside a struct.
func dbzEqualsIn(s *change.Field, a, b any, deep bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		if !ok {
			return false
		}
		if s != nil && s.Logical == "org.apache.kafka.connect.data.Decimal" {
			return dbzSignedBig(x).Cmp(dbzSignedBig(y)) == 0
		}
		if s != nil && s.Logical == "io.debezium.data.Bits" && !deep {
			return false // two byte[] objects
		}
		return bytes.Equal(x, y)
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	case float32:
		y, ok := b.(float32)
		return ok && (math.Float32bits(x) == math.Float32bits(y) || x != x && y != y)
	case change.StructValue:
		y, ok := b.(change.StructValue)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			var m *change.Field
			if s != nil && i < len(s.Fields) {
				m = &s.Fields[i]
			}
			if !dbzEqualsIn(m, x[i], y[i], true) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		var e *change.Field
		if s != nil {
			e = s.Elem
		}
		for i := range x {
			if !dbzEquals(e, x[i], y[i]) {
				return false
			}
		}
		return true
	case change.MapValue:
		y, ok := b.(change.MapValue)
		if !ok || len(x) != len(y) {
			return false
		}
		var ke, ve *change.Field
		if s != nil {
			ke, ve = s.KeyElem, s.Elem
		}
		for _, ex := range x {
			found := false
			for _, ey := range y {
				if dbzEquals(ke, ex.Key, ey.Key) {
					found = dbzEquals(ve, ex.Value, ey.Value)
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return a == b
}

// dbzSignedBig reads big-endian two's complement bytes (a Decimal's unscaled
// value).
func dbzSignedBig(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}
