//go:build integration

package mysql

import (
	"testing"
)

// TestIntegrationSnapshotFetchSizeAndOverride: snapshot.fetch.size is the
// chunk the snapshot reads and checkpoints (Pos.Last on each chunk's last
// row), for a table and for a table read through an override SELECT that
// keeps the key; a column the override leaves out is null.
func TestIntegrationSnapshotFetchSizeAndOverride(t *testing.T) {
	e := newMyEnv(t, "snapmodes_fetch")
	e.exec("CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10), note VARCHAR(10))",
		"INSERT INTO a SELECT seq, CONCAT('v', seq), 'n' FROM seq_1_to_10",
		"CREATE TABLE b (id INT PRIMARY KEY, v INT)",
		"INSERT INTO b SELECT seq, seq FROM seq_1_to_7")
	cfg := e.config(map[string]string{
		"snapshot.fetch.size":                                "3",
		"include.schema.changes":                             "false",
		"snapshot.select.statement.overrides":                e.db + ".a",
		"snapshot.select.statement.overrides." + e.db + ".a": "SELECT v, id FROM " + e.db + ".a WHERE id > 2;",
	})
	st := e.open(cfg, nil, Knobs{})
	evs := next(t, st, 15)
	var got []int64
	var lasts []int64
	for _, ev := range evs {
		got = append(got, idOf(ev))
		if ev.Pos.Last {
			lasts = append(lasts, idOf(ev))
		}
		if ev.Table.ID.Name == "a" && (ev.After[2] != nil || ev.After[1] == nil) {
			t.Errorf("override row %v: want v read and note null", ev.After)
		}
	}
	want := []int64{3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7}
	wantLast := []int64{5, 8, 10, 3, 6, 7}
	if !equalInts(got, want) || !equalInts(lasts, wantLast) {
		t.Errorf("ids %v (chunk ends %v), want %v (chunk ends %v)", got, lasts, want, wantLast)
	}
	quiet(t, st, 300e6)
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
