package postgres

import (
	"testing"
)

// TestOverrideQuery: an override that returns the key is read in key
// chunks of snapshot.fetch.size (columns it leaves out are null); one that
// does not is read in one pass.
func TestOverrideQuery(t *testing.T) {
	ti := testTable(t, 'd')
	ti.Key = []int{0}
	sel := tableSelect{override: "SELECT id, name FROM t WHERE id > 2", has: []bool{true, true, false, false}, chunked: true}
	sql, params, _ := sel.query(ti, []string{"7"}, 2)
	want := `SELECT "id", "name", NULL, NULL FROM (SELECT id, name FROM t WHERE id > 2) AS sluice_override WHERE ("id") > ($1) ORDER BY "id" LIMIT 2`
	if sql != want || len(params) != 1 || string(params[0]) != "7" {
		t.Errorf("chunked override:\n got %s %q\nwant %s", sql, params, want)
	}
	sel = tableSelect{override: "SELECT name FROM t", has: []bool{false, true, false, false}}
	if sql, params, _ := sel.query(ti, []string{"7"}, 2); sql != `SELECT NULL, "name", NULL, NULL FROM (SELECT name FROM t) AS sluice_override` || params != nil {
		t.Errorf("override without the key: %s %q", sql, params)
	}
	if sql, _, _ := (tableSelect{chunked: true}).query(ti, nil, 5); sql != `SELECT "id", "name", "note", "blob" FROM "public"."t" ORDER BY "id" LIMIT 5` {
		t.Errorf("no override: %s", sql)
	}
}
