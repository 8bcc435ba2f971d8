package capture

import (
	"slices"
	"testing"
)

// TestPending checks what the scan of a resumed snapshot gets from the
// read-ahead: the first change of each row, in key order (numeric, not
// textual), each once, with the row the scan is at reported apart.
func TestPending(t *testing.T) {
	p := NewPending[string]()
	for _, c := range []struct {
		table int
		key   string
		row   string
		kept  bool
	}{
		{0, "100", "100 first", true},
		{0, "100", "100 later", false}, // the first change stays
		{0, "20", "20", true},
		{0, "11", "11", true},
		{1, "11", "other table", true},
	} {
		if got := p.Record(c.table, []string{c.key}, c.row); got != c.kept {
			t.Errorf("Record(%d, %s) = %v", c.table, c.key, got)
		}
	}
	if p.Count() != 4 || !p.Has(0, []string{"20"}) || p.Has(0, []string{"21"}) || p.Has(2, []string{"11"}) {
		t.Fatalf("count %d, or Has wrong", p.Count())
	}
	order := KeyOrder{Numeric}
	for i, s := range []struct {
		at     []string // the scan's row; nil: the table's end
		before []string // rows handed out before it
		same   string   // the scan's row itself, if held
	}{
		{at: []string{"11"}, same: "11"},
		{at: []string{"12"}},
		{at: []string{"99"}, before: []string{"20"}},
		{at: nil, before: []string{"100 first"}},
		{at: nil}, // handed out once
	} {
		rows, same, ok := p.UpTo(0, s.at, order)
		if !slices.Equal(rows, s.before) || ok != (s.same != "") || same != s.same {
			t.Errorf("step %d: UpTo(%v) = %v, %q, %v; want %v, %q", i, s.at, rows, same, ok, s.before, s.same)
		}
	}
	if rows, _, _ := p.UpTo(1, nil, order); !slices.Equal(rows, []string{"other table"}) {
		t.Errorf("table 1: %v", rows)
	}
	if rows, _, ok := p.UpTo(5, nil, order); rows != nil || ok {
		t.Error("a table without changes handed out rows")
	}
	var none *Pending[string]
	if rows, _, ok := none.UpTo(0, nil, order); rows != nil || ok || none.Has(0, nil) || none.Count() != 0 {
		t.Error("a nil Pending holds something")
	}
}

func TestTouchKey(t *testing.T) {
	for _, pair := range [][2]string{
		{TouchKey(0, []string{"a", "b"}), TouchKey(0, []string{"a\x00b"})},
		{TouchKey(0, []string{"a", "b"}), TouchKey(0, []string{"ab"})},
		{TouchKey(0, []string{"1,2:x"}), TouchKey(0, []string{"1", "x"})},
		{TouchKey(1, []string{"7"}), TouchKey(0, []string{"7"})},
		{TouchKey(1, []string{"7"}), TouchKey(17, nil)},
	} {
		if pair[0] == pair[1] {
			t.Errorf("two rows meet at %q", pair[0])
		}
	}
	if TouchKey(3, []string{"x", ""}) != "3,1:x,0:" {
		t.Errorf("%q", TouchKey(3, []string{"x", ""}))
	}
}
