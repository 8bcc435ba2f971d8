package capture

import (
	"encoding/hex"
	"encoding/json"
	"testing"
)

func sign(n int) int { return min(max(n, -1), 1) }

// TestCompareKeys covers the three key orders, one column and composite:
// numbers as numbers (with Postgres's infinities and NaN), text as bytes
// (COLLATE "C" / BINARY), UUID and inet text as the bytes they stand for.
func TestCompareKeys(t *testing.T) {
	num := KeyOrder{Numeric}
	txt := KeyOrder{Text}
	bin := KeyOrder{BinaryText}
	for _, tc := range []struct {
		order KeyOrder
		a, b  []string
		want  int
	}{
		{num, []string{"9"}, []string{"10"}, -1},
		{num, []string{"-5"}, []string{"-40"}, 1},
		{num, []string{"1.50"}, []string{"1.5"}, 0},
		{num, []string{"1e3"}, []string{"999.9"}, 1},
		{num, []string{"1.5e+20"}, []string{"2e19"}, 1},
		{num, []string{"Infinity"}, []string{"1e300"}, 1},
		{num, []string{"NaN"}, []string{"Infinity"}, 1},
		{num, []string{"-Infinity"}, []string{"-1e300"}, -1},
		{num, []string{"x"}, []string{"y"}, -1}, // no number: as bytes
		{txt, []string{"B"}, []string{"a"}, -1}, // bytes, not a collation
		{txt, []string{"ab"}, []string{"abc"}, -1},
		{txt, []string{"é"}, []string{"z"}, 1},
		{txt, []string{"9"}, []string{"10"}, 1},
		{txt, []string{"0e4f1b2c-0000-4000-8000-000000000000"}, []string{"a0000000-0000-4000-8000-000000000000"}, -1},
		{bin, []string{"9.0.0.0"}, []string{"10.0.0.1"}, -1}, // text order would say 1
		{bin, []string{"10.0.0.1"}, []string{"10.0.0.1"}, 0},
		{bin, []string{"255.0.0.0"}, []string{"26.0.0.0"}, 1},
		{bin, []string{"::ffff:1.2.3.4"}, []string{"1::"}, -1},
		{bin, []string{"fe80::1"}, []string{"fe80::"}, 1},
		{bin, []string{"00000000-0000-0000-0000-000000000001"}, []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, -1},
		{bin, []string{"not-an-address"}, []string{"zz"}, -1}, // unparsable: as bytes
		{KeyOrder{Numeric, Text}, []string{"2", "a"}, []string{"10", "0"}, -1},
		{KeyOrder{Numeric, Text}, []string{"10", "b"}, []string{"10", "a"}, 1},
		{KeyOrder{Text, Numeric}, []string{"a", "9"}, []string{"a", "10"}, -1},
		{num, []string{"1"}, []string{"1", "2"}, -1}, // a shorter key first
		{nil, []string{"B"}, []string{"a"}, -1},      // no kinds: as bytes
	} {
		if got := tc.order.Compare(tc.a, tc.b); sign(got) != tc.want {
			t.Errorf("%v.Compare(%v, %v) = %d, want %d", tc.order, tc.a, tc.b, got, tc.want)
		}
	}
}

func TestBinaryOfText(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // hex; "" for not ok
	}{
		{"10.0.0.1", "0a000001"},
		{"::ffff:1.2.3.4", "00000000000000000000ffff01020304"},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
		{"1.2.3", ""},
		{"xyz", ""},
	} {
		b, ok := BinaryOfText(tc.text)
		if got := hex.EncodeToString(b); ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s: %s %v, want %q", tc.text, got, ok, tc.want)
		}
	}
}

// mark is a test watermark: the regions' snapshot holds transactions
// below Below.
type mark struct {
	Below uint64 `json:"below"`
}

func TestFindRegion(t *testing.T) {
	order := KeyOrder{Numeric}
	regions := []Region[mark]{
		{Table: 0, Mark: mark{100}},
		{Table: 1, After: []string{"500"}, Mark: mark{200}},
		{Table: 3, After: []string{"7"}, Mark: mark{300}},
	}
	for _, tc := range []struct {
		table int
		key   []string
		want  int // index in regions, -1 none
	}{
		{0, []string{"1"}, 0},
		{1, []string{"500"}, 0},
		{1, []string{"501"}, 1},
		{1, []string{"1000"}, 1}, // numerically after 500
		{2, []string{"1"}, 1},
		{3, []string{"7"}, 1},
		{3, []string{"8"}, 2},
		{4, nil, 2},
		{1, nil, 0}, // truncate / keyless: the region holding the table's start
	} {
		r := Find(regions, tc.table, tc.key, order)
		got := -1
		for i := range regions {
			if r == &regions[i] {
				got = i
			}
		}
		if got != tc.want {
			t.Errorf("Find(%d, %v) = %d, want %d", tc.table, tc.key, got, tc.want)
		}
	}
	if Find(regions[1:], 0, []string{"1"}, order) != nil {
		t.Error("a row before every region matched one")
	}
	if Find[mark](nil, 0, nil, order) != nil {
		t.Error("no regions matched")
	}
}

// TestFindRangeRegion checks the regions of a resumed parallel snapshot:
// a range region (Only) covers its table's keys in (After, Hi] and nothing
// else, so the rows around it stay with the regions before.
func TestFindRangeRegion(t *testing.T) {
	order := KeyOrder{Numeric}
	regions := []Region[mark]{
		{Table: 0, Mark: mark{100}},
		{Table: 1, Only: true, After: []string{"10"}, Hi: []string{"50"}, Mark: mark{200}},
		{Table: 1, Only: true, After: []string{"70"}, Mark: mark{300}},
		{Table: 3, Mark: mark{400}},
	}
	for _, tc := range []struct {
		table int
		key   []string
		want  int
	}{
		{1, []string{"10"}, 0},
		{1, []string{"11"}, 1},
		{1, []string{"50"}, 1},
		{1, []string{"51"}, 0},
		{1, []string{"70"}, 0},
		{1, []string{"1000"}, 2},
		{1, nil, 0},
		{2, []string{"1000"}, 0}, // not after the unbounded range
		{3, []string{"1"}, 3},
	} {
		r := Find(regions, tc.table, tc.key, order)
		got := -1
		for i := range regions {
			if r == &regions[i] {
				got = i
			}
		}
		if got != tc.want {
			t.Errorf("Find(%d, %v) = %d, want %d", tc.table, tc.key, got, tc.want)
		}
	}
	b, err := json.Marshal(regions[1])
	if err != nil || string(b) != `{"table":1,"after":["10"],"only":true,"hi":["50"],"below":200}` {
		t.Errorf("JSON %s, %v", b, err)
	}
	var back Region[mark]
	if err := json.Unmarshal(b, &back); err != nil || !back.Only || back.Hi[0] != "50" {
		t.Errorf("back %+v, %v", back, err)
	}
}

func TestSkipStreamed(t *testing.T) {
	order := KeyOrder{Numeric}
	regions := []Region[mark]{
		{Table: 0, Mark: mark{100}},
		{Table: 0, After: []string{"10"}, Mark: mark{200}},
		{Table: 2, Mark: mark{300}},
	}
	for _, c := range []struct {
		table int
		key   string
		tx    uint64
		skip  bool
	}{
		{0, "5", 150, false},  // region 0 covers it; tx after its snapshot
		{0, "9", 50, true},    // in region 0's snapshot
		{0, "11", 150, true},  // region 1 (key > 10), in its snapshot
		{0, "11", 250, false}, // after region 1's snapshot
		{0, "100", 199, true}, // numeric comparison, not text
		{1, "1", 150, true},   // table 1 belongs to region 1
		{1, "1", 250, false},
		{2, "1", 250, true}, // region 2
		{2, "1", 300, false},
	} {
		holds := func(m mark) bool { return c.tx < m.Below }
		if got := SkipStreamed(regions, c.table, []string{c.key}, order, holds); got != c.skip {
			t.Errorf("SkipStreamed(table %d, key %s, tx %d) = %v", c.table, c.key, c.tx, got)
		}
	}
	called := false
	if SkipStreamed(regions[1:], 0, []string{"1"}, order, func(mark) bool { called = true; return true }) || called {
		t.Error("a row outside every region was filtered")
	}
}

// TestRegionJSON checks that a region's JSON is one flat object, "table",
// "after" (left out when empty) and then the mark's fields, as the sources'
// checkpoints have always written it, and that it reads back.
func TestRegionJSON(t *testing.T) {
	type flags struct {
		Exact bool `json:"exact,omitempty"`
		Snap  mark `json:"snap"`
	}
	for _, tc := range []struct {
		r    Region[flags]
		want string
	}{
		{Region[flags]{Table: 0, Mark: flags{Exact: true}}, `{"table":0,"exact":true,"snap":{"below":0}}`},
		{Region[flags]{Table: 2, After: []string{"a<b", "7"}, Mark: flags{Snap: mark{9}}}, `{"table":2,"after":["a\u003cb","7"],"snap":{"below":9}}`},
		{Region[flags]{Table: 1, After: []string{}}, `{"table":1,"snap":{"below":0}}`},
	} {
		b, err := json.Marshal([]Region[flags]{tc.r})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "["+tc.want+"]" {
			t.Errorf("%+v: %s, want [%s]", tc.r, b, tc.want)
		}
		var back []Region[flags]
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if len(back) != 1 || back[0].Table != tc.r.Table || back[0].Mark != tc.r.Mark || len(back[0].After) != len(tc.r.After) {
			t.Errorf("%s read back as %+v", b, back)
		}
	}
	// A mark with no fields set to write: the head alone.
	type omit struct {
		X bool `json:"x,omitempty"`
	}
	if b, _ := json.Marshal(Region[omit]{Table: 3, After: []string{"1"}}); string(b) != `{"table":3,"after":["1"]}` {
		t.Errorf("empty mark: %s", b)
	}
	if _, err := json.Marshal(Region[int]{}); err == nil {
		t.Error("a mark that is no object was written")
	}
	var r Region[flags]
	if err := json.Unmarshal([]byte(`{"table":"x"}`), &r); err == nil {
		t.Error("a malformed region was read")
	}
}
