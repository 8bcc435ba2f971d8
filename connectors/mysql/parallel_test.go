package mysql

import (
	"fmt"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestRangeSetUnread checks which rows a parallel snapshot's ranges still
// have to read, and which range holds each: numeric keys compare as
// numbers, each key lies in exactly one range, a done range reads nothing,
// and a keyless table is one whole range.
func TestRangeSetUnread(t *testing.T) {
	num := (&tableInfo{Meta: []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONGLONG}}, Key: []int{0}}).keyKinds()
	rs := rangeSet(splitRanges(0, [][]string{{"100"}, {"200"}}))
	rs[0].After = []string{"50"}  // read up to 50
	rs[1].After = []string{"100"} // nothing read yet (its Lo)
	rs[2].Done = true
	rs = append(rs, splitRanges(1, nil)...)
	if len(rs) != 4 || rs[1].Lo[0] != "100" || rs[1].Hi[0] != "200" || rs[2].Hi != nil || rs[3].Lo != nil {
		t.Fatalf("ranges %+v", rs)
	}
	cases := []struct {
		ti     int
		key    []string
		group  int
		unread bool
	}{
		{0, []string{"7"}, 0, false},
		{0, []string{"50"}, 0, false},
		{0, []string{"51"}, 0, true},
		{0, []string{"100"}, 0, true}, // the upper bound is in the lower range
		{0, []string{"101"}, 1, true},
		{0, []string{"200"}, 1, true},
		{0, []string{"1000"}, 2, false}, // done
		{0, []string{"-5"}, 0, false},
		{1, []string{"1"}, 3, true},
		{1, nil, 3, true},
		{2, []string{"1"}, -1, false}, // no such table
	}
	for _, c := range cases {
		g, unread := rs.unread(c.ti, c.key, num)
		if g != c.group || unread != c.unread {
			t.Errorf("unread(%d, %v) = %d, %v; want %d, %v", c.ti, c.key, g, unread, c.group, c.unread)
		}
	}
}

// TestPendingRowsByRange: a resumed parallel snapshot's read-ahead keeps
// the first change of each row its ranges have not read, by range, and
// hands each range's rows out in key order without those of the others.
func TestPendingRowsByRange(t *testing.T) {
	tab := &tableInfo{
		ID:   change.TableID{Namespace: "db", Name: "t"},
		Meta: []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONGLONG}, {Name: "v", Type: gomysql.MYSQL_TYPE_LONG}},
		Key:  []int{0},
	}
	rs := rangeSet(splitRanges(0, [][]string{{"10"}, {"20"}}))
	rs[0].After = []string{"5"}
	rs[1].After = []string{"15"}
	p := newPendingRows(&catchUp{tables: []string{"db.t"}, ranges: rs})
	for _, id := range []int64{30, 3, 16, 7, 12, 9, 25, 18} {
		p.record(tab, []any{id, int32(0)}, &change.Event{Op: change.OpUpdate, Table: &change.TableSchema{}, Before: change.Row{id, int32(1)}})
	}
	if n := p.count(); n != 6 { // 3 and 12 were read
		t.Fatalf("%d rows kept, want 6", n)
	}
	kinds := tab.keyKinds()
	want := map[int]string{0: "[7 9]", 1: "[16 18]", 2: "[25 30]"}
	for _, g := range []int{2, 0, 1} {
		rows, _ := p.upTo(g, nil, kinds)
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.key[0])
		}
		if got := fmt.Sprint(keys); got != want[g] {
			t.Errorf("range %d: %s, want %s", g, got, want[g])
		}
	}
}
