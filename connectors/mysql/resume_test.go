package mysql

import (
	"slices"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestPendingRowsFirstChangeInKeyOrder checks what a resumed snapshot's
// read-ahead keeps: the first change since the origin of each row after the
// cursor only, and hands them to the scan in key order (numeric, not
// textual), each once, with the row the scan is at reported apart.
func TestPendingRowsFirstChangeInKeyOrder(t *testing.T) {
	tab := &tableInfo{
		ID:   change.TableID{Namespace: "db", Name: "t"},
		Meta: []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONGLONG}, {Name: "v", Type: gomysql.MYSQL_TYPE_LONG}},
		Key:  []int{0},
	}
	other := &tableInfo{ID: change.TableID{Namespace: "db", Name: "other"}, Meta: tab.Meta, Key: tab.Key}
	p := newPendingRows(&catchUp{tables: []string{"db.t"}, cursor: region{Table: 0, After: []string{"10"}}})
	change1 := func(op change.Op, id int64, before int32) {
		ev := &change.Event{Op: op, Table: &change.TableSchema{}}
		if op != change.OpCreate {
			ev.Before = change.Row{id, before}
		}
		p.record(tab, []any{id, int32(0)}, ev)
	}
	change1(change.OpUpdate, 5, 50)  // read already (at or before the cursor): not kept
	change1(change.OpUpdate, 100, 1) // kept: its image at the origin has v 1
	change1(change.OpUpdate, 100, 2) // a later change: the first one stays
	change1(change.OpCreate, 20, 0)  // inserted after the origin: no image
	change1(change.OpUpdate, 20, 0)  // later change of that row: still no image
	change1(change.OpDelete, 11, 7)  // deleted: its image at the origin
	change1(change.OpUpdate, 10, 9)  // the cursor's own row: read already
	p.record(other, []any{int64(50), int32(0)}, &change.Event{Op: change.OpDelete, Before: change.Row{int64(50), int32(0)}})
	if n := p.count(); n != 3 {
		t.Fatalf("%d rows kept, want 3 (11, 20, 100)", n)
	}
	kinds := tab.keyKinds()
	type step struct {
		at         []string // the scan's row; nil: the table's end
		before     []string // keys handed out before it
		same       string   // the scan's row itself, if kept
		sameBefore any      // its image's v (nil: inserted after the origin)
	}
	steps := []step{
		{at: []string{"11"}, same: "11", sameBefore: int32(7)},
		{at: []string{"12"}},
		{at: []string{"99"}, before: []string{"20"}},
		{at: nil, before: []string{"100"}},
	}
	for i, s := range steps {
		rows, same := p.upTo(0, s.at, kinds)
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.key[0])
			if r.key[0] == "100" && (r.before == nil || r.before[1] != int32(1)) {
				t.Errorf("row 100: image %v, want its first change's before image (v 1)", r.before)
			}
		}
		if !slices.Equal(keys, s.before) {
			t.Errorf("step %d: rows before %v: %v, want %v", i, s.at, keys, s.before)
		}
		switch {
		case s.same == "" && same != nil:
			t.Errorf("step %d: row %v reported kept", i, s.at)
		case s.same != "" && same == nil:
			t.Errorf("step %d: row %v not reported kept", i, s.at)
		case same != nil && (same.before == nil) != (s.sameBefore == nil):
			t.Errorf("step %d: image %v, want v %v", i, same.before, s.sameBefore)
		case same != nil && same.before != nil && same.before[1] != s.sameBefore:
			t.Errorf("step %d: image %v, want v %v", i, same.before, s.sameBefore)
		}
	}
	if rows, same := p.upTo(0, nil, kinds); len(rows) != 0 || same != nil {
		t.Errorf("rows handed out twice: %v %v", rows, same)
	}
	var nilRows *pendingRows
	if rows, same := nilRows.upTo(0, []string{"1"}, kinds); rows != nil || same != nil {
		t.Error("no read-ahead: rows handed out")
	}
}
