package postgres

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture"
)

func TestParsePgSnapshot(t *testing.T) {
	s, err := parsePgSnapshot("100:110:108,102,105")
	if err != nil {
		t.Fatal(err)
	}
	if s.Xmin != 100 || s.Xmax != 110 || !slices.Equal(s.Xip, []uint64{102, 105, 108}) {
		t.Errorf("%+v", s)
	}
	if s, err := parsePgSnapshot("7:7:"); err != nil || len(s.Xip) != 0 {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range []string{"", "1:2", "a:2:", "1:2:x"} {
		if _, err := parsePgSnapshot(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestSnapshotVisible(t *testing.T) {
	s := pgSnapshot{Xmin: 100, Xmax: 110, Xip: []uint64{102, 105}}
	for xid, want := range map[uint64]bool{
		50: true, 99: true, 100: true, 101: true, 102: false, 103: true, 105: false, 109: true, 110: false, 200: false,
	} {
		if got := s.visible(xid); got != want {
			t.Errorf("visible(%d) = %v, want %v", xid, got, want)
		}
	}
}

func TestWidenXid(t *testing.T) {
	const e1 = 1 << 32
	for _, tc := range []struct {
		xid  uint32
		ref  uint64
		want uint64
	}{
		{500, 1000, 500},
		{1500, 1000, 1500},
		{500, e1 + 1000, e1 + 500},
		{0xFFFFFFF0, e1 + 5, 0xFFFFFFF0}, // just before the epoch turned
		{5, 0xFFFFFFF0, e1 + 5},          // just after it turned
		{0xFFFFFFF0, 5, 0xFFFFFFF0},      // epoch 0 cannot go lower
		{3, 2*e1 + 0x7FFFFFFF, 2*e1 + 3}, // within 2^31 below
		{0x80000005, 2*e1 + 3, e1 + 0x80000005},
	} {
		if got := widenXid(tc.xid, tc.ref); got != tc.want {
			t.Errorf("widenXid(%d, %d) = %d, want %d", tc.xid, tc.ref, got, tc.want)
		}
	}
}

// TestFindRegion checks which region's snapshot filters a streamed change
// (capture.Find, capture.SkipStreamed over Postgres marks): the exported
// region filters nothing, the others drop what their snapshot holds.
func TestFindRegion(t *testing.T) {
	kinds := capture.KeyOrder{keyKindOf(23)} // int4: numeric order
	regions := []region{
		{Table: 0, Mark: regionMark{Exported: true}},
		{Table: 1, After: []string{"500"}, Mark: regionMark{Snap: pgSnapshot{Xmin: 10, Xmax: 20}}},
		{Table: 3, After: []string{"7"}, Mark: regionMark{Snap: pgSnapshot{Xmin: 30, Xmax: 40}}},
	}
	skip := func(table int, key string, xid uint32) bool {
		return capture.SkipStreamed(regions, table, []string{key}, kinds, func(m regionMark) bool { return m.holds(xid) })
	}
	// Dropped: visible in the covering region's snapshot. Exported regions never drop.
	if !skip(1, "600", 15) {
		t.Error("xid 15 is visible in region 1")
	}
	if skip(1, "600", 25) {
		t.Error("xid 25 began after region 1's snapshot")
	}
	if skip(1, "400", 15) {
		t.Error("the exported region filters nothing")
	}
	if !skip(1, "1000", 15) {
		t.Error("key 1000 is after 500 in numeric order: region 1")
	}
	if !skip(3, "9", 25) || skip(3, "6", 25) {
		t.Error("region 2 / region 1 boundary in table 3")
	}
	if (regionMark{Exact: true, Snap: pgSnapshot{Xmin: 10, Xmax: 20}}).holds(15) {
		t.Error("an exact region filters nothing")
	}
}

// TestRegionStateJSON pins the regions' JSON in checkpoints: the same
// bytes as before regions moved to capture.Region, and read back.
func TestRegionStateJSON(t *testing.T) {
	ss := snapState{Tables: []string{"public.a", "public.b"}, Regions: []region{
		{Table: 0, Mark: regionMark{Exported: true}},
		{Table: 1, After: []string{"500", "x"}, Mark: regionMark{Snap: pgSnapshot{Xmin: 10, Xmax: 20, Xip: []uint64{12}}}},
		{Table: 1, After: []string{"600"}, Mark: regionMark{Exact: true}},
	}}
	b, err := json.Marshal(&ss)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"tables":["public.a","public.b"],"regions":[{"table":0,"exported":true,"snap":{"xmin":0,"xmax":0}},` +
		`{"table":1,"after":["500","x"],"snap":{"xmin":10,"xmax":20,"xip":[12]}},{"table":1,"after":["600"],"exact":true,"snap":{"xmin":0,"xmax":0}}]}`
	if string(b) != want {
		t.Errorf("state %s\nwant  %s", b, want)
	}
	var back snapState
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Regions, ss.Regions) {
		t.Errorf("read back %+v", back.Regions)
	}
}

func TestParseLSN(t *testing.T) {
	if v, err := parseLSN("16/B374D848"); err != nil || v != 0x16B374D848 {
		t.Errorf("%x %v", v, err)
	}
	if _, err := parseLSN("nonsense"); err == nil {
		t.Error("parsed nonsense")
	}
}

// TestSnapshotOrder checks Debezium's snapshot order: table.include.list
// entries in turn, the tables an entry matches in name order, each table
// once; without a list, name order ("schema.table" as a string).
func TestSnapshotOrder(t *testing.T) {
	names := []string{"public.mid", "public.alpha", "inv.zeta", "public.zeta", "inv.alpha", "a-b.t", "a.t"}
	for _, tc := range []struct {
		include string
		want    []string
	}{
		{"", []string{"a-b.t", "a.t", "inv.alpha", "inv.zeta", "public.alpha", "public.mid", "public.zeta"}},
		{`public\.zeta,public\.a.*,PUBLIC\.MID,inv\..*,a.*`, []string{"public.zeta", "public.alpha", "public.mid", "inv.alpha", "inv.zeta", "a-b.t", "a.t"}},
		{`.*\.zeta,.*`, []string{"inv.zeta", "public.zeta", "a-b.t", "a.t", "inv.alpha", "public.alpha", "public.mid"}},
		{`public\.mid`, []string{"public.mid", "a-b.t", "a.t", "inv.alpha", "inv.zeta", "public.alpha", "public.zeta"}},
	} {
		c, err := ParseConfig("x", map[string]string{"database.hostname": "h", "database.user": "u", "database.dbname": "d",
			"topic.prefix": "p", "table.include.list": tc.include})
		if err != nil {
			t.Fatal(err)
		}
		if got := snapshotOrder(names, c.TableInclude); !slices.Equal(got, tc.want) {
			t.Errorf("include %q: order %q, want %q", tc.include, got, tc.want)
		}
	}
}
