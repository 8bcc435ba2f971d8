package mysql

import (
	"fmt"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// TestPendingRowsByRange: a resumed parallel snapshot's read-ahead keeps
// the first change of each row its ranges have not read (unreadIn), and
// hands each range's rows out in key order without those of the others.
func TestPendingRowsByRange(t *testing.T) {
	tab := &tableInfo{
		ID:   change.TableID{Namespace: "db", Name: "t"},
		Meta: []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONGLONG}, {Name: "v", Type: gomysql.MYSQL_TYPE_LONG}},
		Key:  []int{0},
	}
	// Ranges (..10] read up to 5, (10..20] up to 15, (20..] nothing.
	cursors := [][]string{{"5"}, {"15"}, {"20"}}
	bound := [][]string{{"10"}, {"20"}, nil}
	kinds := tab.keyKinds()
	unread := func(ti int, key []string, order capture.KeyOrder) bool {
		for g, hi := range bound {
			if hi == nil || order.Compare(key, hi) <= 0 {
				return order.Compare(key, cursors[g]) > 0
			}
		}
		return false
	}
	p := newPendingRows(&catchUp{tables: []string{"db.t"}, unreadIn: unread})
	for _, id := range []int64{30, 3, 16, 7, 12, 9, 25, 18} {
		p.record(tab, []any{id, int32(0)}, &change.Event{Op: change.OpUpdate, Table: &change.TableSchema{}, Before: change.Row{id, int32(1)}})
	}
	if n := p.count(); n != 6 { // 3 and 12 were read
		t.Fatalf("%d rows kept, want 6", n)
	}
	p.rows.Sort(func(int) capture.KeyOrder { return kinds })
	want := map[int]string{0: "[7 9]", 1: "[16 18]", 2: "[25 30]"}
	for _, g := range []int{2, 0, 1} {
		rows, same := p.between(0, cursors[g], bound[g], kinds) // up to the bound, then the bound itself
		if same != nil {
			rows = append(rows, same)
		}
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.key[0])
		}
		if got := fmt.Sprint(keys); got != want[g] {
			t.Errorf("range %d: %s, want %s", g, got, want[g])
		}
	}
}

// TestParUnread: a resumed parallel snapshot's read-ahead keeps the rows of
// the tables not begun, and in the tables begun those after their range's
// cursor; a done range and a done table (before Next, without ranges) keep
// none. Ranges may come in any order.
func TestParUnread(t *testing.T) {
	num := capture.KeyOrder{capture.Numeric}
	par := capture.ParState{Next: 3, Ranges: []capture.ParRange{
		{Table: 1, Part: 2, Last: true, After: []string{"250"}},
		{Table: 1, Part: 0, Hi: []string{"100"}, After: []string{"50"}},
		{Table: 1, Part: 1, Hi: []string{"200"}, After: []string{"200"}, Done: true},
		{Table: 2, Last: true},
	}}
	unread := parUnread(par)
	for _, c := range []struct {
		ti   int
		key  string
		want bool
	}{
		{0, "1", false}, // table 0 is done
		{1, "50", false},
		{1, "51", true},
		{1, "100", true},
		{1, "101", false}, // range 1 is done
		{1, "200", false},
		{1, "201", false},
		{1, "251", true},
		{2, "1", true},
		{3, "1", true}, // not begun
		{9, "1", true},
	} {
		if got := unread(c.ti, []string{c.key}, num); got != c.want {
			t.Errorf("unread(%d, %s) = %v, want %v", c.ti, c.key, got, c.want)
		}
	}
}
