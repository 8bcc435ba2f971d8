package transforms

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// PartitionRouting is Debezium's io.debezium.transforms.partitions.PartitionRouting:
// it picks a change event's partition from values in its payload. Each of
// partition.payload.fields names a member of the envelope by a dotted path
// ("after.customer_id", "source.table", "op"); a first or middle part
// "change" stands for "before" on a delete and "after" otherwise. The
// values found (a path that does not exist, or a null value, is skipped)
// are hashed by partition.hash.function (java: Java's hashCode of the value
// as Kafka Connect holds it; murmur: Debezium's MurmurHash3 of it), the
// hashes summed with int overflow, the sign bit cleared (Integer.MAX_VALUE
// itself counting as 0), and the partition is the rest modulo
// partition.topic.num. Tombstones, records that are not change events,
// truncate and message events, and events where no field is found keep
// their partition. A path whose intermediate struct is null (before.id on
// an insert) fails the record, as it fails Debezium's.
const partitionRoutingClass = "io.debezium.transforms.partitions.PartitionRouting"

func init() {
	Register(Plugin{
		Class: partitionRoutingClass, Kind: KindTransformation, Version: DebeziumVersion,
		Keys: partitionRoutingKeys, New: newPartitionRouting,
	})
}

var partitionRoutingKeys = configdef.Grouped("partitions",
	configdef.Key{Name: "partition.payload.fields", Type: configdef.List, Importance: configdef.High, Width: configdef.WidthNone,
		Display: "List of payload fields to use for compute partition.",
		Doc:     "Payload fields to use to calculate the partition. Supports Struct nesting using dot notation.To access fields related to data collections, you can use: after, before or change, where 'change' is a special field that will automatically choose, based on operation, the 'after' or 'before'. If a field not exist for the current record it will simply not usede.g. after.name,source.table,change.name"},
	configdef.Key{Name: "partition.topic.num", Type: configdef.Int, Importance: configdef.High, Width: configdef.WidthNone,
		Display: "Number of partition configured for topic",
		Doc:     "Number of partition for the topic on which this SMT act. Use TopicNameMatches predicate to filter records by topic"},
	configdef.Key{Name: "partition.hash.function", Type: configdef.String, Default: configdef.Def("java"), Importance: configdef.Low, Width: configdef.WidthNone,
		Display: "Hash function",
		Doc:     "Hash function to be used when computing hash of the fields which would determine number of the destination partition."},
)

type partitionRouting struct {
	paths [][]string
	num   int32
	hash  func(*change.Field, any) int32
}

func newPartitionRouting(c *Config) (Transform, error) {
	t := &partitionRouting{hash: prJavaHash}
	if c.Has("partition.payload.fields") {
		items := smtSplit(c.Props["partition.payload.fields"], ",")
		for _, it := range items {
			if it == "" {
				c.Fail("partition.payload.fields", "Empty string element(s) not permitted")
				break
			}
			t.paths = append(t.paths, smtSplit(it, "."))
		}
	} else {
		c.Required("partition.payload.fields")
	}
	if c.Has("partition.topic.num") {
		// Integer.parseInt, which does not trim.
		n, err := strconv.ParseInt(c.Props["partition.topic.num"], 10, 32)
		if err != nil || n <= 0 {
			c.Fail("partition.topic.num", "A positive, non-zero integer value is expected")
		}
		t.num = int32(n)
	} else {
		c.Required("partition.topic.num")
	}
	// An unknown function is Java's, as Debezium parses it.
	if strings.EqualFold(strings.TrimSpace(c.String("partition.hash.function", "java")), "murmur") {
		t.hash = prMurmur
	}
	return t, nil
}

func (t *partitionRouting) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil || !smtIsEnvelope(r) {
		return r, nil
	}
	env, err := smtStruct(r.ValueSchema, r.Value, "PartitionRouting")
	if err != nil {
		return nil, err
	}
	op, hasOp := prOp(r.ValueSchema, env)
	if hasOp && (strings.EqualFold(op, "t") || strings.EqualFold(op, "m")) {
		return r, nil
	}
	var sum int32
	found := false
	for _, path := range t.paths {
		s, v, ok, err := prPath(r.ValueSchema, env, path)
		if err != nil {
			return nil, fmt.Errorf("Unprocessable message %s: %w", prStructString(r.ValueSchema, env), err)
		}
		if ok {
			sum += t.hash(s, v)
			found = true
		}
	}
	if !found {
		return r, nil
	}
	out := *r
	out.Partition = prPartition(sum, t.num)
	return &out, nil
}

// prPartition is Debezium's computePartition of the summed hashes: the
// sign bit cleared, Integer.MAX_VALUE taken as 0, modulo num.
func prPartition(sum, num int32) int32 {
	h := sum & math.MaxInt32
	if h == math.MaxInt32 {
		h = 0
	}
	return h % num
}

// prOp returns the envelope's op member, and whether it has one that is
// a string.
func prOp(s *change.Field, env change.StructValue) (string, bool) {
	v, _, ok := smtGet(s, env, "op")
	op, isString := v.(string)
	return op, ok && isString
}

// prPath follows path from the envelope as PartitionRouting does: a
// middle part must be a struct member ("change" meaning before for a
// delete, else after); the last part's value is read with its default.
// ok is false when the path does not exist or the value is null; a null
// middle struct is an error (Debezium's NullPointerException).
func prPath(s *change.Field, env change.StructValue, path []string) (*change.Field, any, bool, error) {
	cur, curS := env, s
	for i, name := range path[:len(path)-1] {
		if name == "change" {
			// Struct.getString("op"): no op member, or one not a
			// string, throws and the field is skipped; a null op
			// means after.
			oi := s.Member("op")
			if oi < 0 || s.Fields[oi].Type != change.String {
				return nil, nil, false, nil
			}
			op, _ := env[oi].(string)
			name = "after"
			if strings.EqualFold(op, "d") {
				name = "before"
			}
		}
		m := curS.Member(name)
		if m < 0 || curS.Fields[m].Type != change.Struct {
			return nil, nil, false, nil
		}
		next, _ := cur[m].(change.StructValue)
		if next == nil {
			return nil, nil, false, fmt.Errorf("%s is null", strings.Join(path[:i+1], "."))
		}
		cur, curS = next, &curS.Fields[m]
	}
	v, m, ok := smtGet(curS, cur, path[len(path)-1])
	if !ok || v == nil {
		return nil, nil, false, nil
	}
	return m, v, true, nil
}

// prStructString renders a struct as Kafka Connect's Struct.toString
// does, non-null members only, for error messages.
func prStructString(s *change.Field, v change.StructValue) string {
	var b strings.Builder
	b.WriteString("Struct{")
	first := true
	for i, x := range v {
		if x == nil || i >= len(s.Fields) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(s.Fields[i].Name)
		b.WriteByte('=')
		if sv, ok := x.(change.StructValue); ok {
			b.WriteString(prStructString(&s.Fields[i], sv))
		} else {
			fmt.Fprint(&b, x)
		}
	}
	b.WriteByte('}')
	return b.String()
}
