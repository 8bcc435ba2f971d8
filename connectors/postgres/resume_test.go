package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
)

// TestDecoderExactRegionFilters checks that a region of a resumed snapshot
// drops no streamed change, even to a row an older filtering region
// reaches: the rows it read had no change before its snapshot.
func TestDecoderExactRegionFilters(t *testing.T) {
	ti := testTable(t, 'd')
	state := &snapState{
		Tables: []string{"public.t"},
		Regions: []region{
			{Table: 0, After: []string{"10"}, Mark: regionMark{Snap: pgSnapshot{Xmin: 50, Xmax: 60}}},
			{Table: 0, After: []string{"30"}, Mark: regionMark{Exact: true}},
		},
		WAL: 1000,
	}
	h := newHarness(t, Config{}, ti, nil, state)
	h.feed(tx(500, 52, ins("20"), ins("31"), ins("40"))...) // xid 52 visible in the old region: only key 20 dropped
	var got []any
	for _, ev := range h.events() {
		got = append(got, ev.After[0])
	}
	if want := []any{int32(31), int32(40)}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
	if (&snapState{Regions: []region{{Mark: regionMark{Exported: true}}, {Table: 0, After: []string{"3"}, Mark: regionMark{Exact: true}}}}).needsFilter() {
		t.Error("exported and exact regions need no filter")
	}
}

func TestScanCursorCovers(t *testing.T) {
	kinds := capture.KeyOrder{capture.Numeric}
	cur := scanCursor{Table: 1, After: []string{"35"}}
	for _, tc := range []struct {
		table int
		key   []string
		want  bool
	}{
		{0, []string{"999"}, false}, // an earlier table: read
		{1, []string{"35"}, false},  // the last key read
		{1, []string{"4"}, false},   // numeric order, not text
		{1, []string{"36"}, true},
		{1, []string{"100"}, true},
		{2, []string{"1"}, true}, // a later table
		{2, nil, true},
		{1, nil, false}, // a keyless row of the cursor's table cannot be placed
	} {
		if got := cur.covers(tc.table, tc.key, kinds); got != tc.want {
			t.Errorf("covers(%d, %v) = %v, want %v", tc.table, tc.key, got, tc.want)
		}
	}
	start := scanCursor{Table: 1}
	if !start.covers(1, nil, kinds) || start.covers(0, []string{"1"}, kinds) {
		t.Error("a cursor at a table's start covers all of it and nothing before")
	}
}

func TestTouchedRows(t *testing.T) {
	touched := capture.NewPending[struct{}]()
	touched.Record(0, []string{"a", "b"}, struct{}{})
	touched.Record(1, []string{"7"}, struct{}{})
	run := &snapshotRun{touched: touched}
	for _, tc := range []struct {
		table int
		key   []string
		want  bool
	}{
		{0, []string{"a", "b"}, true},
		{0, []string{"a\x00b"}, false}, // columns stay apart
		{0, []string{"ab"}, false},
		{1, []string{"7"}, true},
		{0, []string{"7"}, false}, // same key, other table
		{1, []string{"70"}, false},
	} {
		if got := run.touched.Has(tc.table, tc.key); got != tc.want {
			t.Errorf("touched.Has(%d, %q) = %v, want %v", tc.table, tc.key, got, tc.want)
		}
	}
}

func TestResumeSlotName(t *testing.T) {
	now := time.Unix(1_800_000_000, 123)
	if got := resumeSlotName("sluice", now); !strings.HasPrefix(got, "sluice_resume_") || len(got) > 63 {
		t.Errorf("resumeSlotName = %q", got)
	}
	long := strings.Repeat("s", 63)
	got := resumeSlotName(long, now)
	if len(got) != 63 || !strings.Contains(got, "_resume_") {
		t.Errorf("resumeSlotName of a 63-character slot = %q (%d)", got, len(got))
	}
	for _, c := range got {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			t.Fatalf("slot name %q has %q: only lower-case letters, digits and _ are allowed", got, c)
		}
	}
}
