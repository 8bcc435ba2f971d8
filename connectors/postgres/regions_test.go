package postgres

import (
	"slices"
	"testing"
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

func TestCompareKeys(t *testing.T) {
	num := []keyKind{keyNumeric}
	txt := []keyKind{keyText}
	for _, tc := range []struct {
		kinds []keyKind
		a, b  []string
		want  int
	}{
		{num, []string{"9"}, []string{"10"}, -1},
		{num, []string{"-5"}, []string{"-40"}, 1},
		{num, []string{"1.50"}, []string{"1.5"}, 0},
		{num, []string{"1e3"}, []string{"999.9"}, 1},
		{num, []string{"Infinity"}, []string{"1e300"}, 1},
		{num, []string{"NaN"}, []string{"Infinity"}, 1},
		{num, []string{"-Infinity"}, []string{"-1e300"}, -1},
		{txt, []string{"B"}, []string{"a"}, -1}, // COLLATE "C": bytes
		{txt, []string{"ab"}, []string{"abc"}, -1},
		{txt, []string{"é"}, []string{"z"}, 1},
		{txt, []string{"0e4f1b2c-0000-4000-8000-000000000000"}, []string{"a0000000-0000-4000-8000-000000000000"}, -1},
		{[]keyKind{keyNumeric, keyText}, []string{"2", "a"}, []string{"10", "0"}, -1},
		{[]keyKind{keyNumeric, keyText}, []string{"10", "b"}, []string{"10", "a"}, 1},
	} {
		got := compareKeys(tc.kinds, tc.a, tc.b)
		if sign(got) != tc.want {
			t.Errorf("compareKeys(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestFindRegion(t *testing.T) {
	kinds := []keyKind{keyNumeric}
	regions := []region{
		{Table: 0, Exported: true},
		{Table: 1, After: []string{"500"}, Snap: pgSnapshot{Xmin: 10, Xmax: 20}},
		{Table: 3, After: []string{"7"}, Snap: pgSnapshot{Xmin: 30, Xmax: 40}},
	}
	for _, tc := range []struct {
		table int
		key   []string
		want  int // index in regions, -1 none
	}{
		{0, []string{"1"}, 0},
		{1, []string{"500"}, 0},
		{1, []string{"501"}, 1},
		{1, []string{"1000"}, 1},
		{2, []string{"1"}, 1},
		{3, []string{"7"}, 1},
		{3, []string{"8"}, 2},
		{4, nil, 2},
		{1, nil, 0}, // truncate / keyless: the region holding the table's start
	} {
		r := findRegion(regions, tc.table, tc.key, kinds)
		got := -1
		if r != nil {
			got = int(r.Table)
			for i := range regions {
				if r == &regions[i] {
					got = i
				}
			}
		}
		if got != tc.want {
			t.Errorf("findRegion(%d, %v) = %d, want %d", tc.table, tc.key, got, tc.want)
		}
	}
	if findRegion(regions[1:], 0, []string{"1"}, kinds) != nil {
		t.Error("a row before every region matched one")
	}

	// Dropped: visible in the covering region's snapshot. Exported regions never drop.
	if !skipStreamed(regions, 1, []string{"600"}, kinds, 15) {
		t.Error("xid 15 is visible in region 1")
	}
	if skipStreamed(regions, 1, []string{"600"}, kinds, 25) {
		t.Error("xid 25 began after region 1's snapshot")
	}
	if skipStreamed(regions, 1, []string{"400"}, kinds, 15) {
		t.Error("the exported region filters nothing")
	}
	if !skipStreamed(regions, 3, []string{"9"}, kinds, 25) || skipStreamed(regions, 3, []string{"6"}, kinds, 25) {
		t.Error("region 2 / region 1 boundary in table 3")
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
