package postgres

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// TestRangeQuery checks the chunk query of a parallel snapshot's range:
// after's and upTo's parameters in that order, each compared as a row in
// the chunk query's key order.
func TestRangeQuery(t *testing.T) {
	ti := testTable(t, 'd')
	ti.Key = []int{1, 0}
	sql, params, oids := rangeQuery(ti, []string{"b", "7"}, []string{"m", "2"}, 100)
	want := `SELECT "id", "name", "note", "blob" FROM "public"."t" WHERE ("name" COLLATE "C", "id") > ($1, $2) AND ("name" COLLATE "C", "id") <= ($3, $4) ORDER BY "name" COLLATE "C", "id" LIMIT 100`
	if sql != want || len(params) != 4 || string(params[2]) != "m" || !reflect.DeepEqual(oids, []uint32{tOidText, tOidInt4, tOidText, tOidInt4}) {
		t.Errorf("%s %q %v", sql, params, oids)
	}
	sql, params, _ = rangeQuery(ti, nil, []string{"m", "2"}, 10)
	want = `SELECT "id", "name", "note", "blob" FROM "public"."t" WHERE ("name" COLLATE "C", "id") <= ($1, $2) ORDER BY "name" COLLATE "C", "id" LIMIT 10`
	if sql != want || string(params[0]) != "m" {
		t.Errorf("first range: %s %q", sql, params)
	}
}

// TestParResume checks where a parallel snapshot resumes: a parallel
// checkpoint's ranges after the row's key, a 1-thread checkpoint's table as
// one range, and the regions the resumed snapshot reads (the ranges not
// done after their cursors, and the tables not begun).
func TestParResume(t *testing.T) {
	par := &capture.ParState{Next: 3, Cur: 1, Ranges: []capture.ParRange{
		{Table: 1, Part: 0, Hi: []string{"100"}, After: []string{"100"}, Rows: 100, Done: true},
		{Table: 1, Part: 1, Hi: []string{"200"}, After: []string{"150"}, Rows: 50},
		{Table: 1, Part: 2, Last: true, After: []string{"200"}},
	}}
	key, _ := json.Marshal([]string{"160"})
	got, err := parResume(&snapState{Par: par}, &change.Position{Key: key, Index: 160}, scanCursor{})
	if err != nil || !slices.Equal(got.Ranges[1].After, []string{"160"}) || got.Ranges[1].Rows != 60 {
		t.Fatalf("parallel checkpoint: %+v, %v", got, err)
	}
	regions := parRegions(got, 5)
	if len(regions) != 3 || !regions[0].Only || regions[0].After[0] != "160" || regions[0].Hi[0] != "200" ||
		regions[1].Hi != nil || regions[2].Table != 3 || regions[2].Only || !regions[2].Mark.Exact {
		t.Errorf("regions %+v", regions)
	}
	order := capture.KeyOrder{capture.Numeric}
	for _, c := range []struct {
		table int
		key   string
		read  bool // read before the crash
	}{{1, "50", true}, {1, "150", true}, {1, "160", true}, {1, "161", false}, {1, "200", false}, {1, "201", false}, {2, "1", true}, {3, "1", false}} {
		if unread := capture.Find(regions, c.table, []string{c.key}, order) != nil; unread == c.read {
			t.Errorf("table %d key %s: unread %v", c.table, c.key, unread)
		}
	}
	seq, err := parResume(&snapState{}, &change.Position{}, scanCursor{Table: 2, After: []string{"9"}, Rows: 9})
	if err != nil || seq.Next != 3 || len(seq.Ranges) != 1 || seq.Ranges[0].Table != 2 || !seq.Ranges[0].Last || seq.Ranges[0].Rows != 9 {
		t.Errorf("1-thread checkpoint: %+v, %v", seq, err)
	}
}
