package txmeta

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The expected orders were printed by java.util.HashMap (JDK 17) filled in
// the same order: String.join(",", map.keySet()).
func TestJavaHashOrderMatchesHashMap(t *testing.T) {
	var many []string
	for i := 0; i <= 16; i++ {
		many = append(many, "public.t"+itoa(i))
	}
	cases := []struct{ in, want string }{
		{"public.a,public.b", "public.a,public.b"},
		{"s1.a,s2.a", "s1.a,s2.a"},
		{"inventory.customers,inventory.orders,inventory.products,inventory.addresses", "inventory.customers,inventory.addresses,inventory.orders,inventory.products"},
		{strings.Join(many, ","), "public.t14,public.t15,public.t12,public.t13,public.t16,public.t8,public.t7,public.t9,public.t4,public.t3,public.t6,public.t5,public.t0,public.t10,public.t11,public.t2,public.t1"},
		{"txmeta_db.orders,txmeta_db.items,txmeta_db.audit", "txmeta_db.audit,txmeta_db.items,txmeta_db.orders"},
		{"public.zebra,public.ünïcode,public.𝄞clef", "public.ünïcode,public.zebra,public.𝄞clef"},
	}
	for _, c := range cases {
		names := strings.Split(c.in, ",")
		var got []string
		for _, i := range javaHashOrder(names) {
			got = append(got, names[i])
		}
		if g := strings.Join(got, ","); g != c.want {
			t.Errorf("order of %s:\n got %s\nwant %s", c.in, g, c.want)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestMonitorCountsAndRecords(t *testing.T) {
	m := New("transaction")
	ts := time.UnixMilli(1714558530123).Add(999 * time.Microsecond)
	begin := m.Begin("571:100", ts)
	if want := (change.StructValue{"BEGIN", "571:100", nil, nil, int64(1714558530123)}); !reflect.DeepEqual(begin.Value, want) {
		t.Errorf("BEGIN value %v, want %v", begin.Value, want)
	}
	type ord struct{ total, coll int64 }
	var got []ord
	for _, c := range []string{"public.b", "public.a", "public.b", "public.b"} {
		tot, co := m.Count(c)
		got = append(got, ord{tot, co})
	}
	if want := []ord{{1, 1}, {2, 1}, {3, 2}, {4, 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	end := m.End("571:200", ts)
	want := change.StructValue{"END", "571:200", int64(4), []any{
		change.StructValue{"public.a", int64(1)}, change.StructValue{"public.b", int64(3)},
	}, int64(1714558530123)}
	if !reflect.DeepEqual(end.Value, want) || !reflect.DeepEqual(end.Key, change.StructValue{"571:200"}) || end.Topic != "transaction" {
		t.Errorf("END %+v, want value %v", end, want)
	}
	m.Reset()
	if tot, co := m.Count("public.a"); tot != 1 || co != 1 || m.Total() != 1 {
		t.Errorf("after Reset: %d %d", tot, co)
	}
	// Messages are collections of their own: order 1 each, one entry each.
	for i := 0; i < 2; i++ {
		if tot, co := m.CountAlone("LOGICAL_DECODING_MESSAGE"); tot != int64(2+i) || co != 1 {
			t.Errorf("CountAlone %d: %d %d", i, tot, co)
		}
	}
	if tot, co := m.Count("public.a"); tot != 4 || co != 2 {
		t.Errorf("after messages: %d %d", tot, co)
	}
	if colls := m.End("x", ts).Value[3].([]any); len(colls) != 3 {
		t.Errorf("END collections %v, want public.a and two messages", colls)
	}
}
