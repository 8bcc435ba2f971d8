package transforms

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestPartitionHashesMatchDebezium checks the java and murmur hashes of
// values of every Connect type, and computePartition, against what Debezium
// 3.6.1's own classes print (testdata/PartitionHashes.java).
func TestPartitionHashesMatchDebezium(t *testing.T) {
	n := 0
	for _, line := range testdataLines(t, "testdata/partitionrouting_hashes.txt") {
		parts := strings.Split(line, "\t")
		if len(parts) != 4 {
			continue // the JVM's log lines
		}
		kind, repr := parts[0], parts[1]
		javaWant, _ := strconv.ParseInt(parts[2], 10, 32)
		if num, ok := strings.CutPrefix(kind, "partition-"); ok {
			hash := prJavaHash
			if num == "murmur" {
				hash = prMurmur
			}
			var sum int32
			for _, tv := range strings.Split(repr, ",") {
				typ, v, _ := strings.Cut(tv, ":")
				s, val := prTestValue(t, map[string]string{"Integer": "int32", "Long": "int64", "String": "plain"}[typ], v)
				sum += hash(s, val)
			}
			if got := prPartition(sum, 7); int64(got) != javaWant {
				t.Errorf("%s %s: partition %d, want %d", kind, repr, got, javaWant)
			}
			n++
			continue
		}
		murmurWant, _ := strconv.ParseInt(parts[3], 10, 32)
		s, v := prTestValue(t, kind, repr)
		if got := prJavaHash(s, v); int64(got) != javaWant {
			t.Errorf("java %s %s: %d, want %d", kind, repr, got, javaWant)
		}
		if got := prMurmur(s, v); int64(got) != murmurWant {
			t.Errorf("murmur %s %s: %d, want %d", kind, repr, got, murmurWant)
		}
		n++
	}
	if n < 80 {
		t.Fatalf("only %d expectations read", n)
	}
}

// prTestValue turns a line of partitionrouting_hashes.txt into the
// schema and value sluice holds for it.
func prTestValue(t *testing.T, kind, repr string) (*change.Field, any) {
	t.Helper()
	atoi := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s %q: %v", kind, repr, err)
		}
		return n
	}
	switch kind {
	case "plain":
		return &change.Field{Type: change.String}, repr
	case "string":
		var b strings.Builder
		for _, cp := range strings.Split(repr, `\U`)[1:] {
			r, _ := strconv.ParseUint(cp, 16, 32)
			b.WriteRune(rune(r))
		}
		return &change.Field{Type: change.String}, b.String()
	case "int32":
		return &change.Field{Type: change.Int32}, int32(atoi(repr))
	case "int64":
		return &change.Field{Type: change.Int64}, atoi(repr)
	case "int16":
		return &change.Field{Type: change.Int16}, int16(atoi(repr))
	case "int8":
		return &change.Field{Type: change.Int8}, int8(atoi(repr))
	case "bool":
		return &change.Field{Type: change.Boolean}, repr == "true"
	case "float32":
		b, _ := strconv.ParseUint(repr, 16, 32)
		return &change.Field{Type: change.Float32}, math.Float32frombits(uint32(b))
	case "float64":
		b, _ := strconv.ParseUint(repr, 16, 64)
		return &change.Field{Type: change.Float64}, math.Float64frombits(b)
	case "decimal":
		unscaled, scale, _ := strings.Cut(repr, "/")
		n, _ := new(big.Int).SetString(unscaled, 10)
		return &change.Field{Type: change.Bytes, Logical: "org.apache.kafka.connect.data.Decimal", Version: 1,
			Params: []change.Param{{Key: "scale", Value: scale}}}, twosComplement(n)
	case "bytes":
		b, _ := hex.DecodeString(repr)
		return &change.Field{Type: change.Bytes}, b
	case "timestamp":
		return &change.Field{Type: change.Int64, Logical: "org.apache.kafka.connect.data.Timestamp", Version: 1}, atoi(repr)
	case "list-int32":
		return &change.Field{Type: change.Array, Elem: &change.Field{Type: change.Int32}}, []any{int32(1), int32(2), int32(3)}
	case "list-string":
		return &change.Field{Type: change.Array, Elem: &change.Field{Type: change.String, Optional: true}}, []any{"a", "bc", nil}
	case "map-string-int32":
		return &change.Field{Type: change.Map, KeyElem: &change.Field{Type: change.String}, Elem: &change.Field{Type: change.Int32}},
			change.MapValue{{Key: "k1", Value: int32(5)}, {Key: "k2", Value: int32(6)}}
	}
	t.Fatalf("unknown kind %q", kind)
	return nil, nil
}

func TestPartitionRouting(t *testing.T) {
	cols := []change.Field{
		{Name: "id", Type: change.Int32},
		{Name: "name", Type: change.String, Optional: true},
		{Name: "region", Type: change.String, Optional: true, Default: "eu"},
	}
	key, env := dbz2Schemas("pg.public.orders", cols...)
	row := change.StructValue{int32(42), "hello", nil}
	insert := dbz2Record(key, env, "pg.public.orders", "c", nil, row)
	update := dbz2Record(key, env, "pg.public.orders", "u", change.StructValue{int32(41), "old", "us"}, row)
	del := dbz2Record(key, env, "pg.public.orders", "d", row, nil)
	trunc := dbz2Record(key, env, "pg.public.orders", "t", nil, nil)
	trunc.Key = nil
	tombstone := &change.Record{Topic: "pg.public.orders", KeySchema: key, Key: change.StructValue{int32(42)}, Partition: change.NoPartition}
	heartbeat := &change.Record{Topic: "hb", Partition: change.NoPartition,
		ValueSchema: &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.Heartbeat", Fields: []change.Field{{Name: "ts_ms", Type: change.Int64}}},
		Value:       change.StructValue{int64(1)}}

	h := func(v ...any) int32 { // the java partition of values, modulo 5
		var sum int32
		for _, x := range v {
			sum += prJavaHash(nil, x)
		}
		return prPartition(sum, 5)
	}
	for _, c := range []struct {
		name   string
		opts   map[string]string
		in     *change.Record
		want   int32
		sameAs bool // the record itself comes back
	}{
		{"after.id", map[string]string{"partition.payload.fields": "after.id"}, insert, h(int32(42)), false},
		{"several fields, spaces trimmed", map[string]string{"partition.payload.fields": " after.name , source.table,op "}, insert, h("hello", "orders", "c"), false},
		{"change is after on an update", map[string]string{"partition.payload.fields": "change.id"}, update, h(int32(42)), false},
		{"change is before on a delete", map[string]string{"partition.payload.fields": "change.id"}, del, h(int32(42)), false},
		{"null value takes the schema default", map[string]string{"partition.payload.fields": "after.region"}, insert, h("eu"), false},
		{"missing field skipped", map[string]string{"partition.payload.fields": "after.nope,after.id,nope.x,op.x"}, insert, h(int32(42)), false},
		{"no field found: unchanged", map[string]string{"partition.payload.fields": "after.nope"}, insert, 0, true},
		{"before.id on an update", map[string]string{"partition.payload.fields": "before.id"}, update, h(int32(41)), false},
		{"truncate unchanged", map[string]string{"partition.payload.fields": "op"}, trunc, 0, true},
		{"tombstone unchanged", map[string]string{"partition.payload.fields": "after.id"}, tombstone, 0, true},
		{"heartbeat unchanged", map[string]string{"partition.payload.fields": "ts_ms"}, heartbeat, 0, true},
		{"murmur", map[string]string{"partition.payload.fields": "after.id,after.name", "partition.hash.function": " MURMUR "}, insert,
			prPartition(prMurmur(nil, int32(42))+prMurmur(nil, "hello"), 5), false},
		{"unknown hash function is java", map[string]string{"partition.payload.fields": "after.id", "partition.hash.function": "sha1"}, insert, h(int32(42)), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts["partition.topic.num"] = "5"
			out, err := dbz2MustNew(t, partitionRoutingClass, c.opts).Apply(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.sameAs {
				if out != c.in {
					t.Errorf("got %+v, want the record itself", out)
				}
				return
			}
			if out.Partition != c.want {
				t.Errorf("partition %d, want %d", out.Partition, c.want)
			}
			if c.in.Partition != change.NoPartition || out.Topic != c.in.Topic || out.Value == nil || out.KeySchema != c.in.KeySchema {
				t.Errorf("record changed beyond its partition: %+v", out)
			}
		})
	}

	// before.id on an insert: Debezium's NullPointerException fails the record.
	_, err := dbz2MustNew(t, partitionRoutingClass, map[string]string{"partition.payload.fields": "before.id", "partition.topic.num": "3"}).Apply(insert)
	if err == nil || !strings.HasPrefix(err.Error(), "Unprocessable message Struct{after=Struct{id=42,name=hello},source=Struct{") || !strings.HasSuffix(err.Error(), "before is null") {
		t.Errorf("before.id on an insert: %v", err)
	}
}

func TestPartitionRoutingConfig(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"partition.topic.num": "2"}, `"transforms.t.partition.payload.fields"`},
		{map[string]string{"partition.payload.fields": "after.id"}, `"transforms.t.partition.topic.num"`},
		{map[string]string{"partition.payload.fields": "after.id,,op", "partition.topic.num": "2"}, "Invalid value after.id,,op for configuration transforms.t.partition.payload.fields: Empty string element(s) not permitted"},
		{map[string]string{"partition.payload.fields": "after.id, ", "partition.topic.num": "2"}, "Empty string element(s) not permitted"},
		{map[string]string{"partition.payload.fields": "after.id", "partition.topic.num": "0"}, "Invalid value 0 for configuration transforms.t.partition.topic.num: A positive, non-zero integer value is expected"},
		{map[string]string{"partition.payload.fields": "after.id", "partition.topic.num": " 2"}, "A positive, non-zero integer value is expected"},
	} {
		_, err := dbz2New(t, partitionRoutingClass, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.opts, err, c.want)
		}
	}
	// A trailing comma is dropped, as Java's split drops it.
	if _, err := dbz2New(t, partitionRoutingClass, map[string]string{"partition.payload.fields": "after.id,", "partition.topic.num": "2"}); err != nil {
		t.Errorf("trailing comma: %v", err)
	}
}

// The Connect Date, Time and Timestamp hash as the java.util.Date Connect
// holds them in; Debezium's own io.debezium.time types as the ints they are.
func TestJavaHashOfTemporalTypes(t *testing.T) {
	ms := time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC).UnixMilli()
	days := int32(ms / 86_400_000)
	for _, c := range []struct {
		s    *change.Field
		v    any
		want int32
	}{
		{&change.Field{Type: change.Int32, Logical: "org.apache.kafka.connect.data.Date"}, days, prLongHash(ms)},
		{&change.Field{Type: change.Int32, Logical: "org.apache.kafka.connect.data.Time"}, int32(3_600_000), 3_600_000},
		{&change.Field{Type: change.Int32, Logical: "io.debezium.time.Date"}, days, days},
		{&change.Field{Type: change.Int64, Logical: "io.debezium.time.MicroTimestamp"}, ms * 1000, prLongHash(ms * 1000)},
	} {
		if got := prJavaHash(c.s, c.v); got != c.want {
			t.Errorf("%s %v: %d, want %d", c.s.Logical, c.v, got, c.want)
		}
	}
}
